"""The HTML pages (Flask test client): search, facets, permalinks, reader, documents, errors,
escaping of corpus text, citations; against the real built index and small fixtures."""
from __future__ import annotations

from urllib.parse import parse_qs, quote, urlsplit

import pytest
from bs4 import BeautifulSoup

from app import create_app
from indexer import present
from indexer.records import Clause, Document
from site_server import build_hostile_index

QUERY = "基础研究"


@pytest.fixture(scope="module")
def client(built_index):
    return create_app({"CESOU_INDEX": built_index}).test_client()


@pytest.fixture(scope="module")
def api(client):
    return lambda url: client.get(url).get_json()


def page(client, url, status=200) -> BeautifulSoup:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    assert response.mimetype == "text/html"
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def query_of(href: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(href).query)


# --- search page ---------------------------------------------------------------------------

def test_home_page_invites_a_search(client):
    soup = page(client, "/")
    assert soup.select_one("input[type=search][name=q]")
    assert soup.select_one("label[for=q]")
    assert soup.select(".welcome a.tag")


def test_search_shows_clause_cards_with_breadcrumb_snippet_and_permalink(client, api):
    soup = page(client, f"/?q={quote(QUERY)}")
    assert soup.select_one("input[name=q]")["value"] == QUERY
    cards = soup.select("article.hit")
    assert len(cards) == 20
    expected = api(f"/api/search?q={quote(QUERY)}")["hits"]
    for card, hit in zip(cards, expected):
        assert hit["doc_title"] in card.select_one(".hit-doc").get_text()
        link = card.select_one(".hit-clause a")["href"]
        assert urlsplit(link).path == f"/d/{hit['doc_id']}/{hit['clause_id']}"
        assert card.select_one(".hit-snippet mark") or not hit["snippet"].count("<mark>")
        assert [li.get_text() for li in card.select(".crumbs li")][:-1] == \
            [present_short(c) for c in hit["breadcrumb"]]
    assert any(card.select(".crumbs li") and len(card.select(".crumbs li")) >= 3 for card in cards)


def present_short(text: str) -> str:
    from web.urls import short
    return short(text)


def test_facets_link_to_the_filtered_search_and_back(client):
    soup = page(client, f"/?q={quote(QUERY)}")
    groups = {s.h2.get_text(): s for s in soup.select(".facets .facet") if s.h2}
    assert {"发文机关", "年份", "主题", "文种"} <= set(groups)
    first = groups["发文机关"].select_one("li a")
    issuer = first.select_one(".facet-value").get_text().strip()
    count = int(first.select_one(".facet-count").get_text())
    assert query_of(first["href"])["issuer"] == [issuer]

    filtered = page(client, first["href"])
    assert f"共 {count} 个条款" in " ".join(filtered.select_one(".count").get_text().split())
    chip = filtered.select_one(".chips a.chip")
    assert issuer in chip.get_text()
    selected = filtered.select_one(".facets a.on")
    assert issuer in selected.get_text()
    assert "issuer" not in query_of(selected["href"])      # clicking again removes it
    assert "issuer" not in query_of(chip["href"])          # and so does the chip
    assert all(f.get("value") != issuer or f.get("name") != "issuer"
               for f in page(client, chip["href"]).select("input[type=hidden]"))


def test_the_search_form_keeps_active_filters(client):
    soup = page(client, f"/?q={quote(QUERY)}&year=2017&sort=date&from=2015")
    hidden = {(i["name"], i["value"]) for i in soup.select("form.search-form input[type=hidden]")}
    assert ("year", "2017") in hidden
    assert soup.select_one("#from")["value"] == "2015"
    assert soup.select_one("#sort option[selected]")["value"] == "date"


def test_pagination_links_keep_the_query_and_move_pages(client):
    soup = page(client, f"/?q={quote(QUERY)}&issuer={quote('国务院')}")
    nav = soup.select_one("nav.pagination")
    next_link = nav.select_one("a[rel=next]")
    assert query_of(next_link["href"]) == {"q": [QUERY], "issuer": ["国务院"], "page": ["2"]}
    second = page(client, next_link["href"])
    assert second.select_one(".pagination .current").get_text() == "2"
    assert second.select_one(".pagination a[rel=prev]")
    first_ids = {a["href"] for a in soup.select(".hit-clause a")}
    assert not first_ids & {a["href"] for a in second.select(".hit-clause a")}


def test_year_histogram_bars_filter_by_year(client, api):
    soup = page(client, f"/?q={quote(QUERY)}")
    bars = soup.select(".histogram svg a")
    years = sorted(v["value"] for v in api(f"/api/search?q={quote(QUERY)}")["facets"]["year"])
    # every year in the span is drawn, gaps included; only years with matches are links
    assert len(soup.select(".histogram .bar")) == int(years[-1]) - int(years[0]) + 1
    assert len(bars) == len(years)
    assert query_of(bars[0]["href"])["year"] == [years[0]]


def test_csv_export_link_carries_the_search(client):
    link = page(client, f"/?q={quote(QUERY)}&year=2018&page=2").select_one("a.export")["href"]
    assert urlsplit(link).path == "/api/search.csv"
    assert query_of(link) == {"q": [QUERY], "year": ["2018"]}
    assert client.get(link).status_code == 200


def test_zero_results_say_what_was_searched_and_suggest_ways_out(client):
    soup = page(client, f"/?q=xyzzyplugh&issuer={quote('科技部')}")
    empty = soup.select_one(".empty")
    assert "没有找到" in empty.get_text() and "xyzzyplugh" in empty.get_text()
    suggestions = {a.get_text(): a["href"] for a in empty.select(".suggestions a")}
    assert "去掉筛选 发文机关：科技部" in suggestions
    assert "issuer" not in query_of(suggestions["去掉筛选 发文机关：科技部"])


def test_zero_results_offer_a_synonym(client):
    soup = page(client, f"/?q={quote('中科院')}&year=1999")
    assert any("中国科学院" in a.get_text() for a in soup.select(".suggestions a"))


def test_partial_matches_are_shown_with_the_engines_notice(client, api):
    """Each word is in some clause but none holds all: the page shows the best partial
    matches and says so."""
    q = quote("量子 经费 校园")
    data = api(f"/api/search?q={q}")
    soup = page(client, f"/?q={q}")
    assert data["partial"] and data["notice"] and data["notice"] in soup.get_text()
    assert soup.select("article.hit") and "部分匹配" in soup.select_one(".count").get_text()


def test_a_word_found_nowhere_is_left_out_and_named(client, api):
    """基础研究 xyzzyplugh: the unknown word is dropped, named in the notice, and the page
    shows the clauses with 基础研究 (not a partial match)."""
    data = api(f"/api/search?q={quote('基础研究 xyzzyplugh')}")
    assert not data["partial"] and "xyzzyplugh" in data["notice"] and "略去" in data["notice"]
    assert data["total"] == api(f"/api/search?q={quote('基础研究')}")["total"]


def test_search_alias_url_redirects_to_the_canonical_page(client):
    response = client.get(f"/search?q={quote(QUERY)}&year=2017")
    assert response.status_code == 301
    assert urlsplit(response.headers["Location"]).path == "/"
    assert query_of(response.headers["Location"]) == {"q": [QUERY], "year": ["2017"]}


@pytest.mark.parametrize("query", ["page=0", "page=abc", "per_page=10000", "year=abc",
                                   "from=2020&to=2019", "sort=random"])
def test_bad_parameters_on_the_page_are_a_400_with_the_reason(client, query):
    soup = page(client, f"/?q={quote(QUERY)}&{query}", status=400)
    assert soup.select_one(".message.error").get_text().strip()
    assert soup.select_one("input[name=q]")["value"] == QUERY


# --- documents, clauses, permalinks ------------------------------------------------------------

def test_documents_page_lists_all_and_filters_and_sorts(client, api):
    documents = api("/api/documents")["documents"]
    soup = page(client, "/d")
    assert len(soup.select(".doc-item")) == len(documents)
    dates = [t["datetime"] for t in soup.select(".doc-item time")]
    assert dates == sorted(dates, reverse=True)
    oldest = [t["datetime"] for t in page(client, "/d?order=oldest").select(".doc-item time")]
    assert oldest == sorted(oldest)
    issuer = documents[0]["issuers"][0]
    shown = page(client, f"/d?issuer={quote(issuer)}").select(".doc-item")
    assert len(shown) == sum(issuer in d["issuers"] for d in documents) < len(documents)
    theme = documents[0]["themes"][0]
    assert len(page(client, f"/d?theme={quote(theme)}").select(".doc-item")) == \
        sum(theme in d["themes"] for d in documents)
    assert client.get("/documents").status_code == 301
    assert client.get("/d?order=sideways").status_code == 400


def test_document_reader_has_metadata_toc_and_an_anchor_per_clause(client, api):
    for summary in api("/api/documents")["documents"]:
        doc = api(f"/api/documents/{summary['id']}")
        soup = page(client, f"/d/{doc['id']}")
        assert soup.h1.get_text() == doc["title"]
        meta = soup.select_one("dl.doc-meta").get_text()
        assert all(label in meta for label in ("标题", "发文机关", "文号", "成文日期", "文种", "主题"))
        if doc["doc_number"]:
            assert doc["doc_number"] in meta
        for clause in doc["clauses"]:
            section = soup.find(id=clause["id"])
            assert section is not None, (doc["id"], clause["id"])
            # a sub-measure shown inside its record's 具体举措 cell links from its label
            link = section.select_one("a.anchor, a.measure-label")
            assert link["href"] == f"/d/{doc['id']}/{clause['id']}"
        titled = [c["id"] for c in doc["clauses"]
                  if c["label"] or c["heading"] or c["kind"] in ("notice", "closing")]
        toc = [a["href"] for a in soup.select("nav.toc a")]
        assert toc[:3] == [f"#{i}" for i in titled[:3]]


def test_document_reader_shows_the_terms_behind_each_theme(client, api):
    doc = next(d for d in api("/api/documents")["documents"] if d["theme_terms"])
    meta = page(client, f"/d/{doc['id']}").select_one("dl.doc-meta").get_text()
    theme, terms = next(iter(doc["theme_terms"].items()))
    assert theme in meta and terms[0] in meta


def test_reader_arriving_from_a_search_highlights_the_terms(client, api):
    hit = api(f"/api/search?q={quote(QUERY)}")["hits"][0]
    soup = page(client, f"/d/{hit['doc_id']}?q={quote(QUERY)}")
    target = soup.find(id=hit["clause_id"])
    assert "match" in target["class"] and target.select_one("mark").get_text() == QUERY
    assert not page(client, f"/d/{hit['doc_id']}").select("mark")


def find_clause(api, predicate):
    for summary in api("/api/documents")["documents"]:
        for clause in api(f"/api/documents/{summary['id']}")["clauses"]:
            if predicate(clause):
                return summary, clause
    raise AssertionError("no such clause in the corpus")


@pytest.mark.parametrize("shape", ["dotted", "hyphenated"])
def test_clause_page_shows_the_clause_in_full_with_its_context(client, api, shape):
    doc, clause = find_clause(api, lambda c: (c["id"].count(".") >= 2 if shape == "dotted"
                                             else c["id"].startswith("art-") and c["text"]))
    soup = page(client, f"/d/{doc['id']}/{clause['id']}")
    text = soup.select_one(".clause-full").get_text()
    assert all(line in text for line in clause["text"].split("\n"))
    crumbs = [li.get_text() for li in soup.select("nav .crumbs li")]
    assert crumbs[0] == "文件库" and len(crumbs) >= 3
    assert soup.select_one("dl.doc-meta")
    buttons = {b.get_text(): b["data-copy"] for b in soup.select("button[data-copy]")}
    assert urlsplit(buttons["复制链接"]).path == f"/d/{doc['id']}/{clause['id']}"
    assert "[EB/OL]" in buttons["复制引文"] and doc["title"] in buttons["复制引文"]
    assert soup.select_one(".copy-status[role=status]")
    for rel in ("prev", "next"):
        link = soup.select_one(f".prev-next a[rel={rel}]")
        if link:
            assert client.get(link["href"]).status_code == 200


def test_clause_page_lists_related_clauses_that_resolve(client, api):
    hit = api(f"/api/search?q={quote(QUERY)}")["hits"][0]
    related = page(client, f"/d/{hit['doc_id']}/{hit['clause_id']}").select(".related a")
    assert related
    assert all(client.get(a["href"]).status_code == 200 for a in related)


def test_alias_ids_redirect_permanently_to_the_canonical_urls(client, api):
    doc = next(d for d in api("/api/documents")["documents"] if d["aliases"])
    alias, clause = doc["aliases"][0], api(f"/api/documents/{doc['id']}")["clauses"][1]["id"]
    for old, new in ((f"/d/{alias}", f"/d/{doc['id']}"),
                     (f"/d/{alias}/{clause}", f"/d/{doc['id']}/{clause}")):
        response = client.get(old + "?q=x")
        assert response.status_code == 301
        assert urlsplit(response.headers["Location"]).path == new
        assert query_of(response.headers["Location"]) == {"q": ["x"]}


@pytest.mark.parametrize("url", ["/d/no-such-document", "/d/no-such-document/1.2",
                                 "/no-such-page", "/d/%3Cscript%3Ealert(1)%3C%2Fscript%3E"])
def test_unknown_urls_get_a_helpful_404_with_a_search_box(client, url):
    response = client.get(url)
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "<script>alert" not in html
    soup = BeautifulSoup(html, "html.parser")
    assert soup.select_one("form[role=search] input[name=q]")
    assert soup.find("a", href="/d")


def test_unknown_clause_of_a_known_document_is_404(client, api):
    doc = api("/api/documents")["documents"][0]
    soup = page(client, f"/d/{doc['id']}/9.9.9.9", status=404)
    assert doc["title"] in soup.get_text() and "9.9.9.9" in soup.get_text()


def test_missing_index_is_a_clear_503_not_a_crash(tmp_path):
    site = create_app({"CESOU_INDEX": tmp_path / "no-index"}).test_client()
    for url in ("/", "/?q=x", "/d"):
        response = site.get(url)
        assert response.status_code == 503 and "make build" in response.get_data(as_text=True)
    assert site.get("/api/search?q=x").get_json()["error"]


# --- corpus text is escaped everywhere ------------------------------------------------------------

@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    return create_app({"CESOU_INDEX": build_hostile_index(tmp_path_factory.mktemp("hostile"))}).test_client()


def test_markup_in_corpus_text_is_shown_as_text_on_every_page(hostile):
    doc_id = hostile.get("/api/documents").get_json()["documents"][0]["id"]
    clause_ids = [c["id"] for c in hostile.get(f"/api/documents/{doc_id}").get_json()["clauses"]]
    urls = ["/", "/d", f"/d/{doc_id}", f"/d/{doc_id}?q=alert", "/?q=alert", f"/?q={quote('测试')}",
            "/?q=%3Cscript%3E", f"/d/{doc_id}/nope"] + [f"/d/{doc_id}/{c}?q=alert" for c in clause_ids]
    for url in urls:
        html = hostile.get(url).get_data(as_text=True)
        assert "<script>alert" not in html and "<img src=x" not in html and "<b>安全" not in html, url
    reader = hostile.get(f"/d/{doc_id}").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in reader
    assert "&lt;img src=x onerror=alert(2)&gt;" in reader


def test_the_only_scripts_are_our_own_file(hostile):
    doc_id = hostile.get("/api/documents").get_json()["documents"][0]["id"]
    soup = BeautifulSoup(hostile.get(f"/d/{doc_id}").get_data(as_text=True), "html.parser")
    assert [s.get("src") for s in soup.find_all("script")] == ["/static/site.js"]
    assert not [tag for tag in soup.find_all(True) if any(a.startswith("on") for a in tag.attrs)]


# --- outline (Flask-free; citations: tests/test_cite.py) -------------------------------------------------------------

DOC = Document(
    id="gf-2017-35", title="新一代人工智能发展规划", doc_number="国发〔2017〕35号",
    issuers=["国务院"], date="2017-07-08", doc_type="规划", source="x.txt", clauses=[
        Clause(id="3", label="三、", heading="重点任务", text="", parent=None, kind="section"),
        Clause(id="3.2", label="（二）", heading="培育高端高效的智能经济", text="", parent="3",
               kind="section"),
        Clause(id="3.2.7", label="7.", heading="", text="大力发展智能制造。", parent="3.2",
               kind="item"),
        Clause(id="3.2.7-p1", label="", heading="", text="推广应用。", parent="3.2.7",
               kind="paragraph"),
    ])


def test_outline_gives_ancestors_outermost_first():
    entries = present.outline(DOC)
    assert [e.depth for e in entries] == [0, 1, 2, 3]
    assert [c.id for c in entries[3].ancestors] == ["3", "3.2", "3.2.7"]


def test_clause_title_joins_label_and_heading_as_printed():
    assert present.clause_title(DOC.clauses[0]) == "三、重点任务"
    assert present.clause_title(DOC.clauses[2]) == "7."
    article = Clause(id="art-6", label="第六条", heading="总则", text="", parent=None, kind="article")
    assert present.clause_title(article) == "第六条 总则"


# --- round two: known-item cards, grouping, search within results -----------------------------

def test_a_doc_number_shows_its_document_card_above_the_results(client):
    soup = page(client, f"/?q={quote('国发[2018]4号')}")
    card = soup.select_one(".known-items .doc-card")
    assert card and "国务院关于全面加强基础科学研究的若干意见" in card.get_text()
    assert "国发〔2018〕4号" in card.get_text() and card.a["href"] == "/d/gf-2018-4"
    assert "没有其他条款提到" in soup.get_text()        # not "no match": the document is there


def test_the_summary_counts_clauses_and_documents(client, api):
    data = api(f"/api/search?q={quote(QUERY)}")
    text = page(client, f"/?q={quote(QUERY)}").select_one(".count").get_text()
    assert f"{data['total']} 个条款，来自 {data['document_total']} 份文件" in " ".join(text.split())


def test_grouped_view_has_one_row_per_document_with_its_count(client, api):
    grouped = api(f"/api/search?q={quote(QUERY)}&group=document")
    soup = page(client, f"/?q={quote(QUERY)}&group=document")
    rows = soup.select("article.doc-group")
    assert len(rows) == min(len(grouped["groups"]), 20) and rows
    first = grouped["groups"][0]
    assert first["title"] in rows[0].h2.get_text() and f"{first['clauses']} 个条款匹配" in rows[0].get_text()
    assert not rows[0].select(".hit .hit-doc")          # the document is not repeated in its cards
    switch = soup.select_one(".view-switch a")
    assert switch.get_text() == "按条款" and "group=" not in switch["href"]


def test_search_within_results_keeps_the_search_and_adds_a_term(client):
    soup = page(client, f"/?q={quote(QUERY)}&year=2018")
    form = soup.select_one("form.within-form")
    hidden = {(i["name"], i["value"]) for i in form.select("input[type=hidden]")}
    assert ("q", QUERY) in hidden and ("year", "2018") in hidden
    assert form.select_one("input[name=within]")
    narrowed = page(client, f"/?q={quote(QUERY)}&within={quote('人才')}")
    chip = next(a for a in narrowed.select(".chips a") if "结果中" in a.get_text())
    assert "within" not in chip["href"]


def test_query_syntax_help_is_one_click_from_the_search_box(client):
    soup = page(client, f"/?q={quote(QUERY)}")
    link = soup.select_one(".search-form .syntax-link a")
    assert link and link.get_text() == "检索语法"
    help_page = page(client, link["href"])
    examples = [a.get_text() for a in help_page.select("table.syntax a")]
    assert {"双一流 OR 一流学科", "标题:人工智能", "国发〔2018〕4号"} <= set(examples)
    for a in help_page.select("table.syntax a"):       # every example runs
        assert client.get(a["href"]).status_code == 200


def test_result_cards_show_validity_only_when_it_is_known(client, api):
    """未知 on every card would be noise: cards carry a badge only for a stated status."""
    data = api(f"/api/search?q={quote(QUERY)}&per_page=100")
    soup = page(client, f"/?q={quote(QUERY)}&per_page=100")
    known = sum(h["validity"] not in ("", "未知") for h in data["hits"])
    assert len(soup.select("article.hit .hit-meta .badge")) == known
    assert "未知" not in " ".join(b.get_text() for b in soup.select("article.hit .badge"))
