"""The site in Debian's headless Chromium (Playwright): search, facets, paging, permalinks, copy,
scrolling to a clause, phone width, and a corpus document with <script> that must run nothing."""
from __future__ import annotations

import re
from urllib.parse import parse_qs, quote, urlsplit

import pytest

from app import create_app
from site_server import build_hostile_index, launch, require_chromium, serving

pytestmark = pytest.mark.browser

QUERY = "基础研究"


@pytest.fixture(scope="module")
def base(built_index):
    with serving(create_app({"CESOU_INDEX": built_index})) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    require_chromium()
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        chromium = launch(playwright)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, base):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=base)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base)
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    yield tab
    context.close()


def params(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def in_viewport(page, selector: str) -> bool:
    return page.locator(selector).evaluate(
        "el => { const r = el.getBoundingClientRect();"
        " return r.top >= 0 && r.top < window.innerHeight && r.bottom > 0; }")


def test_search_from_the_keyboard(page):
    page.goto("/")
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.name") == "q"
    page.keyboard.type(QUERY)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"q="))
    assert page.locator("article.hit").count() == 20
    assert page.locator("article.hit mark").first.inner_text() == QUERY
    assert page.locator("input#q").input_value() == QUERY


def test_apply_and_remove_a_facet(page):
    page.goto(f"/?q={quote(QUERY)}")
    facet = page.locator(".facet", has=page.locator("h2", has_text="发文机关")).locator("li a").first
    issuer = facet.locator(".facet-value").inner_text().strip()
    count = facet.locator(".facet-count").inner_text()
    facet.click()
    page.wait_for_url(re.compile("issuer="))
    assert params(page.url)["issuer"] == [issuer]
    assert page.locator(".chips .chip").first.inner_text().startswith(f"发文机关：{issuer}")
    assert f"共 {count} 个条款" in " ".join(page.locator(".count").inner_text().split())
    for card in page.locator("article.hit .hit-meta").all():
        assert issuer in card.inner_text()
    page.locator(".facets a.on").first.click()       # clicking the selected value again removes it
    page.wait_for_url(lambda url: "issuer" not in params(url))
    assert page.locator(".chips .chip").count() == 0


def test_remove_a_filter_with_its_chip(page):
    page.goto(f"/?q={quote(QUERY)}&year=2017")
    page.locator(".chips .chip", has_text="年份：2017").click()
    page.wait_for_url(lambda url: "year" not in params(url))
    assert params(page.url) == {"q": [QUERY]}


def test_paginate(page):
    page.goto(f"/?q={quote(QUERY)}")
    first = page.locator(".hit-clause a").first.get_attribute("href")
    page.locator(".pagination a[rel=next]").click()
    page.wait_for_url(re.compile("page=2"))
    assert page.locator(".pagination .current").inner_text() == "2"
    assert page.locator(".hit-clause a").first.get_attribute("href") != first
    page.locator(".pagination a[rel=prev]").click()
    page.wait_for_url(lambda url: "page" not in params(url))
    assert page.locator(".hit-clause a").first.get_attribute("href") == first


def test_open_a_clause_permalink_and_copy_its_link(page):
    page.goto(f"/?q={quote(QUERY)}")
    link = page.locator(".hit-clause a").first
    target = urlsplit(link.get_attribute("href")).path
    link.click()
    page.wait_for_url(re.compile(re.escape(target)))
    assert page.locator(".clause-full h1").is_visible()
    assert page.locator("dl.doc-meta").is_visible()
    copy_link = page.get_by_role("button", name="复制链接")
    assert copy_link.is_visible() and page.get_by_role("button", name="复制引文").is_visible()
    copy_link.click()
    page.locator(".copy-status", has_text="已复制").wait_for()
    assert urlsplit(page.evaluate("navigator.clipboard.readText()")).path == target
    page.get_by_role("button", name="复制引文").click()
    page.locator(".copy-status", has_text="已复制引文").wait_for()
    assert "[EB/OL]" in page.evaluate("navigator.clipboard.readText()")


def test_reader_scrolls_to_the_clause_and_highlights_the_query(page):
    # A match far down its document, so that arriving at it really needs a scroll.
    hits = page.request.get(f"/api/search?q={quote(QUERY)}&per_page=100").json()["hits"]
    hit = max(hits, key=lambda h: [int(p) for p in re.findall(r"\d+", h["clause_id"])] or [0])
    page.goto(f"/d/{hit['doc_id']}?q={quote(QUERY)}#{hit['clause_id']}")
    selector = f"[id='{hit['clause_id']}']"
    assert page.evaluate("window.scrollY") > 200
    assert in_viewport(page, selector)
    assert page.locator(f"{selector} mark").first.inner_text() == QUERY


def test_the_original_file_opens_from_the_document_page(page):
    hit = page.request.get(f"/api/search?q={quote(QUERY)}").json()["hits"][0]
    page.goto(f"/d/{hit['doc_id']}")
    link = page.locator("dd.original a")
    assert link.get_attribute("href") == f"/d/{hit['doc_id']}/source"
    link.click()
    page.wait_for_load_state("load")
    assert page.url.endswith(f"/d/{hit['doc_id']}/source")
    # The file as received, in the browser, its Chinese read in the right encoding.
    assert hit["doc_title"][:12] in page.locator("body").inner_text()


def test_phone_width_has_no_horizontal_scroll(browser, base):
    context = browser.new_context(viewport={"width": 375, "height": 812}, base_url=base)
    tab = context.new_page()
    hit = tab.request.get(f"/api/search?q={quote(QUERY)}").json()["hits"][0]
    for url in ("/", f"/?q={quote(QUERY)}", "/?q=xyzzyplugh&year=2017", "/d",
                f"/d/{hit['doc_id']}?q={quote(QUERY)}", f"/d/{hit['doc_id']}/{hit['clause_id']}",
                "/d/no-such-document"):
        tab.goto(url)
        overflow = tab.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{url} scrolls sideways by {overflow}px at 375px"
    context.close()


def test_corpus_document_with_script_runs_nothing(browser, tmp_path_factory):
    hostile_index = build_hostile_index(tmp_path_factory.mktemp("hostile"))
    with serving(create_app({"CESOU_INDEX": hostile_index})) as base:
        context = browser.new_context(base_url=base)
        tab = context.new_page()
        dialogs, errors = [], []
        tab.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        tab.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        tab.on("pageerror", lambda error: errors.append(str(error)))
        doc = tab.request.get("/api/documents").json()["documents"][0]
        clauses = tab.request.get(f"/api/documents/{doc['id']}").json()["clauses"]
        for url in ["/d", f"/d/{doc['id']}", f"/d/{doc['id']}?q=alert", "/?q=alert",
                    *(f"/d/{doc['id']}/{c['id']}?q=alert" for c in clauses)]:
            tab.goto(url)
            tab.wait_for_load_state("load")
            assert tab.evaluate("document.scripts.length") == 1, url
            assert tab.locator("img").count() == 0, url
        tab.goto(f"/d/{doc['id']}")
        assert "<script>alert(1)</script>" in tab.locator("h1").inner_text()
        tab.goto(f"/d/{doc['id']}/source")     # the original, shown as the text it is
        assert "<script>alert(1)</script>" in tab.locator("body").inner_text()
        tab.wait_for_timeout(300)     # give a stray handler (img onerror) the chance to fire
        assert dialogs == [] and errors == []
        context.close()


def test_task_records_read_once_on_a_phone(browser, base):
    """Issue 11 item 9: in the task plan every field and sub-measure is shown once; before, the
    fields came twice (paragraphs, then a table) and sub-measures twice, 48,811 px on a phone."""
    context = browser.new_context(viewport={"width": 375, "height": 812}, base_url=base)
    tab = context.new_page()
    documents = tab.request.get("/api/documents").json()["documents"]
    plans = [tab.request.get(f"/api/documents/{d['id']}").json() for d in documents]
    plan = max(plans, key=lambda d: sum(1 for c in d["clauses"] if c["fields"].get("具体举措")))
    tab.goto(f"/d/{plan['id']}")
    record = next(c for c in plan["clauses"] if c["fields"].get("具体举措", "").startswith("（1）"))
    section = tab.locator(f"section[id='{record['id']}']")
    names = section.locator(":scope > dl.fields > dt").all_inner_texts()
    assert sorted(names) == sorted(record["fields"])
    assert section.locator(":scope > p").count() == 0        # no field line repeated as a paragraph
    measures = [c for c in plan["clauses"] if c["parent"] == record["id"]]
    for measure in measures:
        first = measure["text"].split("\n")[0]
        assert tab.locator(".doc-body").inner_text().count(first) == 1
        assert tab.locator(f"li[id='{measure['id']}']").is_visible()
    width = tab.evaluate("document.documentElement.scrollWidth")
    height = tab.evaluate("document.documentElement.scrollHeight")
    assert width <= 375 and height < 32_000, height
    context.close()
