"""Hostile queries and parameters: a result or a clear error, never a crash, never a hang.

Property-based (hypothesis) over `Engine.search` and over `/api/search` and `/` through the Flask
test client, on the real corpus; then a table of parameter abuse and path traversal attempts.
The time check per call is a bound on hangs (a runaway query), not a speed target.
"""
from __future__ import annotations

import re
import time
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indexer.records import QueryError, SearchRequest, SearchResult

HANG_BOUND = 10.0      # seconds; a query taking this long would be a denial of service
FUZZ = settings(max_examples=120, deadline=None,
                suppress_health_check=[HealthCheck.too_slow])

# Whoosh query syntax, quoting styles, field names, invisible and control characters, emoji.
SYNTAX = [":", "*", "?", "~", "^", "(", ")", "[", "]", "{", "}", '"', "-", "+", "|", "\\", "/",
          "“", "”", "「", "」", "OR", "AND", "NOT", "TO", "title:x", "bigrams:科技", "words:*",
          "*:*", "[a TO z]", "科技~2", "研究^3", "\x00", "\x07", "\x1b[31m", "\u200b", "\u202e",
          "\ufeff", "\ud7ff", "😀", "👩\u200d🔬", "🇨🇳", "基础研究", "科技", "中科院", "AI", "2030年",
          " ", "\t", "\n", "%", "%25", "%E4%B8", "&", "=", "..", "<script>", "'"]
tokens = st.one_of(st.sampled_from(SYNTAX), st.text(max_size=4))
queries = st.one_of(
    st.text(max_size=40),
    st.lists(tokens, max_size=20).map("".join),
    st.lists(tokens, max_size=20).map(" ".join),
    st.text(min_size=180, max_size=240),                 # around the length cap
)


@pytest.fixture(scope="module")
def engine(built_index):
    from indexer.search import Engine
    return Engine(built_index)


@pytest.fixture(scope="module")
def client(built_index):
    from app import create_app
    return create_app({"CESOU_INDEX": built_index}).test_client()


@pytest.fixture(scope="module")
def some_document(client):
    return client.get("/api/documents").get_json()["documents"][0]["id"]


@pytest.fixture(scope="module")
def some_clause(client):
    hit = client.get("/api/search", query_string="q=%E7%A7%91%E6%8A%80").get_json()["hits"][0]
    return f"/d/{hit['doc_id']}/{hit['clause_id']}"


def timed(call, *args, **kwargs):
    started = time.monotonic()
    try:
        return call(*args, **kwargs)
    finally:
        elapsed = time.monotonic() - started
        assert elapsed < HANG_BOUND, f"call took {elapsed:.1f}s: {args!r:.200}"


def assert_clear_error(message: str) -> None:
    assert message.strip(), "an error must say what is wrong"
    assert "Traceback" not in message and "File \"" not in message, message


def assert_sane(result: SearchResult, req: SearchRequest) -> None:
    assert result.total >= 0
    assert len(result.hits) <= req.per_page
    assert result.total >= len(result.hits)


# --- Engine.search ---------------------------------------------------------------------------

@FUZZ
@given(q=queries)
def test_engine_answers_any_query_or_says_why(engine, q):
    assert_answers_or_says_why(engine, SearchRequest(q=q))


@FUZZ
@given(req=st.builds(
    SearchRequest,
    q=st.one_of(st.just(""), st.sampled_from(["科技", "基础研究", "-科技", '"人工智能']), queries),
    issuers=st.lists(st.one_of(st.text(max_size=8), st.sampled_from(["国务院", "教育部"])), max_size=3),
    years=st.lists(st.integers(min_value=-10**6, max_value=10**6), max_size=3),
    themes=st.lists(st.text(max_size=8), max_size=2),
    doc_types=st.lists(st.text(max_size=4), max_size=2),
    date_from=st.one_of(st.none(), st.text(max_size=12), st.sampled_from(["2017", "2017-02", "2017-13-40"])),
    date_to=st.one_of(st.none(), st.text(max_size=12), st.sampled_from(["2014", "2021-08-31", "0000"])),
    doc_id=st.one_of(st.none(), st.text(max_size=20), st.just("../../etc/passwd")),
    sort=st.one_of(st.sampled_from(["relevance", "date"]), st.text(max_size=8)),
    page=st.integers(min_value=-3, max_value=10**7),
    per_page=st.integers(min_value=-3, max_value=10**5),
))
def test_engine_validates_every_request_field(engine, req):
    assert_answers_or_says_why(engine, req)


def assert_answers_or_says_why(engine, req: SearchRequest) -> None:
    try:
        result = timed(engine.search, req)
    except QueryError as error:
        assert_clear_error(str(error))
    else:
        assert_sane(result, req)


@pytest.mark.parametrize("q, limit", [("研" * 10_000, "200"), (" ".join(["科技"] * 40), "12")])
def test_engine_names_the_cap_it_enforces(engine, q, limit):
    with pytest.raises(QueryError) as caught:
        timed(engine.search, SearchRequest(q=q))
    assert limit in str(caught.value), f"the 400 should state the limit: {caught.value}"


# --- HTTP: /api/search and the search page ---------------------------------------------------

PARAMS = ["q", "issuer", "year", "theme", "type", "from", "to", "sort", "page", "per_page", "doc",
          "bogus", ""]
GARBAGE = ["%", "%G1", "%E4%B8", "%FF%FE", "%00", "%C0%AF", "%2e%2e%2f", "+", "&&", "==", "%26q%3D",
           "%25%32%35", "%u4e2d", "%E2%80%AE", "%F0%9F%98%80", "%0d%0aSet-Cookie:x=1"]
values = st.one_of(st.text(max_size=20).map(lambda s: quote(s, safe="")), st.sampled_from(GARBAGE),
                   queries.map(lambda s: quote(s, safe="")),
                   st.lists(st.sampled_from(GARBAGE), max_size=4).map("".join))
query_strings = st.lists(st.tuples(st.sampled_from(PARAMS), values), max_size=6).map(
    lambda pairs: "&".join(f"{k}={v}" for k, v in pairs))


def assert_api_answer(response) -> None:
    body = response.get_data(as_text=True)
    assert response.status_code in (200, 400), f"{response.status_code}: {body[:300]}"
    data = response.get_json()
    if response.status_code == 400:
        assert_clear_error(data["error"])
    else:
        assert data["total"] >= len(data["hits"])
        assert set(data["facets"]) >= {"issuer", "year", "theme", "type"}


@FUZZ
@given(qs=query_strings)
def test_api_search_answers_200_or_400_with_message(client, qs):
    assert_api_answer(timed(client.get, "/api/search", query_string=qs))


@FUZZ
@given(qs=query_strings)
def test_pages_and_csv_never_fail(client, some_document, some_clause, qs):
    """Every page that reads `q` and the other search parameters: the search page, the CSV
    export, and the document and clause pages (which highlight `q`)."""
    for path in ("/", "/api/search.csv", f"/d/{some_document}", some_clause):
        response = timed(client.get, path, query_string=qs)
        if response.status_code == 302:   # empty parameters or a page past the last: a clean URL
            response = timed(client.get, response.headers["Location"], follow_redirects=True)
        assert response.status_code in (200, 400), f"{path}?{qs} → {response.status_code}"
        assert "Traceback" not in response.get_data(as_text=True)


def test_api_states_the_query_length_cap(client):
    response = client.get("/api/search", query_string={"q": "研" * 10_000})
    assert response.status_code == 400
    assert re.search(r"\d", response.get_json()["error"]), "the message should say what the limit is"


# --- parameter abuse -------------------------------------------------------------------------

BAD_PARAMETERS = [
    "page=0", "page=-1", "page=abc", "page=1.5", "page=99999999999999999999", "page=1e3",
    "per_page=0", "per_page=-5", "per_page=10000", "per_page=NaN",
    "year=abc", "year=20171", "year=-2017", "year=%EF%BC%92%EF%BC%90%EF%BC%91%EF%BC%97x",
    "from=2021&to=2014", "from=2017-13", "from=2017-02-30", "to=tomorrow", "from=%00",
    "sort=bogus", "sort=date&sort=relevance", "page=1&page=2", "q=a&q=b",
]


@pytest.mark.parametrize("qs", BAD_PARAMETERS)
def test_invalid_parameter_is_a_clear_400(client, qs):
    response = client.get("/api/search", query_string=qs + "&q=%E7%A7%91%E6%8A%80" * ("q=" not in qs))
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    error = response.get_json()["error"]
    assert_clear_error(error)
    name = qs.split("=")[0]
    assert name in error or {"from": "日期", "to": "日期"}.get(name, "\0") in error, \
        f"the message should name the parameter {name}: {error}"


@pytest.mark.parametrize("qs", ["issuer=不存在的机关", "theme=不存在的主题", "type=不存在的文种",
                                "year=1900", "doc=no-such-document", "page=1000"])
def test_unknown_filter_values_and_far_pages_are_empty_not_errors(client, qs):
    response = client.get("/api/search", query_string=f"q=%E7%A7%91%E6%8A%80&{quote(qs, safe='=&')}")
    assert response.status_code in (200, 400)
    if response.status_code == 200:
        assert response.get_json()["hits"] == []
    else:
        assert_clear_error(response.get_json()["error"])


def test_known_good_request_still_works(client):
    """The abuse table above is only meaningful if the same endpoint answers a sane request."""
    response = client.get("/api/search", query_string="q=%E7%A7%91%E6%8A%80&page=2&per_page=5&sort=date")
    assert response.status_code == 200
    assert len(response.get_json()["hits"]) == 5




@pytest.mark.parametrize("path", [
    "/d/no-such-document", "/d/no-such-document/1.2", "/d/{doc}/no-such-clause", "/d/{doc}/..",
    "/api/documents/no-such-document", "/api/documents/..%2f..%2fetc%2fpasswd",
    "/d/..%2f..%2fetc/passwd", "/d/..%2f..%2fetc%2fpasswd", "/d/..%2F..%2Fetc%2Fpasswd",
    "/d/%2e%2e/%2e%2e/etc/passwd",
    "/d/{doc}/..%2f..%2f..%2fapp.py", "/static/..%2fapp.py", "/static/..%2f..%2fetc%2fpasswd",
    "/static/%2e%2e/app.py", "/d/%00", "/d/%C0%AF", "/d/" + "x" * 5000, "/no-such-page",
])
def test_unknown_ids_and_traversal_are_404(client, some_document, path):
    response = client.get(path.format(doc=some_document))
    body = response.get_data(as_text=True)
    assert response.status_code in (400, 404), f"{path} → {response.status_code}"
    assert "root:x:0:0" not in body and "def create_app" not in body
    if path.startswith("/api/"):
        assert_clear_error(response.get_json()["error"])


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
@pytest.mark.parametrize("path", ["/", "/api/search", "/api/documents", "/d/{doc}", "/api/search.csv"])
def test_nothing_accepts_writes(client, some_document, method, path):
    response = client.open(path.format(doc=some_document), method=method, data=b"q=x")
    assert response.status_code == 405, f"{method} {path} → {response.status_code}"

