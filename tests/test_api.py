"""The JSON and CSV API (Flask test client) against the real built index and a hostile corpus."""
from __future__ import annotations

import csv
import io
import re
from datetime import date
from urllib.parse import quote, unquote, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app import create_app
from indexer.links import export
from web.responses import SECURITY_HEADERS
from site_server import build_hostile_index

# The exact JSON shapes (README "JSON and CSV API"): a key added or lost fails here.
SEARCH_KEYS = {"query", "total", "document_total", "page", "per_page", "pages", "next", "prev",
               "documents", "hits", "groups", "facets", "notice", "partial", "expansions"}
CARD_KEYS = {"id", "title", "doc_number", "issuers", "date", "url"}
HIT_KEYS = {"doc_id", "doc_title", "clause_id", "label", "heading", "breadcrumb", "text",
            "snippet", "url", "date", "issuers", "themes", "doc_type", "score", "doc_number",
            "press_summary", "validity"}
FACET_VALUE_KEYS = {"value", "count", "selected", "toggle_url"}
DOCUMENT_KEYS = {"id", "title", "doc_number", "issuers", "date", "doc_type", "source",
                 "source_url", "attachments", "themes", "theme_terms", "aliases", "press_summary",
                 "validity", "clause_count", "url"}
# issue 14: /api/documents/<id> adds these; `validity` is this object in the list too.
LINK_KEYS = {"references", "cited_by"}
REFERENCE_KEYS = {"clause", "text", "title", "doc_number", "relation", "target_doc", "target_clause"}
CITED_BY_KEYS = {"doc", "clause", "relation", "target_clause"}
VALIDITY_KEYS = {"status", "basis_doc", "basis_clause", "basis_text"}
RELATIONS = {"依据", "废止", "修订", "配套", "提及"}
STATUSES = {"现行有效", "已废止", "已失效", "尚未施行", "未知"}
CLAUSE_KEYS = {"id", "label", "heading", "text", "parent", "kind", "fields", "themes",
               "theme_terms", "url"}
FACETS = ("issuer", "year", "theme", "type", "validity")
QUERY = "基础研究"


@pytest.fixture(scope="module", params=["whoosh", "sphinxql"])
def client(request, built_index):
    """The same HTTP contract on both backends: the embedded Whoosh index, and the seed corpus
    published into a real 2-shard Sphinx cluster with CESOU_BACKEND set."""
    if request.param == "whoosh":
        return create_app({"CESOU_INDEX": built_index}).test_client()
    folder, _ = request.getfixturevalue("sphinx_store")
    url = str(request.getfixturevalue("sphinx_cluster").url())
    return create_app({"CESOU_INDEX": folder, "CESOU_BACKEND": url}).test_client()


def get_json(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, (url, response.get_data(as_text=True)[:300])
    assert response.mimetype == "application/json"
    return response.get_json()


def search(client, **params):
    query = "&".join(f"{k}={quote(str(v))}" for k, vs in params.items()
                     for v in (vs if isinstance(vs, list) else [vs]))
    return get_json(client, f"/api/search?{query}")


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


# --- /api/search ---------------------------------------------------------------------------

def test_search_answers_in_the_documented_shape(client):
    data = search(client, q=QUERY)
    assert set(data) == SEARCH_KEYS
    assert data["query"] == QUERY and data["page"] == 1 and data["per_page"] == 20
    assert data["total"] > 20 and len(data["hits"]) == 20
    for hit in data["hits"]:
        assert set(hit) == HIT_KEYS
        assert "<mark>" in hit["snippet"] or QUERY in hit["text"] + "".join(hit["breadcrumb"])
        assert isinstance(hit["breadcrumb"], list) and isinstance(hit["issuers"], list)
    assert set(data["facets"]) == set(FACETS)
    for values in data["facets"].values():
        assert values and all(set(v) == FACET_VALUE_KEYS and v["count"] > 0 for v in values)
        assert not any(v["selected"] for v in values)


def test_hit_urls_are_clause_permalinks_that_resolve(client):
    for hit in search(client, q=QUERY, per_page=5)["hits"]:
        assert urlsplit(hit["url"]).path == f"/d/{hit['doc_id']}/{hit['clause_id']}"
        assert client.get(path_of(hit["url"])).status_code == 200


@pytest.mark.parametrize("facet", FACETS)
def test_each_facet_filters_to_its_count(client, facet):
    """Selecting a facet value gives exactly the number of clauses its count promised."""
    value = search(client, q=QUERY)["facets"][facet][0]
    data = search(client, q=QUERY, per_page=100, **{facet: value["value"]})
    assert data["total"] == value["count"]
    # The value's toggle URL is that same search; there the value is selected, and its toggle
    # URL removes it again.
    toggled = get_json(client, path_of(value["toggle_url"]))
    assert toggled["total"] == value["count"]
    chosen = next(v for v in toggled["facets"][facet] if v["value"] == value["value"])
    assert chosen["selected"] and get_json(client, path_of(chosen["toggle_url"]))["total"] == \
        search(client, q=QUERY)["total"]
    for hit in data["hits"]:
        if facet == "issuer":
            assert value["value"] in hit["issuers"]
        elif facet == "year":
            assert hit["date"].startswith(value["value"])
        elif facet == "theme":
            assert value["value"] in hit["themes"]
        elif facet == "validity":
            assert hit["validity"] == value["value"]


def test_repeated_issuers_widen_the_search(client):
    issuers = [v["value"] for v in search(client, q=QUERY)["facets"]["issuer"][:2]]
    one = search(client, q=QUERY, issuer=issuers[0])["total"]
    both = search(client, q=QUERY, issuer=issuers)["total"]
    assert both >= one and all(set(h["issuers"]) & set(issuers)
                               for h in search(client, q=QUERY, issuer=issuers)["hits"])


def test_pages_do_not_overlap_and_cover_the_total(client):
    total = search(client, q=QUERY)["total"]
    seen = []
    for page in range(1, total // 10 + 2):
        seen += [(h["doc_id"], h["clause_id"]) for h in search(client, q=QUERY, page=page, per_page=10)["hits"]]
    assert len(seen) == len(set(seen)) == total


def test_sort_by_date_puts_newest_first(client):
    dates = [h["date"] for h in search(client, q=QUERY, sort="date", per_page=100)["hits"]]
    assert dates == sorted(dates, reverse=True) and len(set(dates)) > 1


def test_date_range_keeps_only_documents_inside_it(client):
    data = search(client, q=QUERY, per_page=100, **{"from": "2017-06", "to": "2018-01-31"})
    assert data["total"] > 0
    assert all("2017-06" <= h["date"][:7] <= "2018-01" for h in data["hits"])


@pytest.mark.parametrize("query", [
    "page=0", "page=-1", "page=abc", "page=99999999999999999999", "page=1001", "page=1&page=2",
    "per_page=0", "per_page=10000", "per_page=-5", "year=abc", "year=20170",
    "from=2020&to=2019", "from=2017-13", "to=2017-02-30", "from=abc", "sort=random",
    "q=" + "字" * 201,
])
@pytest.mark.parametrize("endpoint", ["/api/search", "/api/search.csv"])
def test_invalid_parameters_are_400_json(client, endpoint, query):
    response = client.get(f"{endpoint}?q={quote(QUERY)}&{query}" if not query.startswith("q=")
                          else f"{endpoint}?{query}")
    assert response.status_code == 400
    assert response.mimetype == "application/json"
    assert response.get_json()["error"].strip()


def test_unparseable_query_syntax_is_never_a_500(client):
    for q in ['"', '"基础', "(", "AND", "-", "*", "基础 OR", "NOT 人才", "\\", "%", "?"]:
        response = client.get(f"/api/search?q={quote(q)}")
        assert response.status_code in (200, 400), q
        if response.status_code == 400:
            assert response.get_json()["error"]


def test_no_match_is_an_empty_result_not_an_error(client):
    data = search(client, q="xyzzyplugh")
    assert data["total"] == 0 and data["hits"] == [] and set(data["facets"]) == set(FACETS)


# --- /api/search.csv --------------------------------------------------------------------------

def test_csv_export_has_bom_header_and_every_result(client):
    total = search(client, q=QUERY)["total"]
    assert total > 100 / 5     # more than one page, so "all" is really tested
    response = client.get(f"/api/search.csv?q={quote(QUERY)}&per_page=5&page=2")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.data.startswith(b"\xef\xbb\xbf")
    rows = csv_rows(response)
    assert len(rows) == total
    assert {"doc_id", "doc_title", "clause_id", "label", "breadcrumb", "text", "url", "date",
            "issuers"} <= rows[0].keys()
    assert [r["rank"] for r in rows[:3]] == ["1", "2", "3"]
    assert all(QUERY in r["text"] + r["heading"] + r["label"] for r in rows)
    # 文号 everywhere results appear: each row carries its document's.
    numbers = {d["id"]: d["doc_number"] for d in get_json(client, "/api/documents")["documents"]}
    assert all(r["doc_number"] == numbers[r["doc_id"]] for r in rows)
    assert any(r["doc_number"] for r in rows)


def test_csv_of_a_filtered_search_matches_the_json_total(client):
    data = search(client, q=QUERY, year="2017")
    response = client.get(f"/api/search.csv?q={quote(QUERY)}&year=2017")
    rows = csv_rows(response)
    assert len(rows) == data["total"] and all(r["date"].startswith("2017") for r in rows)


def csv_rows(response) -> list[dict[str, str]]:
    """The export's rows keyed by the English key row (the second row; the first is Chinese)."""
    lines = io.StringIO(response.data.decode("utf-8-sig"))
    next(lines)
    return list(csv.DictReader(lines))


def test_csv_headers_are_chinese_then_english_keys(client):
    from web.api import CSV_COLUMNS
    response = client.get(f"/api/search.csv?q={quote(QUERY)}&year=2017")
    chinese, keys, first = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))[:3]
    assert keys == CSV_COLUMNS and first[0] == "1"
    assert chinese[:5] == ["序号", "文件编号", "文件标题", "文号", "成文日期"]
    assert len(chinese) == len(keys) and all(re.search(r"[\u4e00-\u9fff]", c) for c in chinese)


def test_csv_file_name_carries_the_query_and_the_date(client):
    """RFC 6266/5987: a UTF-8 name for browsers, an ASCII one for everything else."""
    today = date.today().isoformat()
    disposition = client.get(f"/api/search.csv?q={quote('AI 基础研究')}").headers["Content-Disposition"]
    fallback = re.search(r'filename="([^"]+)"', disposition).group(1)
    encoded = re.search(r"filename\*=UTF-8''(\S+)", disposition).group(1)
    assert disposition.startswith("attachment;") and fallback.isascii()
    assert fallback == f"cesou-AI-{today}.csv"
    assert unquote(encoded) == f"cesou-AI_基础研究-{today}.csv"
    assert client.get("/api/search.csv?year=2017").headers["Content-Disposition"].endswith(
        f"UTF-8''cesou-{today}.csv")


# --- paging links -------------------------------------------------------------------------------

def test_search_json_links_its_pages(client):
    first = search(client, q=QUERY, per_page=10)
    assert first["pages"] == -(-first["total"] // 10) > 2 and first["prev"] is None
    second = get_json(client, path_of(first["next"]))
    assert second["page"] == 2 and path_of(second["prev"]) == path_of(
        f"/api/search?q={quote(QUERY)}&per_page=10")
    last = search(client, q=QUERY, per_page=10, page=first["pages"])
    assert last["next"] is None and len(last["hits"]) == first["total"] - 10 * (first["pages"] - 1)
    beyond = search(client, q=QUERY, per_page=10, page=first["pages"] + 5)
    assert beyond["hits"] == [] and beyond["next"] is None
    assert get_json(client, path_of(beyond["prev"]))["page"] == first["pages"]
    nothing = search(client, q="xyzzyplugh")
    assert (nothing["pages"], nothing["next"], nothing["prev"]) == (1, None, None)


def test_no_next_link_past_the_last_page_a_url_may_ask_for(client):
    from indexer.records import SearchRequest
    from web.api import page_links
    with client.application.test_request_context("/api/search"):
        links = page_links(SearchRequest(q="x", page=1000, per_page=1), pages=5000)
    assert links["next"] is None and links["prev"].endswith("page=999")


def test_sort_by_date_ascending_puts_oldest_first(client):
    dates = [h["date"] for h in search(client, q=QUERY, sort="date_asc", per_page=100)["hits"]]
    assert dates == sorted(dates) and len(set(dates)) > 1
    newest = [h["date"] for h in search(client, q=QUERY, sort="date", per_page=100)["hits"]]
    assert sorted(newest) == dates


# --- /api/ (the help page) -----------------------------------------------------------------------

def test_api_help_page_documents_every_endpoint_and_field(client):
    from bs4 import BeautifulSoup
    assert client.get("/api").status_code in (301, 308)
    response = client.get("/api/")
    assert response.status_code == 200 and response.mimetype == "text/html"
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert soup.find("html")["lang"] == "zh-CN" and "接口" in soup.h1.get_text()
    codes = {c.get_text() for c in soup.select("code")}
    documented = " ".join(codes)
    routes = {r.rule for r in client.application.url_map.iter_rules()
              if r.rule.startswith("/api/") and r.rule != "/api/"}
    for rule in routes:
        shown = re.sub(r"<any\(([^,)]+)[^>]*>", r"\1", rule.replace("<doc_id>", "<id>"))
        assert shown in documented, rule       # /api/cite/<id>/<clause_id>.ris
    for key in (SEARCH_KEYS | HIT_KEYS | DOCUMENT_KEYS | CLAUSE_KEYS | FACET_VALUE_KEYS | set(FACETS)
                | {"q", "issuer", "year", "theme", "type", "from", "to", "sort", "page", "per_page",
                   "doc", "within", "group", "date_asc", "relevance", "date"} | CARD_KEYS):
        assert key in codes or f'"{key}"' in documented, key
    examples = soup.select("a.example-link")
    assert len(examples) >= 4
    for link in examples:
        assert client.get(link["href"]).status_code == 200, link["href"]
    assert "--data-urlencode" in soup.select_one("pre.example").get_text()


def test_header_api_link_opens_the_help_page(client):
    html = client.get("/").get_data(as_text=True)
    assert 'href="/api/">API</a>' in html


# --- /api/documents -----------------------------------------------------------------------------

def test_documents_list_every_document_with_its_url(client):
    documents = get_json(client, "/api/documents")["documents"]
    assert len(documents) >= 20
    for doc in documents:
        assert set(doc) == DOCUMENT_KEYS
        assert urlsplit(doc["url"]).path == f"/d/{doc['id']}"


def test_document_detail_has_metadata_and_clause_urls(client):
    for doc in get_json(client, "/api/documents")["documents"]:
        detail = get_json(client, f"/api/documents/{quote(doc['id'])}")
        assert detail["title"] == doc["title"] and len(detail["clauses"]) == doc["clause_count"] > 0
        assert set(detail) == DOCUMENT_KEYS | {"clauses"} | LINK_KEYS
        for clause in detail["clauses"]:
            assert urlsplit(clause["url"]).path == f"/d/{doc['id']}/{clause['id']}"
            assert set(clause) == CLAUSE_KEYS
    first = get_json(client, "/api/documents")["documents"][0]
    some_clause = get_json(client, f"/api/documents/{first['id']}")["clauses"][-1]
    assert client.get(path_of(some_clause["url"])).status_code == 200


def test_alias_document_id_redirects_to_the_canonical_one(client):
    documents = get_json(client, "/api/documents")["documents"]
    with_alias = [d for d in documents if d["aliases"]]
    assert with_alias, "the seed corpus holds a duplicate copy (the 2017 基地 plan)"
    doc = with_alias[0]
    response = client.get(f"/api/documents/{doc['aliases'][0]}")
    assert response.status_code == 301
    assert urlsplit(response.headers["Location"]).path == f"/api/documents/{doc['id']}"


@pytest.mark.parametrize("url", ["/api/documents/no-such-document", "/api/no-such-endpoint",
                                 "/api/documents/%3Cscript%3E"])
def test_unknown_api_urls_are_404_json(client, url):
    assert get_json(client, url, status=404)["error"]
    assert "<script" not in client.get(url).get_data(as_text=True)


def test_wrong_method_is_405_json(client):
    response = client.post("/api/search?q=x")
    assert response.status_code == 405 and response.get_json()["error"]


# --- links between documents (issue 14) ----------------------------------------------------

CITING, CITED = "hzf-2017-13", "2017-01-24-tctjsjyl-bf"   # the seed corpus' one cross-document edge


def test_document_detail_gains_references_cited_by_and_validity_in_the_issue_shapes(client):
    seen_references = 0
    for doc in get_json(client, "/api/documents")["documents"]:
        assert set(doc["validity"]) == VALIDITY_KEYS and doc["validity"]["status"] in STATUSES
        detail = get_json(client, f"/api/documents/{quote(doc['id'])}")
        assert detail["validity"] == doc["validity"]
        for ref in detail["references"]:
            assert set(ref) == REFERENCE_KEYS and ref["relation"] in RELATIONS
            assert ref["target_doc"] is None or isinstance(ref["target_doc"], str)
            assert ref["clause"] in {c["id"] for c in detail["clauses"]}
        for entry in detail["cited_by"]:
            assert set(entry) == CITED_BY_KEYS and entry["relation"] in RELATIONS
        if detail["validity"]["status"] == "未知":
            assert detail["validity"] == dict.fromkeys(VALIDITY_KEYS - {"status"}, None) | {"status": "未知"}
        else:       # never a status without the sentence behind it
            assert detail["validity"]["basis_text"] and detail["validity"]["basis_doc"]
        seen_references += len(detail["references"])
    assert seen_references == 64        # what `python -m indexer citations` reports for the seed


def test_a_resolved_reference_appears_on_both_sides(client):
    citing = get_json(client, f"/api/documents/{CITING}")
    edge = next(r for r in citing["references"] if r["target_doc"] == CITED)
    assert edge == {"clause": "p2", "text": "《统筹推进世界一流大学和一流学科建设实施办法（暂行）》（教研〔2017〕2号）",
                    "title": "统筹推进世界一流大学和一流学科建设实施办法（暂行）", "doc_number": "教研〔2017〕2号",
                    "relation": "依据", "target_doc": CITED, "target_clause": None}
    cited = get_json(client, f"/api/documents/{CITED}")
    assert cited["cited_by"] == [{"doc": CITING, "clause": "p2", "relation": "依据", "target_clause": None}]
    assert cited["validity"] == {"status": "现行有效", "basis_doc": CITED, "basis_clause": "art-29",
                                 "basis_text": "本办法自发布之日起实施。"}


def test_hits_carry_their_documents_validity_and_the_facet_filters_by_it(client):
    data = search(client, q=QUERY, per_page=100)
    statuses = {v["value"]: v["count"] for v in data["facets"]["validity"]}
    assert set(statuses) <= STATUSES and sum(statuses.values()) == data["total"]
    in_force = search(client, q=QUERY, validity="现行有效", per_page=100)
    assert in_force["total"] == statuses["现行有效"] > 0
    assert {h["doc_id"] for h in in_force["hits"]} == {CITED}
    assert all(h["validity"] == "现行有效" for h in in_force["hits"])
    both = search(client, q=QUERY, validity=["现行有效", "未知"])["total"]
    assert both == statuses["现行有效"] + statuses["未知"]


def test_citations_csv_has_a_bom_the_export_columns_and_one_row_per_reference(client):
    response = client.get("/api/citations.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert 'filename="cesou-citations.csv"' in response.headers["Content-Disposition"]
    assert response.data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert tuple(rows[0]) == export.CSV_COLUMNS and len(rows) == 1 + 64
    edge = next(r for r in rows[1:] if r[8] == CITED)
    assert (edge[0], edge[2], edge[7]) == (CITING, "p2", "依据")


def test_citations_graphml_opens_in_networkx_with_the_summarys_counts(client):
    networkx = pytest.importorskip("networkx")
    response = client.get("/api/citations.graphml")
    assert response.status_code == 200 and response.mimetype == "application/graphml+xml"
    assert response.headers["Content-Disposition"] == 'attachment; filename="cesou-citations.graphml"'
    graph = networkx.read_graphml(io.BytesIO(response.data))
    assert graph.number_of_nodes() == 20 and graph.number_of_edges() == 1
    assert graph.has_edge(CITING, CITED) and graph.nodes[CITED]["validity"] == "现行有效"
    assert graph.edges[CITING, CITED]["relation"] == "依据"


def test_missing_documents_are_listed_most_cited_first_with_their_citing_clauses(client):
    missing = get_json(client, "/api/citations/missing")["missing"]
    assert missing and all(set(m) == {"title", "doc_number", "count", "citing"} for m in missing)
    assert [m["count"] for m in missing] == sorted((m["count"] for m in missing), reverse=True)
    assert not any(m["doc_number"] == "教研〔2017〕2号" for m in missing)    # held: not missing
    for item in missing[:5]:
        for citing in item["citing"]:
            assert set(citing) == {"doc", "clause", "doc_title", "clause_title", "url"}
            assert urlsplit(citing["url"]).path == f"/d/{citing['doc']}/{citing['clause']}"
            assert client.get(path_of(citing["url"])).status_code == 200
    总体方案 = next(m for m in missing if m["title"] == "统筹推进世界一流大学和一流学科建设总体方案")
    assert 总体方案["doc_number"] == "国发〔2015〕64号" and 总体方案["count"] == 3


# --- headers and escaping -----------------------------------------------------------------------

@pytest.mark.parametrize("url", ["/api/search?q=x", "/api/search?page=0", "/api/search.csv?q=x",
                                 "/api/documents", "/api/nothing", "/", "/static/site.css"])
def test_security_headers_on_every_response(client, url):
    response = client.get(url)
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, (url, name)
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]


@pytest.fixture(scope="module")
def hostile_client(tmp_path_factory):
    return create_app({"CESOU_INDEX": build_hostile_index(tmp_path_factory.mktemp("hostile"))}).test_client()


def test_markup_in_the_corpus_never_reaches_json_as_markup(hostile_client):
    for url in ("/api/documents", "/api/search?q=" + quote("测试"), "/api/search?q=alert"):
        response = hostile_client.get(url)
        assert response.status_code == 200
        raw = response.get_data(as_text=True)
        assert "<script" not in raw and "<img" not in raw, url
    hits = hostile_client.get("/api/search?q=alert").get_json()["hits"]
    assert hits and any("<script>alert(1)</script>" in h["heading"] + h["text"] for h in hits), \
        "the data itself is kept: only its encoding on the wire is escaped"
    assert all("<script" not in h["snippet"] for h in hits)
    doc_id = hostile_client.get("/api/documents").get_json()["documents"][0]["id"]
    detail = hostile_client.get(f"/api/documents/{doc_id}")
    assert "<script" not in detail.get_data(as_text=True)
    assert "<script>" in detail.get_json()["title"]


NAMES = ["q", "issuer", "year", "theme", "type", "from", "to", "sort", "page", "per_page", "doc", "x"]


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(NAMES), st.text(max_size=12)), max_size=5))
def test_any_query_string_is_answered_never_crashed(client, pairs):
    response = client.get("/api/search", query_string=pairs)
    assert response.status_code in (200, 400), (pairs, response.get_data(as_text=True)[:200])
    assert response.is_json
    page = client.get("/", query_string=pairs)
    assert page.status_code in (200, 302, 400), pairs
    if page.status_code == 302:      # empty parameters, or a page past the last: a clean URL
        assert client.get(path_of(page.headers["Location"])).status_code in (200, 302, 400), pairs


@pytest.mark.parametrize("url", ["/d/%00", "/d/..", "/d/x/%00", "/api/documents/%00",
                                 "/d/%E2%80%AE", "/?q=%00", "/?q=%ff%fe", "/d/%20"])
def test_odd_urls_are_never_a_500(client, url):
    assert client.get(url).status_code in (200, 301, 400, 404)


# --- finding a known document, fields, within, grouping (issue 11) ----------------------------

def test_document_total_counts_distinct_documents(client):
    data = search(client, q=QUERY, per_page=100)
    assert data["total"] <= 100
    assert data["document_total"] == len({h["doc_id"] for h in data["hits"]}) > 1


@pytest.mark.parametrize("typed", ["国发〔2018〕4号", "国发[2018]4号", "国发（2018）4号", "国发【2018】4号",
                                   "国发［２０１８］４号", "国发 [ 2018 ] 4 号", "国发〔2018〕4"])
def test_a_doc_number_in_any_form_puts_its_document_first(client, typed):
    cards = search(client, q=typed)["documents"]
    assert cards and cards[0]["id"] == "gf-2018-4" and set(cards[0]) == CARD_KEYS
    assert cards[0]["doc_number"] == "国发〔2018〕4号"


@pytest.mark.parametrize("typed, doc_id", [
    ("国务院关于全面加强基础科学研究的若干意见", "gf-2018-4"),
    ("《国务院关于全面加强基础科学研究的若干意见》", "gf-2018-4"),
    ("全面加强基础科学研究的若干意见", "gf-2018-4"),
    ("统筹推进世界一流大学和一流学科建设实施办法（暂行）", "2017-01-24-tctjsjyl-bf"),
    ("统筹推进世界一流大学和一流学科建设实施办法", "2017-01-24-tctjsjyl-bf"),
    ("双一流实施办法", "2017-01-24-tctjsjyl-bf"),
])
def test_a_title_or_short_title_puts_its_document_first(client, typed, doc_id):
    assert search(client, q=typed)["documents"][0]["id"] == doc_id


@pytest.mark.parametrize("topic", ["人才", "基础研究", "科技成果转化", "人工智能 人才"])
def test_a_topic_names_no_document(client, topic):
    assert search(client, q=topic)["documents"] == []


def test_field_prefixes_restrict_to_their_field(client):
    documents = get_json(client, "/api/documents")["documents"]
    titled = {d["id"] for d in documents if "人工智能" in d["title"]}
    hits = search(client, q="标题:人工智能", per_page=100)["hits"]
    assert hits and {h["doc_id"] for h in hits} == titled
    by_education = search(client, q="机关:教育部 基础研究", per_page=100)["hits"]
    assert by_education and all("教育部" in h["issuers"] for h in by_education)
    numbered = search(client, q="文号:国发〔2018〕4号 人才", per_page=100)["hits"]
    assert numbered and {h["doc_id"] for h in numbered} == {"gf-2018-4"}
    led = search(client, q="牵头部门:科技促进发展局", per_page=100)
    assert led["total"] > 0
    for hit in led["hits"]:
        detail = get_json(client, f"/api/documents/{hit['doc_id']}")
        fields = next(c["fields"] for c in detail["clauses"] if c["id"] == hit["clause_id"])
        assert "科技促进发展局" in fields["牵头部门"]


def test_search_within_results_narrows_them(client):
    wide = search(client, q=QUERY, per_page=100)
    narrow = search(client, q=QUERY, within="人才", per_page=100)
    assert 0 < narrow["total"] < wide["total"]
    assert narrow["total"] == search(client, q=f"{QUERY} 人才")["total"]
    assert {(h["doc_id"], h["clause_id"]) for h in narrow["hits"]} <= \
        {(h["doc_id"], h["clause_id"]) for h in wide["hits"]}


def test_grouping_by_document_counts_each_documents_clauses(client):
    clauses = search(client, q=QUERY, per_page=100)
    grouped = search(client, q=QUERY, group="document", per_page=100)
    assert grouped["hits"] == [] and len(grouped["groups"]) == clauses["document_total"]
    per_document = {}
    for hit in clauses["hits"]:
        per_document[hit["doc_id"]] = per_document.get(hit["doc_id"], 0) + 1
    assert {g["id"]: g["clauses"] for g in grouped["groups"]} == per_document
    assert all(set(g) == CARD_KEYS | {"clauses", "hits"} and 0 < len(g["hits"]) <= 3
               for g in grouped["groups"])


def test_an_article_number_in_arabic_digits_finds_the_article(client):
    hits = search(client, q="第16条")["hits"]
    assert hits and all("第十六条" in h["label"] + h["text"] for h in hits)
    assert not any("2016" in h["text"] and "第十六条" not in h["label"] + h["text"] for h in hits)


@pytest.mark.parametrize("q", ['"', "*", "-", "OR", "🙂", "AND NOT"])
def test_a_query_with_nothing_to_search_is_a_400(client, q):
    response = client.get(f"/api/search?q={quote(q)}")
    assert response.status_code == 400 and "没有可检索的词语" in response.get_json()["error"]


def test_a_word_found_nowhere_does_not_fall_back_to_its_characters(client):
    data = search(client, q="元宇宙")
    assert data["total"] == 0


@pytest.mark.parametrize("typed, also", [("高校", "高等学校"), ("高等学校", "高校"),
                                         ("杰青", "国家杰出青年科学基金"), ("基金委", "国家自然科学基金委员会")])
def test_true_synonyms_widen_both_ways_and_say_so(client, typed, also):
    data = search(client, q=typed, per_page=100)
    assert also in data["expansions"]
    exact = search(client, q=f'"{typed}"')["total"] + search(client, q=f'"{also}"')["total"]
    assert exact >= data["total"] >= max(search(client, q=f'"{typed}"')["total"], 1)


def test_narrower_terms_widen_one_way_only(client):
    assert "科研院所" in search(client, q="科研机构")["expansions"]
    assert "科研机构" not in search(client, q="科研院所")["expansions"]
