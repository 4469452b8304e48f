"""Rebuild while serving: the production server keeps answering, from one complete index at a time.

A waitress server (`python app.py`) serves corpus A; client threads query it without pause while
the index is rebuilt from corpus B and then from A again. Every response must succeed, its total
for the fixed query must be A's or B's (a half-built or mixed index would give something else),
and after each build the same server process answers from the new index.
"""
from __future__ import annotations

import threading
import time
from collections import Counter
from urllib.parse import quote

from indexer.records import SearchRequest
from reliability_support import SMALL_SEED_FILES, assert_built, build, make_corpus, serve

QUERY = "科技"
CLIENTS = 3
SWITCH_TIMEOUT = 30     # seconds the server may take to notice a new index (a bound on hangs)


def answers(index) -> tuple[int, int]:
    """(total for the query, number of documents) of the index published in `index`."""
    from indexer.search import Engine
    engine = Engine(index)
    return engine.search(SearchRequest(q=QUERY)).total, len(engine.documents())


class Clients:
    """Threads querying the server in a loop, recording every total, document count and failure."""

    PATHS = [f"/api/search?q={quote(QUERY)}", f"/api/search?q={quote(QUERY)}&sort=date&page=2",
             f"/?q={quote(QUERY)}", "/api/documents"]

    def __init__(self, server):
        self.server = server
        self.totals: list[int] = []      # every total answered, in order
        self.document_counts: list[int] = []
        self.failures: list[str] = []
        self.requests = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run, args=(n,), daemon=True) for n in range(CLIENTS)]

    def __enter__(self):
        for t in self._threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        for t in self._threads:
            t.join(timeout=60)

    def _run(self, n: int) -> None:
        step = n
        while not self._stop.is_set():
            path = self.PATHS[step % len(self.PATHS)]
            step += 1
            try:
                response = self.server.get(path)
                problem = None if response.status == 200 else f"{response.status} {response.text[:200]}"
                data = response.json() if path.startswith("/api/") and not problem else {}
            except Exception as error:      # a refused or dropped connection is a failed request too
                problem, data = f"{type(error).__name__}: {error}", {}
            with self._lock:
                self.requests += 1
                if problem:
                    self.failures.append(f"{path}: {problem}")
                if "total" in data:
                    self.totals.append(data["total"])
                if "documents" in data and "hits" not in data:     # the document list
                    self.document_counts.append(len(data["documents"]))

    def seen(self) -> int:
        with self._lock:
            return len(self.totals)

    def wait_for_total(self, expected: int, after: int = 0) -> None:
        """Until a client is answered with `expected` after its `after`-th answer."""
        deadline = time.monotonic() + SWITCH_TIMEOUT
        while time.monotonic() < deadline:
            with self._lock:
                if expected in self.totals[after:]:
                    return
            time.sleep(0.1)
        raise AssertionError(f"clients never saw total {expected}; saw {Counter(self.totals[after:])}")


def test_two_rebuilds_while_serving_lose_no_request(tmp_path):
    corpus_a = make_corpus(tmp_path / "a", SMALL_SEED_FILES[:1])
    corpus_b = make_corpus(tmp_path / "b", SMALL_SEED_FILES[:3])
    index = tmp_path / "index"
    assert_built(build(corpus_a, index))
    total_a, documents_a = answers(index)

    with serve(index, corpus_a, tmp_path) as server, Clients(server) as clients:
        clients.wait_for_total(total_a)

        assert_built(build(corpus_b, index))
        total_b, documents_b = answers(index)
        assert total_b != total_a, "test corpora must answer the query differently"
        assert server.get(f"/api/search?q={quote(QUERY)}").json()["total"] == total_b
        clients.wait_for_total(total_b, after=clients.seen())

        assert_built(build(corpus_a, index))
        assert server.get(f"/api/search?q={quote(QUERY)}").json()["total"] == total_a
        clients.wait_for_total(total_a, after=clients.seen())
        assert server.process.poll() is None, "the same server process served all three indexes"

    assert clients.requests > 0
    assert clients.failures == [], f"{len(clients.failures)} failed requests, e.g. {clients.failures[:3]}"
    assert set(clients.totals) <= {total_a, total_b}, \
        f"answers from an incomplete index: {Counter(clients.totals)}"
    assert set(clients.document_counts) <= {documents_a, documents_b}, Counter(clients.document_counts)
