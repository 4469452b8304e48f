"""What a search costs the Sphinx cluster, counted (not timed) through a wrapper on the
backend's connection: a plain search (one term, an AND, a phrase, filters) is seven statements
in two batches sent at once — the ranked page, and the six grouped statements (one per facet
and the document count), which searchd evaluates once between them (docs/scale-out.md,
"Queries") — so two full-text evaluations; a question adds one count (of the question typed
whole) before it; a query with a term found nowhere costs at most five batches (six for a
question). And the counts this path derives (documents, every facet) are the Whoosh engine's."""
from __future__ import annotations

import re

import pytest

from bench.scale_profile import batch_evaluations
from indexer.backends.sphinxql import SphinxQLBackend
from indexer.records import SearchRequest
from indexer.search import Engine

pytestmark = pytest.mark.cluster

PLAIN = [SearchRequest(q="基础研究"), SearchRequest(q="人工智能 人才"), SearchRequest(q='"科技成果转化"'),
         SearchRequest(q="人才", issuers=["教育部"]), SearchRequest(q="创新", years=[2017]),
         SearchRequest(q="科技 -人才", themes=["基础研究"]), SearchRequest(q="双一流"),
         SearchRequest(q="高校 OR 高等学校 经费", sort="date", page=2)]
QUESTIONS = [SearchRequest(q="如何促进科技成果转化"), SearchRequest(q="高校科研人员可以兼职吗")]
NOTHING = [SearchRequest(q="基础研究 xyzq未有之词"), SearchRequest(q="xyzq未有之词"),
           SearchRequest(q="量子 人工智能 教师队伍")]


class Counting:
    """Stands in for the PyMySQL connection: counts round trips (execute calls) and the
    statements and full-text evaluations (a SELECT, plus one per FACET) they carry."""

    def __init__(self, connection, log: list[str]):
        self._connection, self._log = connection, log

    def cursor(self):
        return _CountingCursor(self._connection.cursor(), self._log)

    def __getattr__(self, name):
        return getattr(self._connection, name)


class _CountingCursor:
    def __init__(self, cursor, log: list[str]):
        self._cursor, self._log = cursor, log

    def execute(self, sql, args=None):
        self._log.append(sql)
        return self._cursor.execute(sql, args)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._cursor.close()

    def __getattr__(self, name):
        return getattr(self._cursor, name)


def statements(sql: str) -> list[str]:
    return [s for s in (part.strip() for part in sql.split(";")) if s.startswith(("SELECT", "CALL"))]


def evaluations(sql: str) -> int:
    """bench.scale_profile's count: grouped statements of one batch share one evaluation."""
    return batch_evaluations(statements(sql))


@pytest.fixture(scope="module")
def engines(sphinx_store, sphinx_cluster):
    folder, _ = sphinx_store
    return Engine(folder, str(sphinx_cluster.url())), Engine(folder)


@pytest.fixture
def log(monkeypatch) -> list[str]:
    sent: list[str] = []
    original = SphinxQLBackend._connection
    monkeypatch.setattr(SphinxQLBackend, "_connection",
                        lambda self: Counting(original(self), sent))
    return sent


def cost(engine: Engine, req: SearchRequest, log: list[str]) -> tuple[int, int, int]:
    log.clear()
    engine.search(req)
    return len(log), sum(len(statements(s)) for s in log), sum(evaluations(s) for s in log)


@pytest.mark.parametrize("req", PLAIN, ids=lambda r: r.q)
def test_a_plain_search_is_two_batches_seven_statements_two_evaluations(engines, log, req):
    sphinx, _ = engines
    assert sphinx.search(req).total > 0
    assert cost(sphinx, req, log) == (2, 7, 2)


@pytest.mark.parametrize("req", PLAIN, ids=lambda r: r.q)
def test_the_ranked_page_asks_each_shard_for_no_more_than_it_shows(engines, log, req):
    # An agent sends the head max_matches rows whatever the LIMIT: a page of 10 that asked
    # for 5,000 made each shard send 5,000 (README, SphinxQL backend).
    sphinx, _ = engines
    cost(sphinx, req, log)
    [page] = [s for sql in log for s in statements(sql) if "ORDER BY" in s]
    offset, limit = map(int, re.search(r"LIMIT (\d+),(\d+)", page).groups())
    assert re.search(r"max_matches=(\d+)", page).group(1) == str(offset + limit)


def test_the_year_facet_sorts_the_years_there_are(engines, log):
    # A grouped statement's max_matches sizes searchd's sorter: one slot per possible year
    # (10,000) cost the facet batch ~13 % at ×1000 (README, SphinxQL backend).
    sphinx, whoosh = engines
    cost(sphinx, SearchRequest(q="人才"), log)
    [year] = [s for sql in log for s in statements(sql) if "GROUP BY year" in s]
    years = {d.date[:4] for d in whoosh.documents()}
    assert int(re.search(r"max_matches=(\d+)", year).group(1)) == len(years)


def test_an_export_page_without_facets_is_one_statement(engines, log):
    sphinx, _ = engines
    log.clear()
    hits = list(sphinx.iter_all(SearchRequest(q="基础研究")))
    assert hits and len(log) == 1 and evaluations(log[0]) == 1


@pytest.mark.parametrize("req", QUESTIONS, ids=lambda r: r.q)
def test_a_question_is_its_whole_count_then_the_search(engines, log, req):
    sphinx, _ = engines
    assert sphinx.search(req).notice        # searched as its words
    # The question typed whole counted (found nowhere); then the search of its words (two
    # batches at once), which finds something, so no word needed a count of its own.
    assert cost(sphinx, req, log) == (3, 8, 3)


@pytest.mark.parametrize("req", NOTHING, ids=lambda r: r.q)
def test_a_term_found_nowhere_costs_at_most_five_batches(engines, log, req):
    sphinx, _ = engines
    # A question found nowhere pays one batch more: its words' counts are asked only after
    # the search of its words found nothing.
    question = " " not in req.q
    assert cost(sphinx, req, log)[0] <= (6 if question else 5)


@pytest.mark.parametrize("req", QUESTIONS + NOTHING, ids=lambda r: r.q)
def test_the_planners_checks_stop_at_the_first_match(engines, log, req):
    # It only asks "some or none?" (backend.found): each shard stops at its first match.
    sphinx, _ = engines
    cost(sphinx, req, log)
    checks = [s for sql in log for s in statements(sql) if "ORDER BY" not in s and "GROUP BY" not in s]
    assert checks and all(s.endswith("OPTION ranker=none, cutoff=1") for s in checks)


@pytest.mark.parametrize("req", PLAIN + QUESTIONS + NOTHING + [
    SearchRequest(q="人才", group="document", per_page=100), SearchRequest(q="", doc_types=["意见"]),
    SearchRequest(q="基础研究", issuers=["无此机关"])], ids=lambda r: r.q or "-")
def test_the_cheaper_path_gives_the_whoosh_answer(engines, req):
    sphinx, whoosh = engines
    got, expected = sphinx.search(req), whoosh.search(req)
    assert (got.total, got.document_total, got.notice, got.partial) == \
        (expected.total, expected.document_total, expected.notice, expected.partial)
    assert {k: [(v.value, v.count) for v in vs] for k, vs in got.facets.items()} == \
        {k: [(v.value, v.count) for v in vs] for k, vs in expected.facets.items()}
    # The documents of a page and their clause counts (the order follows each engine's scores).
    assert sorted((g.document.id, g.count) for g in got.groups or []) == \
        sorted((g.document.id, g.count) for g in expected.groups or [])
