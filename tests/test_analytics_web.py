"""Issue 15 through HTTP: numbers that add up against /api/search and /api/documents, the exact
JSON shapes, every parameter's 400, the exports, the pages, and what the build writes."""
from __future__ import annotations

import csv
import io
import re
from collections import Counter
from datetime import date
from itertools import combinations
from urllib.parse import parse_qs, quote, unquote, unquote_plus, urlsplit

import openpyxl
import pytest

from app import create_app
from indexer import analysis, analytics_files, index, store
from indexer.analytics import cooccur, echoes
from indexer.records import SearchRequest
from indexer.search import Engine

SERIES_KEYS = {"query", "by", "key", "points"}
POINT_KEYS = {"year", "clauses", "documents", "clauses_per_1000", "documents_per_100"}
COOCCURRENCE_KEYS = {"query", "clauses", "terms"}
TERM_KEYS = {"term", "count", "score"}
NETWORK_KEYS = {"nodes", "edges"}
NODE_KEYS = {"issuer", "documents", "first_year", "last_year"}
EDGE_KEYS = {"source", "target", "documents"}
QUERIES = ["基础研究", "人工智能", "科技成果转化 OR 双一流"]
FILTERS = [{}, {"issuer": "国务院"}, {"from": "2017", "to": "2018"}, {"type": "意见"}]


@pytest.fixture(scope="module")
def client(built_index):
    return create_app({"CESOU_INDEX": built_index}).test_client()


def get_json(client, url: str, **args):
    response = client.get(url, query_string=args)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200, response.get_data(as_text=True)
    return list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))


def search_total(client, **args) -> int:
    return get_json(client, "/api/search", per_page=1, **args)["total"]


def search_clauses(client, **args) -> list[tuple[str, str, str]]:
    """(doc_id, clause_id, date) of every result, from the search CSV (header rows skipped)."""
    rows = csv_rows(client.get("/api/search.csv", query_string=args))
    keys = rows[1]
    return [(r[keys.index("doc_id")], r[keys.index("clause_id")], r[keys.index("date")])
            for r in rows[2:]]


# --- the engine and the build ---------------------------------------------------------------------

def test_matches_are_the_searchs_hits_in_order_without_snippets(built_index):
    engine = Engine(built_index)
    for q in QUERIES:
        req = SearchRequest(q=q, sort="date")
        pairs, terms = engine.matches(req)
        assert [(d.id, c.id) for d, c in pairs] == [(h.doc_id, h.clause_id) for h in engine.iter_all(req)]
        assert terms == engine.search(req).terms
        assert len(pairs) == engine.search(req).total


def test_the_build_writes_word_sets_echoes_and_stop_words(built_index, corpus_dir):
    version = store.published_version(built_index)
    assert (version / store.CONFIG / "stopwords.txt").read_bytes() == \
        (corpus_dir / "config" / "stopwords.txt").read_bytes()
    stored = cooccur.WordStats.from_json(store.read_json(version / store.WORD_STATS))
    documents = store.read_documents(version)
    assert stored.clauses == sum(len(d.clauses) for d in documents)
    fresh = cooccur.WordStats.build(documents[:2], cooccur.load_stopwords(version))
    for d in documents[:2]:
        for c in d.clauses:
            assert stored.words_of(d, c) == fresh.words_of(d, c)
    assert analytics_files.read_echo_state(version) is not None
    assert analytics_files.read_echo_index(version) is not None
    assert not (version / store.ECHOES).exists()


# --- trends -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("filters", FILTERS)
def test_trend_counts_add_up_to_the_search_total(client, filters):
    data = get_json(client, "/api/trends", q=QUERIES, **filters)
    assert [s["query"] for s in data["series"]] == QUERIES
    for series in data["series"]:
        found = search_clauses(client, q=series["query"], **filters)
        undated = sum(1 for _, _, d in found if not re.match(r"\d{4}", d))
        assert sum(p["clauses"] for p in series["points"]) + undated == len(found) \
            == search_total(client, q=series["query"], **filters)
        by_year = Counter(int(d[:4]) for _, _, d in found if re.match(r"\d{4}", d))
        assert {p["year"]: p["clauses"] for p in series["points"] if p["clauses"]} == by_year
        documents = {(doc, day) for doc, _, day in found}
        documents_by_year = Counter(int(day[:4]) for _, day in documents if re.match(r"\d{4}", day))
        assert {p["year"]: p["documents"] for p in series["points"] if p["documents"]} == documents_by_year


def test_trend_rates_divide_by_the_years_whole_collection(client):
    documents = get_json(client, "/api/documents")["documents"]
    clauses, docs = Counter(), Counter()
    for d in documents:
        if re.match(r"\d{4}", d["date"]):
            clauses[int(d["date"][:4])] += d["clause_count"]
            docs[int(d["date"][:4])] += 1
    series = get_json(client, "/api/trends", q="基础研究")["series"][0]
    assert [p["year"] for p in series["points"]] == sorted(clauses)
    for p in series["points"]:
        assert p["clauses_per_1000"] == pytest.approx(p["clauses"] / clauses[p["year"]] * 1000, abs=1e-3)
        assert p["documents_per_100"] == pytest.approx(p["documents"] / docs[p["year"]] * 100, abs=1e-3)


def test_trends_json_shape_and_split_series(client):
    data = get_json(client, "/api/trends", q="基础研究", by="issuer")
    assert set(data) == {"series"}
    for series in data["series"]:
        assert set(series) == SERIES_KEYS and series["by"] == "issuer" and series["key"]
        assert all(set(p) == POINT_KEYS for p in series["points"])
        for p in series["points"]:
            if p["clauses"]:     # each split cell is the search with that issuer and year
                assert p["clauses"] == search_total(client, q="基础研究", issuer=series["key"], year=p["year"])
    plain = get_json(client, "/api/trends", q="基础研究")["series"][0]
    assert plain["by"] is None and plain["key"] is None


def test_trends_csv_is_the_json_table(client):
    series = get_json(client, "/api/trends", q=QUERIES[:2])["series"]
    response = client.get("/api/trends.csv", query_string={"q": QUERIES[:2]})
    rows = csv_rows(response)
    assert rows[0][:4] == ["检索式", "拆分维度", "分组", "年份"]
    assert [(r[0], int(r[3]), int(r[4])) for r in rows[1:]] == \
        [(s["query"], p["year"], p["clauses"]) for s in series for p in s["points"]]
    assert "attachment" in response.headers["Content-Disposition"]


# --- co-occurrence ---------------------------------------------------------------------------------

def test_cooccurrence_shape_order_and_counts(client):
    data = get_json(client, "/api/cooccurrence", q="基础研究")
    assert set(data) == COOCCURRENCE_KEYS and data["query"] == "基础研究"
    assert data["clauses"] == search_total(client, q="基础研究")
    assert data["terms"] and all(set(t) == TERM_KEYS for t in data["terms"])
    scores = [t["score"] for t in data["terms"]]
    assert scores == sorted(scores, reverse=True)
    assert all(cooccur.DEFAULT_MIN_COUNT <= t["count"] <= data["clauses"] for t in data["terms"])
    assert not any(t["term"] in "基础研究" or "基础研究" in t["term"] for t in data["terms"])
    assert len(get_json(client, "/api/cooccurrence", q="基础研究", limit=3)["terms"]) == 3


def test_each_cooccurrence_count_is_the_search_with_the_word_added(client):
    """A word's count is the matching clauses containing it as a jieba word: never more than
    the clauses of the query AND the word as a substring."""
    for t in get_json(client, "/api/cooccurrence", q="基础研究", limit=5)["terms"]:
        assert t["count"] <= search_total(client, q=f'基础研究 "{t["term"]}"')


def test_cooccurrence_matrix_diagonal_and_ochiai(client):
    terms = get_json(client, "/api/cooccurrence", q="基础研究", limit=10)["terms"]
    rows = csv_rows(client.get("/api/cooccurrence.csv", query_string={"q": "基础研究", "terms": 10}))
    assert rows[0] == ["词"] + [t["term"] for t in terms]
    for i, (row, t) in enumerate(zip(rows[1:], terms)):
        assert row[0] == t["term"] and int(row[i + 1]) == t["count"]
        assert [int(v) for v in row[1:]] == [int(r[i + 1]) for r in rows[1:]]   # symmetric
    ochiai = csv_rows(client.get("/api/cooccurrence.csv",
                                 query_string={"q": "基础研究", "terms": 10, "measure": "ochiai"}))
    assert all(float(ochiai[i + 1][i + 1]) == pytest.approx(1.0) for i in range(len(terms)))


# --- KWIC -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("q, term", [('"基础研究"', "基础研究"), ('"人才"', "人才")])
def test_kwic_rows_equal_occurrences_counted_independently(client, q, term):
    texts = {}
    for document in get_json(client, "/api/documents")["documents"]:
        for c in get_json(client, f"/api/documents/{document['id']}")["clauses"]:
            texts[(document["id"], c["id"])] = " ".join(p for p in (c["label"], c["heading"], c["text"]) if p)
    expected = Counter({key: analysis.normalize(t).count(term) for key, t in texts.items()})
    rows = csv_rows(client.get("/api/kwic.csv", query_string={"q": q, "width": 8}))
    assert rows[0][:3] == ["左文", "关键词", "右文"]
    got = Counter((r[3], r[4]) for r in rows[1:])
    assert +got == +expected and sum(got.values()) > 0
    assert all(analysis.normalize(r[1]) == term and len(r[0]) <= 8 and len(r[2]) <= 8 for r in rows[1:])
    # The permalink is the full address, as in the search CSV: it works pasted anywhere.
    assert all(r[5] == f"http://localhost/d/{quote(r[3], safe='')}/{quote(r[4], safe='.')}" for r in rows[1:])


# --- coded XLSX -----------------------------------------------------------------------------------

def test_search_xlsx_has_every_result_and_the_coding_columns(client):
    response = client.get("/api/search.xlsx", query_string={"q": "基础研究", "code": ["政策工具", "力度"]})
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    disposition = unquote(response.headers["Content-Disposition"])
    assert f"cesou-基础研究-{date.today().isoformat()}.xlsx" in disposition
    sheet = openpyxl.load_workbook(io.BytesIO(response.get_data())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][-2:] == ("政策工具", "力度")
    found = search_clauses(client, q="基础研究")
    assert [(r[1], r[2]) for r in rows[1:]] == [(d, c) for d, c, _ in found]


def test_search_csv_is_unchanged(client):
    rows = csv_rows(client.get("/api/search.csv", query_string={"q": "基础研究"}))
    assert rows[1][:3] == ["rank", "doc_id", "doc_title"]


# --- issuer network --------------------------------------------------------------------------------

def expected_network(documents) -> tuple[Counter, Counter]:
    issued, pairs = Counter(), Counter()
    for d in documents:
        names = sorted(set(d["issuers"]))
        issued.update(names)
        pairs.update(combinations(names, 2))
    return issued, pairs


@pytest.mark.parametrize("q", ["", "基础研究"])
def test_network_weights_match_the_documents_issuer_lists(client, q):
    documents = get_json(client, "/api/documents")["documents"]
    if q:
        ids = {d for d, _, _ in search_clauses(client, q=q)}
        documents = [d for d in documents if d["id"] in ids]
    issued, pairs = expected_network(documents)
    data = get_json(client, "/api/issuers/network", **({"q": q} if q else {}))
    assert set(data) == NETWORK_KEYS
    assert all(set(n) == NODE_KEYS for n in data["nodes"]) and all(set(e) == EDGE_KEYS for e in data["edges"])
    assert {n["issuer"]: n["documents"] for n in data["nodes"]} == dict(issued)
    assert {(e["source"], e["target"]): e["documents"] for e in data["edges"]} == dict(pairs)


def test_network_csv_and_graphml(client):
    data = get_json(client, "/api/issuers/network")
    edges = csv_rows(client.get("/api/issuers/network.csv"))
    assert edges[0] == ["机关甲", "机关乙", "联合发文数"] and len(edges) - 1 == len(data["edges"])
    nodes = csv_rows(client.get("/api/issuers/network.csv?part=nodes"))
    assert len(nodes) - 1 == len(data["nodes"])
    graphml = client.get("/api/issuers/network.graphml")
    assert graphml.mimetype == "application/graphml+xml"
    assert graphml.get_data(as_text=True).count("<edge ") == len(data["edges"])


# --- parameters -----------------------------------------------------------------------------------

@pytest.mark.parametrize("url, name", [
    ("/api/trends", "q"), ("/api/trends?q=a&by=year", "by"), ("/api/trends?q=a&measure=x", "measure"),
    ("/api/trends?" + "&".join(f"q=w{i}" for i in range(9)), "q"), ("/api/trends?q=a&from=x", "from"),
    ("/api/cooccurrence?q=a&limit=0", "limit"), ("/api/cooccurrence?q=a&min_count=x", "min_count"),
    ("/api/cooccurrence.csv?q=a&measure=pmi", "measure"), ("/api/cooccurrence.csv?q=a&terms=999", "terms"),
    ("/api/kwic.csv", "q"), ("/api/kwic.csv?q=a&width=201", "width"), ("/api/kwic.csv?q=a&width=1&width=2", "width"),
    ("/api/search.xlsx?q=a&code=文件ID", "code"), ("/api/search.xlsx?q=a&code=a&code=a", "code"),
    ("/api/issuers/network.csv?part=x", "part"), ("/api/issuers/network?sort=x", "sort"),
    ("/trends?q=a&by=x", "by"), ("/kwic?q=a&width=0", "width"),
])
def test_bad_parameters_are_a_chinese_400_naming_them(client, url, name):
    response = client.get(url)
    assert response.status_code == 400
    text = response.get_json()["error"] if url.startswith("/api/") else response.get_data(as_text=True)
    assert name in text and re.search(r"[\u4e00-\u9fff]", text)
    assert "must" not in text and "At most" not in text


# --- pages ----------------------------------------------------------------------------------------

def links(html: str) -> list[str]:
    return [unquote_plus(h.replace("&amp;", "&")) for h in re.findall(r'href="([^"]+)"', html)]


def test_trends_page_chart_table_and_cell_links(client):
    html = client.get("/trends", query_string={"q": ["基础研究", "人工智能"], "issuer": "国务院"}).get_data(as_text=True)
    assert "<svg" in html and 'class="trend-table"' in html
    series = get_json(client, "/api/trends", q=["基础研究", "人工智能"], issuer="国务院")["series"]
    table = html.split('class="trend-table"', 1)[1]
    cells = [h for h in links(table) if h.startswith("/?")]
    assert len(cells) == len(series) * len(series[0]["points"])
    for url in cells:
        args = parse_qs(urlsplit(url).query)
        assert args["issuer"] == ["国务院"] and len(args["year"]) == 1
        point = next(p for s in series if s["query"] == args["q"][0] for p in s["points"]
                     if p["year"] == int(args["year"][0]))
        assert search_total(client, **args) == point["clauses"]
    assert "/api/trends.csv?" in html and "/api/trends?" in html


def test_trends_page_without_a_query_shows_the_form(client):
    html = client.get("/trends").get_data(as_text=True)
    assert 'name="q"' in html and "<svg" not in html


def test_search_page_shows_related_terms_that_extend_the_query(client):
    html = client.get("/?q=基础研究").get_data(as_text=True)
    assert "相关词" in html
    terms = get_json(client, "/api/cooccurrence", q="基础研究")["terms"]
    assert f"/?q=基础研究 {terms[0]['term']}" in links(html)
    assert any(h.startswith("/api/search.xlsx?q=基础研究") for h in links(html))


def test_kwic_and_issuers_pages(client):
    html = client.get("/kwic?q=基础研究").get_data(as_text=True)
    rows = csv_rows(client.get("/api/kwic.csv?q=基础研究"))
    assert html.count('class="keyword"') == len(rows) - 1
    html = client.get("/issuers").get_data(as_text=True)
    data = get_json(client, "/api/issuers/network")
    assert data["nodes"][0]["issuer"] in html
    edge = data["edges"][0]
    link = next(h for h in links(html) if f"机关:{edge['source']} 机关:{edge['target']}" in h)
    args = parse_qs(urlsplit(link).query)
    assert args["group"] == ["document"]
    assert get_json(client, "/api/search", **args)["document_total"] == edge["documents"]


# --- echoes on a corpus with reused wording ---------------------------------------------------------

SHARED = ("加强基础研究人才队伍建设，完善青年科技人才发现培养机制，支持高校和科研院所稳定支持"
          "一批长期从事基础研究的优秀团队。")


def write_doc(folder, name: str, title: str, day: str, issuer: str, body: str) -> None:
    (folder / name).write_text(f"---\ntitle: {title}\ndate: {day}\nissuers: [{issuer}]\n---\n{body}\n",
                               encoding="utf-8")


def write_echo_corpus(corpus) -> None:
    write_doc(corpus, "a.md", "国务院关于加强基础研究的意见", "2018-01-19", "国务院",
              f"一、总体要求\n\n（一）{SHARED}\n\n（二）统筹推进各类创新基地建设。")
    write_doc(corpus, "b.md", "某省关于加强基础研究的实施意见", "2019-05-01", "某省人民政府",
              "1. 加强基础研究人才队伍建设，完善青年科技人才发现培养机制，支持省内高校和科研院所"
              "稳定支持一批长期从事基础研究的优秀团队。\n\n2. 其他措施另行制定。")


@pytest.fixture(scope="module")
def echo_client(tmp_path_factory):
    corpus = tmp_path_factory.mktemp("echo-corpus")
    write_echo_corpus(corpus)
    folder = tmp_path_factory.mktemp("echo-index")
    index.build(corpus, folder, show_progress=False)
    return create_app({"CESOU_INDEX": folder}).test_client()


def test_echoes_export_and_clause_page(echo_client):
    rows = csv_rows(echo_client.get("/api/echoes.csv"))
    assert len(rows) == 2, rows
    row = dict(zip(rows[0], rows[1]))
    assert row["日期甲"] == "2018-01-19" and row["日期乙"] == "2019-05-01"
    assert row["发文机关甲"] == "国务院" and row["发文机关乙"] == "某省人民政府"
    assert float(row["相似度"]) >= 0.7
    html = echo_client.get(f"/d/{row['文件ID甲']}/{row['条款ID甲']}").get_data(as_text=True)
    assert "其他文件中的相似条款" in html and "<ins>省内</ins>" in html
    assert f"/d/{row['文件ID乙']}/{row['条款ID乙']}" in links(html)


def test_a_version_published_before_the_echo_index_shows_the_same_echoes(tmp_path):
    """An older version (echoes.json, no echo state or index) answers the clause page and the
    export from its echoes.json, as a current one does from its files."""
    corpus, folder = tmp_path / "corpus", tmp_path / "index"
    corpus.mkdir()
    write_echo_corpus(corpus)
    index.build(corpus, folder, show_progress=False)
    version = store.published_version(folder)
    searcher = Engine(folder).snapshot()
    pairs = list(searcher.echo_pairs())
    shown = {(d, c): searcher.echoes_of(d, c) for p in pairs
             for d, c in ((p.doc_a, p.clause_a), (p.doc_b, p.clause_b))}
    assert len(pairs) == 1 and all(len(e) == 1 for e in shown.values())
    store.write_json(version / store.ECHOES, echoes.echoes_to_json(pairs))
    state = analytics_files.read_echo_state(version)
    docnums = [searcher.version.docnum(d, c) for d, c in zip(state.doc_ids, state.clause_ids)]
    clauses = searcher.version.clause_count
    (version / store.ECHO_INDEX).unlink()
    (version / store.ECHO_STATE).unlink()
    older = Engine(folder).snapshot()
    assert list(older.echo_pairs()) == pairs
    assert {key: older.echoes_of(*key) for key in shown} == shown
    # An index of another version's clauses (a well-formed file) is not read: no 500, the
    # echoes come from what the version has.
    (version / store.ECHO_INDEX).write_bytes(b"".join(echoes.index_parts(state, docnums, clauses + 1)))
    assert Engine(folder).snapshot().version.echo_index is None
    assert {key: Engine(folder).snapshot().echoes_of(*key) for key in shown} == shown


def test_a_wording_too_common_to_pair_is_said_so_on_the_clause_page(tmp_path, monkeypatch):
    """A paragraph in more clauses than echoes.MAX_BUCKET (3 here, 256 in use) is listed as
    pairs nowhere; its clause page says how many clauses share it and links a search that
    finds them, and a paragraph in fewer keeps its listed echoes."""
    monkeypatch.setattr(echoes, "MAX_BUCKET", 3)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    own = ["推进重大科技基础设施开放共享，健全运行保障和评价机制，提高使用效率和服务水平。",
           "深化科技成果转化改革，赋予科研人员职务科技成果所有权或长期使用权，完善收益分配。",
           "加快建设高水平人才高地，引进海外高层次人才，优化外籍人才来华工作许可办理流程。",
           "实施乡村振兴科技支撑行动，组建农业科技创新联盟，推广绿色高效种养技术和装备。",
           "加强科普基础设施建设，推动科普场馆免费开放，提升全民科学素质和公众参与程度。"]
    for k in range(5):                  # five different documents sharing one paragraph
        body = "\n\n".join(f"{n}、{own[(k + j) % 5]}" for n, j in (("二", 0), ("三", 1), ("四", 2), ("五", 3)))
        write_doc(corpus, f"p{k}.md", f"第{k}省关于加强基础研究的实施意见", f"201{k}-03-01", f"第{k}省人民政府",
                  f"一、{SHARED}\n\n{body}")
    write_doc(corpus, "q.md", "某市关于基础研究的通知", "2020-01-01", "某市人民政府",
              "一、统筹推进各类创新基地建设，优化布局，提升综合实力，服务国家重大战略需求和区域发展。")
    write_doc(corpus, "r.md", "某县关于基础研究的通知", "2021-01-01", "某县人民政府",
              "一、统筹推进各类创新基地建设，优化布局，提升综合实力，服务国家重大战略需求和县域发展。")
    folder = tmp_path / "index"
    index.build(corpus, folder, show_progress=False)
    client = create_app({"CESOU_INDEX": folder}).test_client()
    pairs = csv_rows(client.get("/api/echoes.csv"))[1:]
    assert len(pairs) == 1                                  # only q/r: the five are not paired
    shared = search_clauses(client, q=SHARED[:16])
    assert len(shared) == 5
    html = client.get(f"/d/{shared[0][0]}/{shared[0][1]}").get_data(as_text=True)
    assert "常见表述" in html and "约 5 个条款有相同的措辞特征" in html and "其他文件中的相似条款" not in html
    found = [href for href in links(html) if "q=" in href and "检索这段开头文字" in html]
    assert any(search_total(client, q=parse_qs(urlsplit(h).query)["q"][0]) == 5 for h in found)
    other = client.get(f"/d/{pairs[0][1]}/{pairs[0][2]}").get_data(as_text=True)
    assert "其他文件中的相似条款" in other and "常见表述" not in other
