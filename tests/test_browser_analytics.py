"""Issue 15 in Debian's headless Chromium: the trends page (chart, table, a cell that lands on
its search) and the XLSX download from the search page, opened with openpyxl."""
from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import openpyxl
import pytest

# The site served once per module, the browser and a 1280 × 900 tab: the fixtures of
# tests/test_browser.py (Playwright accepts downloads by default).
from test_browser import base, browser, page  # noqa: F401

pytestmark = pytest.mark.browser


def test_trends_page_chart_table_and_a_cell_lands_on_its_search(page):
    page.goto("/trends")
    page.fill("#q1", "基础研究")
    page.fill("#q2", "人工智能")
    page.click("button:has-text('绘制')")
    page.wait_for_selector(".trend-chart svg")
    assert page.locator(".trend-chart svg a").count() > 0           # every point a link
    cell = page.locator(".trend-table tbody td.num a").filter(has_text=re.compile(r"^[1-9]")).first
    count = int(re.match(r"\d+", cell.inner_text())[0])
    year = cell.locator("xpath=ancestor::tr/th").inner_text()
    cell.click()
    page.wait_for_url(re.compile(r"year="))
    args = parse_qs(urlsplit(page.url).query)
    assert args["q"] == ["基础研究"] and args["year"] == [year]
    assert re.search(rf"(共|找到)\s*{count}\s*(个|条)", page.locator(".result-summary").inner_text())


def test_a_chart_point_links_to_its_search(page):
    page.goto("/trends?q=基础研究")
    href = page.locator(".trend-chart svg a").first.get_attribute("href")
    args = parse_qs(urlsplit(href).query)
    assert args["q"] == ["基础研究"] and len(args["year"]) == 1


def test_xlsx_download_from_the_search_page(page, tmp_path):
    page.goto("/?q=基础研究")
    total = int(re.search(r"全部 (\d+) 条", page.locator("a.export").first.inner_text())[1])
    with page.expect_download() as info:
        page.click("text=导出 Excel")
    download = info.value
    assert download.suggested_filename.startswith("cesou-基础研究-")
    assert download.suggested_filename.endswith(".xlsx")
    path = tmp_path / "results.xlsx"
    download.save_as(path)
    rows = list(openpyxl.load_workbook(path).active.iter_rows(values_only=True))
    assert rows[0][:3] == ("序号", "文件ID", "条款ID") and len(rows) - 1 == total
