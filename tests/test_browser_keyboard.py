"""The keyboard and phone paths in headless Chromium (issue 11, items 16, 18, 19): choosing in a
select with the arrow keys, the skip link to the results, tab stops of the histogram, clean
URLs after a form submit, pagination on a 375 px phone, the "/" hint only with a mouse.
Fixtures (the served app, Chromium, a 1280 px tab) are tests/test_browser.py's."""
from __future__ import annotations

import re
from urllib.parse import parse_qs, quote, urlsplit

import pytest

from test_browser import base, browser, page  # noqa: F401  (pytest fixtures)

pytestmark = pytest.mark.browser

QUERY = "基础研究"


def params(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query, keep_blank_values=True)


def focused(page) -> str:
    return page.evaluate("(document.activeElement.id || '') + '|' + document.activeElement.tagName"
                         " + '|' + (document.activeElement.getAttribute('href') || '')")


@pytest.mark.parametrize("url, select", [("/d", "#f-issuer"), (f"/?q={quote(QUERY)}", "#sort")])
def test_arrow_keys_move_through_a_select_without_leaving_the_page(page, url, select):
    page.goto(url)
    start = page.url
    page.focus(select)
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.wait_for_timeout(400)            # a navigation would have started by now
    assert page.url == start, "the first arrow key submitted the form"
    chosen = page.eval_on_selector(select, "s => s.value")
    assert chosen and page.eval_on_selector(select, "s => s.selectedIndex") == 2
    name = page.eval_on_selector(select, "s => s.name")
    page.keyboard.press("Enter")          # the explicit action applies the choice
    page.wait_for_url(lambda u: params(u).get(name) == [chosen])
    assert page.eval_on_selector(select, "s => s.value") == chosen


def test_choosing_a_select_with_the_mouse_still_applies_at_once(page):
    page.goto("/d")
    issuer = page.eval_on_selector("#f-issuer", "s => s.options[1].value")
    page.select_option("#f-issuer", index=1)       # Playwright: pointer-free, fires change only
    page.wait_for_timeout(300)
    assert "issuer" not in params(page.url)
    page.locator("#f-issuer").dispatch_event("pointerdown")
    page.select_option("#f-issuer", index=2)
    page.wait_for_url(lambda u: "issuer" in params(u))
    assert params(page.url)["issuer"] != [issuer]


def test_skip_link_takes_the_keyboard_to_the_results(page):
    page.goto(f"/?q={quote(QUERY)}")
    page.keyboard.press("Tab")
    assert focused(page).endswith("#main")
    page.keyboard.press("Tab")
    assert focused(page) == "|A|#results" and page.locator("a.skip-link:focus").inner_text() == "跳到结果"
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile("#results$"))
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('.hit') !== null"), focused(page)


def test_histogram_years_without_matches_are_no_tab_stops(page):
    page.goto(f"/?q={quote(QUERY)}")
    stops = []
    # Start just before the histogram: focus its heading (made focusable for the test).
    page.locator("#histogram-heading").evaluate("h => { h.tabIndex = -1; h.focus(); }")
    for _ in range(20):
        page.keyboard.press("Tab")
        label = page.evaluate("document.activeElement.closest('.histogram') ?"
                              " document.activeElement.getAttribute('aria-label') : null")
        if label is None:
            break
        stops.append(label)
    years = {v["value"]: v["count"] for v in
             page.request.get(f"/api/search?q={quote(QUERY)}").json()["facets"]["year"]}
    assert stops == [f"{y} 年 {n} 条" for y, n in sorted(years.items())]


def test_submitting_the_form_leaves_no_empty_parameters(page):
    page.goto(f"/?q={quote(QUERY)}")
    page.fill("input#from", "2018年")
    page.locator(".search-options button[type=submit]").click()
    page.wait_for_url(lambda u: "from" in params(u))
    assert params(page.url) == {"q": [QUERY], "from": ["2018年"], "sort": ["relevance"]}
    assert page.locator("input#from").input_value() == "2018"
    page.goto("/d")
    page.locator(".doc-filter button[type=submit]").click()
    page.wait_for_url(lambda u: "order" in params(u))
    assert params(page.url) == {"order": ["newest"]}


def test_phone_pagination_fits_on_one_line(browser, base):  # noqa: F811
    context = browser.new_context(viewport={"width": 375, "height": 812}, base_url=base,
                                  has_touch=True, is_mobile=True)
    tab = context.new_page()
    tab.goto(f"/?q={quote(QUERY)}&per_page=5&page=5")
    nav = tab.locator("nav.pagination")
    boxes = nav.locator("a:visible, span:visible").evaluate_all(
        "els => els.map(e => { const r = e.getBoundingClientRect(); return [r.top, r.bottom]; })")
    assert len(boxes) >= 5
    assert max(top for top, _ in boxes) < min(bottom for _, bottom in boxes), "pagination wraps"
    assert tab.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    assert tab.locator(".pagination a[rel=next]").is_visible()
    # No keyboard on a touch screen: no "/" hint in the footer or the header box.
    assert not tab.locator("footer .kbd-hint").is_visible()
    tab.goto("/d")
    assert "/" not in tab.locator("#header-q").get_attribute("placeholder")
    context.close()


def test_slash_hint_is_shown_with_a_mouse(page):
    page.goto("/d")
    assert page.locator("footer .kbd-hint").is_visible()
    assert "按 / 聚焦" in page.locator("#header-q").get_attribute("placeholder")
