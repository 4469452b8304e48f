"""Links between documents in headless Chromium (issue 14): from a clause that cites a document
of the collection, the reference is a working link, and the cited document's page lists that
clause under 被引用; the new pages fit a phone's width."""
from __future__ import annotations

import re

import pytest

from test_browser import base, browser, page  # noqa: F401  (the shared server and browser fixtures)

pytestmark = pytest.mark.browser

CITING, CITED = "hzf-2017-13", "2017-01-24-tctjsjyl-bf"   # the seed corpus' cross-document edge


def test_a_reference_in_clause_text_leads_to_the_cited_document_which_lists_the_clause(page):
    page.goto(f"/d/{CITING}/p2")
    link = page.locator(".clause-text a.ref")
    assert link.count() == 1 and link.inner_text().startswith("《统筹推进世界一流大学和一流学科建设实施办法（暂行）》")
    assert page.locator(".clause-text .ref-unresolved").count() == 2
    link.click()
    page.wait_for_url(re.compile(f"/d/{CITED}$"))
    assert page.locator("h1.doc-title").inner_text() == "统筹推进世界一流大学和一流学科建设实施办法（暂行）"
    cited_by = page.locator(".link-list.cited-by")
    assert cited_by.locator("h3").inner_text() == "被引用（1）"
    assert cited_by.locator("h4.relation").inner_text() == "依据"
    back = cited_by.locator("li a").first
    assert back.is_visible()
    back.click()
    page.wait_for_url(re.compile(f"/d/{CITING}/p2$"))
    assert page.locator(".clause-text a.ref").is_visible()


def test_link_pages_fit_a_phone(browser, base):  # noqa: F811
    context = browser.new_context(viewport={"width": 375, "height": 812}, base_url=base)
    tab = context.new_page()
    for url in (f"/d/{CITING}/p2", f"/d/{CITED}", "/citations/missing", "/?q=一流学科&validity=现行有效"):
        tab.goto(url)
        overflow = tab.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{url} scrolls sideways by {overflow}px at 375px"
    context.close()
