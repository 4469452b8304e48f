"""Links between documents on the pages (issue 14): references in clause text as links (with
the query still highlighted), 引用 / 被引用 lists by relation, validity badges with their basis,
the validity facet, and the page of documents cited but not held. Real built index, plus a
small corpus whose titles carry markup."""
from __future__ import annotations

from urllib.parse import quote

import pytest
from bs4 import BeautifulSoup

from app import create_app
from indexer import index
from indexer.present import LinkSpan, linked_paragraphs

CITING, CITED = "hzf-2017-13", "2017-01-24-tctjsjyl-bf"   # the seed corpus' cross-document edge
CITED_TITLE = "统筹推进世界一流大学和一流学科建设实施办法（暂行）"


@pytest.fixture(scope="module")
def client(built_index):
    return create_app({"CESOU_INDEX": built_index}).test_client()


def page(client, url) -> BeautifulSoup:
    response = client.get(url)
    assert response.status_code == 200, url
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def section(soup: BeautifulSoup, heading: str):
    """The 引用 or 被引用 block of the 效力与引用 section."""
    return next(div for div in soup.select(".links .link-list")
                if div.h3.get_text().startswith(heading + "（"))


def test_a_resolved_reference_in_clause_text_links_to_the_cited_document(client):
    soup = page(client, f"/d/{CITING}/p2")
    link = soup.select_one(".clause-text a.ref")
    assert link["href"] == f"/d/{CITED}" and link.get_text() == f"《{CITED_TITLE}》（教研〔2017〕2号）"
    assert link["title"] == f"依据 · 《{CITED_TITLE}》"
    assert client.get(link["href"]).status_code == 200


def test_unresolved_references_are_plain_text_with_a_hint(client):
    soup = page(client, f"/d/{CITING}/p2")
    spans = soup.select(".clause-text span.ref-unresolved")
    assert [s.get_text() for s in spans] == [
        "《统筹推进世界一流大学和一流学科建设总体方案》（国发〔2015〕64号）",
        "《黑龙江省统筹推进高水平大学和优势特色学科建设实施方案》"]
    assert all(s["title"] == "依据 · 本库未收录此文件" and not s.find("a") for s in spans)


def test_query_terms_are_still_highlighted_inside_and_around_links(client):
    soup = page(client, f"/d/{CITING}/p2?q={quote('一流学科')}")
    assert [m.get_text() for m in soup.select(".clause-text a.ref mark")] == ["一流学科"]
    assert [m.get_text() for m in soup.select(".clause-text .ref-unresolved mark")] == ["一流学科"]
    reader = page(client, f"/d/{CITING}?q={quote('一流学科')}")
    assert reader.select_one("[id='p2'] a.ref mark").get_text() == "一流学科"


def test_clause_page_lists_what_it_cites_grouped_by_relation(client):
    soup = page(client, f"/d/{CITING}/p2")
    cites = section(soup, "引用")
    assert cites.h3.get_text() == "引用（3）"
    assert [h.get_text() for h in cites.select("h4.relation")] == ["依据"]
    assert cites.select_one(f"a[href='/d/{CITED}']").get_text().strip() == CITED_TITLE
    assert len(cites.select(".ref-unresolved")) == 2
    assert section(soup, "被引用").h3.get_text() == "被引用（0）"


def test_the_cited_documents_page_lists_the_citing_clause_under_cited_by(client):
    soup = page(client, f"/d/{CITED}")
    cited = section(soup, "被引用")
    assert cited.h3.get_text() == "被引用（1）"
    assert [h.get_text() for h in cited.select("h4.relation")] == ["依据"]
    link = cited.select_one("li a")
    assert link["href"] == f"/d/{CITING}/p2"
    assert link.get_text().startswith("关于支持哈尔滨工业大学加快世界一流大学建设的意见")


def test_document_pages_show_a_validity_badge_with_the_sentence_behind_it(client):
    soup = page(client, f"/d/{CITED}")
    assert soup.select_one(".doc-meta .badge.validity-in-force").get_text() == "现行有效"
    basis = soup.select_one(".links .validity-basis")
    assert "依据：本办法自发布之日起实施。" in basis.get_text()
    assert basis.select_one("a")["href"] == f"/d/{CITED}/art-29"
    unknown = page(client, f"/d/{CITING}")
    assert unknown.select_one(".doc-meta .badge.validity-unknown").get_text() == "未知"
    assert "语料中没有说明本文件效力的语句" in unknown.select_one(".links .validity-basis").get_text()
    clause_page = page(client, f"/d/{CITED}/art-1")
    assert clause_page.select_one(".doc-meta .badge").get_text() == "现行有效"


def test_search_has_a_validity_facet_and_badges_on_hit_cards(client):
    soup = page(client, "/?q=" + quote("一流学科"))
    facet = next(f for f in soup.select(".facet") if f.h2 and f.h2.get_text() == "效力")
    values = {a.select_one(".facet-value").get_text().strip(): a["href"] for a in facet.select("li a")}
    assert set(values) == {"现行有效", "未知"}
    filtered = page(client, values["现行有效"])
    badges = filtered.select("article.hit .hit-meta .badge")
    assert badges and {b.get_text() for b in badges} == {"现行有效"}
    assert filtered.select_one(".chips .chip").get_text().startswith("效力：现行有效")
    form = filtered.select_one("form.search-form")     # a new query keeps the filter
    assert ("validity", "现行有效") in [(i["name"], i["value"]) for i in form.select("input[type=hidden]")]


def test_missing_documents_page_is_a_to_do_list_linked_from_the_library(client, ):
    library = page(client, "/d")
    assert library.select_one("a[href='/citations/missing']")
    soup = page(client, "/citations/missing")
    items = soup.select(".missing-item")
    assert len(items) == len(client.get("/api/citations/missing").get_json()["missing"])
    counts = [int(i.select_one(".missing-count").get_text().split()[1]) for i in items]
    assert counts == sorted(counts, reverse=True) and counts[0] >= 3
    for link in items[0].select("li a"):
        assert client.get(link["href"]).status_code == 200
    assert any("统筹推进世界一流大学和一流学科建设总体方案" in i.h2.get_text() for i in items)


# --- escaping: corpus text in titles, hints and links ---------------------------------------

MARKUP_CITED = """\
---
title: 关于<b>测试</b>"引号"的管理办法
文号: 国科发〔2020〕1号
发文机关: 科学技术部
date: 2020-01-10
doc_type: 办法
---
第一条 本办法自发布之日起施行。
"""

MARKUP_CITING = """\
---
title: 关于测试的实施细则
文号: 国科发〔2021〕7号
发文机关: 科学技术部
date: 2021-03-01
doc_type: 细则
---
第一条 根据国科发〔2020〕1号第一条和《&lt;script&gt;alert(1)&lt;/script&gt;办法》，制定本细则。
"""


@pytest.fixture(scope="module")
def markup(tmp_path_factory):
    folder = tmp_path_factory.mktemp("markup")
    (folder / "corpus").mkdir()
    (folder / "corpus" / "a.md").write_text(MARKUP_CITED, encoding="utf-8")
    (folder / "corpus" / "b.md").write_text(MARKUP_CITING, encoding="utf-8")
    index.build(folder / "corpus", folder / "index", show_progress=False)
    return create_app({"CESOU_INDEX": folder / "index"}).test_client()


def test_titles_with_markup_stay_text_in_links_hints_and_lists(markup):
    for url in ("/d/gkf-2021-7", "/d/gkf-2021-7/art-1", "/d/gkf-2020-1", "/d/gkf-2020-1/art-1",
                "/citations/missing"):
        html = markup.get(url).get_data(as_text=True)
        assert "<script>alert" not in html and "<b>测试" not in html, url
    soup = page(markup, "/d/gkf-2021-7/art-1")
    link = soup.select_one(".clause-text a.ref")
    assert link["href"] == "/d/gkf-2020-1/art-1" and link.get_text() == "国科发〔2020〕1号第一条"
    assert link["title"] == '配套 · 《关于<b>测试</b>"引号"的管理办法》 第一条 本办法自发布之日起施行…'
    assert soup.select_one(".clause-text .ref-unresolved").get_text() == "《<script>alert(1)</script>办法》"
    assert [s.get("src") for s in soup.find_all("script")] == ["/static/site.js"]


# --- the renderer (Flask-free) --------------------------------------------------------------

def test_links_and_marks_nest_and_every_piece_is_escaped():
    text = "根据《A<b>法》第十条，基础研究\n另起<一段>基础"
    html = linked_paragraphs(text, ["基础", "法》第"],
                             [LinkSpan(start=2, end=12, href='/d/x?a=1&b="2"', hint='依据 · "A"'),
                              LinkSpan(start=3, end=5, href=None, hint="overlaps: dropped")])
    assert html == ['根据<a class="ref" href="/d/x?a=1&amp;b=&quot;2&quot;" title="依据 · &quot;A&quot;">'
                    '《A&lt;b&gt;<mark>法》第</mark>十条</a>，<mark>基础</mark>研究',
                    '另起&lt;一段&gt;<mark>基础</mark>']


def test_a_match_crossing_a_links_edge_is_marked_on_both_sides():
    assert linked_paragraphs("甲乙基础研究丙", ["乙基础研究"], [LinkSpan(start=2, end=4, href="/d", hint="h")]) == \
        ['甲<mark>乙</mark><a class="ref" href="/d" title="h"><mark>基础</mark></a><mark>研究</mark>丙']


def test_an_unresolved_reference_is_a_hinted_span_and_without_links_it_is_highlight():
    assert linked_paragraphs("见《某办法》。", [], [LinkSpan(start=1, end=6, href=None, hint="未收录")]) == \
        ['见<span class="ref-unresolved" title="未收录">《某办法》</span>。']
    from indexer.present import highlight
    text = "加强基础研究，<b>基础</b>"
    assert linked_paragraphs(text, ["基础"], []) == [highlight(text, ["基础"])]


def test_lines_of_a_reading_keep_their_links_when_field_lines_are_left_out():
    from indexer.present import linked_lines
    text = "牵头单位：科技部\n根据《某办法》执行。\n根据《某办法》执行。"
    first, second = text.index("《"), text.rindex("《")
    links = [LinkSpan(start=first, end=first + 5, href="/d/a", hint="h"),
             LinkSpan(start=second, end=second + 5, href="/d/b", hint="h")]
    lines = text.split("\n")[1:]            # the field line is shown in the table instead
    assert linked_lines(text, lines, [], links) == [
        '根据<a class="ref" href="/d/a" title="h">《某办法》</a>执行。',
        '根据<a class="ref" href="/d/b" title="h">《某办法》</a>执行。']
    assert linked_lines(text, ["不在原文中"], [], links) == ["不在原文中"]
