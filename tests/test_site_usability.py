"""Small things that stopped people (issue 11, items 16–19), through Flask's test client: clean
shared URLs, a page past the last, JSON twins, the keyboard path, date hints, the favicon, the
404 page's one search box, the documents page's filters and both date sorts.
(What needs a real browser — arrow keys in selects, tab stops, phone layout — is in
tests/test_browser.py.)"""
from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from bs4 import BeautifulSoup

from app import create_app

QUERY = "基础研究"
CSS = (Path(__file__).resolve().parents[1] / "static" / "site.css").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def client(built_index):
    return create_app({"CESOU_INDEX": built_index}).test_client()


def page(client, url, status=200) -> BeautifulSoup:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def location(response) -> tuple[str, dict[str, list[str]]]:
    target = urlsplit(response.headers["Location"])
    return target.path, parse_qs(target.query, keep_blank_values=True)


# --- item 19: clean URLs, a page past the last ----------------------------------------------------

@pytest.mark.parametrize("url, path, kept", [
    (f"/?q={quote(QUERY)}&from=&to=&sort=relevance", "/", {"q": [QUERY], "sort": ["relevance"]}),
    ("/?q=&issuer=%E5%9B%BD%E5%8A%A1%E9%99%A2&year=", "/", {"issuer": ["国务院"]}),
    ("/d?issuer=&year=&type=&theme=&order=oldest", "/d", {"order": ["oldest"]}),
])
def test_empty_parameters_redirect_to_the_clean_url(client, url, path, kept):
    response = client.get(url)
    assert response.status_code == 302
    assert location(response) == (path, kept)


def test_a_page_past_the_last_goes_to_the_last_page(client):
    pages = client.get(f"/api/search?q={quote(QUERY)}").get_json()["pages"]
    response = client.get(f"/?q={quote(QUERY)}&page=99")
    assert response.status_code == 302
    assert location(response) == ("/", {"q": [QUERY], "page": [str(pages)]})
    soup = page(client, response.headers["Location"])
    assert soup.select_one(".pagination .current").get_text() == str(pages)
    assert soup.select(".hit")


def test_pagination_marks_the_links_a_phone_leaves_out(client):
    soup = page(client, f"/?q={quote(QUERY)}&per_page=5&page=5")
    far = [a.get_text() for a in soup.select(".pagination a.far")]
    assert far == ["3", "7"]
    assert re.search(r"@media \(max-width: 480px\)[^@]*\.pagination a\.far \{ display: none; \}", CSS)


# --- item 17: JSON twins -------------------------------------------------------------------------

def alternate(soup) -> str | None:
    link = soup.select_one('link[rel=alternate][type="application/json"]')
    return link["href"] if link else None


def test_every_page_links_its_json_twin(client):
    search = alternate(page(client, f"/?q={quote(QUERY)}&year=2018"))
    assert urlsplit(search).path == "/api/search"
    assert parse_qs(urlsplit(search).query) == {"q": [QUERY], "year": ["2018"]}
    assert alternate(page(client, "/d")) == "/api/documents"
    doc = client.get("/api/documents").get_json()["documents"][0]
    assert alternate(page(client, f"/d/{doc['id']}")) == f"/api/documents/{doc['id']}"
    clause = client.get(f"/api/documents/{doc['id']}").get_json()["clauses"][0]
    assert alternate(page(client, f"/d/{doc['id']}/{clause['id']}")) == f"/api/documents/{doc['id']}"
    for url in (search, "/api/documents", f"/api/documents/{doc['id']}"):
        assert client.get(url).status_code == 200
    assert alternate(page(client, "/d/no-such-document", status=404)) is None


# --- item 18: keyboard path, dates ----------------------------------------------------------------

def test_search_page_has_a_skip_link_to_the_results(client):
    soup = page(client, f"/?q={quote(QUERY)}")
    skip = [a for a in soup.select("a.skip-link") if a.get_text() == "跳到结果"]
    assert skip and skip[0]["href"] == "#results"
    assert soup.select_one("#results")["tabindex"] == "-1"
    assert not [a for a in page(client, "/").select("a.skip-link") if a.get_text() == "跳到结果"]


def test_histogram_years_without_matches_are_not_links(client):
    soup = page(client, f"/?q={quote(QUERY)}")
    empty = soup.select(".histogram .empty-year")
    assert empty, "基础研究 has no match in 2019–2020: the gap years are drawn"
    assert all(g.find_parent("a") is None and not g.find("a") for g in empty)
    assert all(not re.search(r"\b0 条", a["aria-label"]) for a in soup.select(".histogram a"))


def test_date_fields_show_their_format_and_accept_written_dates(client):
    soup = page(client, f"/?q={quote(QUERY)}")
    hint = soup.select_one("#date-hint").get_text()
    for field in ("from", "to"):
        box = soup.select_one(f"input#{field}")
        assert box["aria-describedby"] == "date-hint" and box.get("placeholder")
        assert not box.get("pattern"), "the browser must not refuse 2018年 before the server reads it"
    assert "2018-3" in hint and "2018年" in hint
    soup = page(client, f"/?q={quote(QUERY)}&from={quote('2018年')}&to=2018.03")
    assert (soup.select_one("input#from")["value"], soup.select_one("input#to")["value"]) == \
        ("2018", "2018-03")
    error = page(client, f"/?q={quote(QUERY)}&from=2018--3", status=400)
    assert "参数 from" in error.select_one(".message.error").get_text()


# --- item 19: sorts, hints, favicon, 404, documents page ----------------------------------------

def test_sort_select_offers_both_date_directions(client):
    soup = page(client, f"/?q={quote(QUERY)}&sort=date_asc")
    options = {o["value"]: o.get_text() for o in soup.select("select#sort option")}
    assert set(options) == {"relevance", "date", "date_asc"}
    assert soup.select_one("select#sort option[selected]")["value"] == "date_asc"
    dates = [t["datetime"] for t in soup.select(".hit time")]
    assert dates == sorted(dates)


def test_slash_hint_is_hidden_on_touch_screens(client):
    soup = page(client, "/d")
    assert "/" not in soup.select_one("#header-q")["placeholder"]   # site.js adds it for mice
    assert soup.select_one("footer .kbd-hint kbd").get_text() == "/"
    assert re.search(r"@media \(hover: none\) \{\s*\.kbd-hint \{ display: none; \}", CSS)


def test_favicon(client):
    soup = page(client, "/")
    icon = soup.select_one('link[rel=icon]')["href"]
    assert client.get(icon).status_code == 200
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response.headers["Location"] == icon


def test_404_page_has_exactly_one_search_box(client):
    soup = page(client, "/d/no-such-document", status=404)
    assert len(soup.select("input[name=q]")) == 1
    assert soup.select_one("main form[role=search] input[name=q]")


def test_documents_page_orders_issuers_by_count_and_filters_by_year_and_type(client):
    documents = client.get("/api/documents").get_json()["documents"]
    soup = page(client, "/d")
    issuers = [(o["value"], o.get_text()) for o in soup.select("select#f-issuer option") if o["value"]]
    counts = [sum(value in d["issuers"] for d in documents) for value, _ in issuers]
    assert counts == sorted(counts, reverse=True) and counts[0] > 1
    assert all(text == f"{value}（{n}）" for (value, text), n in zip(issuers, counts))
    years = [o["value"] for o in soup.select("select#f-year option") if o["value"]]
    assert years == sorted({d["date"][:4] for d in documents}, reverse=True)
    year = years[0]
    shown = page(client, f"/d?year={year}").select(".doc-item time")
    assert len(shown) == sum(d["date"].startswith(year) for d in documents)
    assert all(t["datetime"].startswith(year) for t in shown)
    doc_type = soup.select("select#f-type option")[1]["value"]
    assert len(page(client, f"/d?type={quote(doc_type)}").select(".doc-item")) == \
        sum(d["doc_type"] == doc_type for d in documents)
