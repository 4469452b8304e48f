"""python -m bench.scale_profile --index DIR --backend sphinxql://… [--cluster-dir DIR]

Where a Sphinx-backed search spends its time: the query mix once more through `Engine.search`,
with every round trip to searchd timed on the client and every statement by searchd itself
(`SHOW META` `time`, which the backend reads anyway). Per query it prints the round trips, the
statements sent (a round trip is one multi-statement batch), the full-text evaluations they
cost (in Sphinx 2.2.11 every statement and every FACET evaluates the query, notes §3, except
grouped statements batched alone, which share one), searchd's own time, the client-side SQL
time (the wall time during which some batch was waiting: searchd + agents + network + waiting
for a CPU; a page's two batches overlap) and the rest (Python: planning, snippets, facets'
presentation).

Run it against a published store and a running cluster, e.g. after `python -m bench.scale`
with `python -m indexer cluster start --dir bench/out/scale-cluster` (the data stays there).
"""
from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.queries import QUERY_MIX, WARM_UP
from bench.report import _table
from indexer.backends import sphinxql


@dataclass
class RoundTrip:
    statements: list[str]       # the SQL of each statement of the batch
    started: float              # perf_counter() seconds: a search's batches may overlap
    ended: float
    searchd_ms: float           # sum of SHOW META `time` (seconds in searchd's answers)

    @property
    def evaluations(self) -> int:
        return batch_evaluations(self.statements)


@dataclass
class Recorder:
    """Wraps SphinxQLBackend._run_once (one round trip) for the lifetime of a `with` block."""
    trips: list[RoundTrip] = field(default_factory=list)

    def __enter__(self) -> Recorder:
        self._original = sphinxql.SphinxQLBackend._run_once
        original, trips = self._original, self.trips

        def timed(backend, statements):
            started = time.perf_counter()
            answers = original(backend, statements)
            trips.append(RoundTrip([sql for sql, _ in statements], started, time.perf_counter(),
                                   sum(_seconds(a.meta.get("time", "0")) for a in answers) * 1000))
            return answers
        sphinxql.SphinxQLBackend._run_once = timed
        return self

    def __exit__(self, *exc) -> None:
        sphinxql.SphinxQLBackend._run_once = self._original


def _seconds(value: str) -> float:
    """SHOW META `time`; 2.2.11 prints a batch's share of a negative remainder as `0.-04`."""
    try:
        return max(float(value), 0.0)
    except ValueError:
        return 0.0


def _covered_ms(spans: list[tuple[float, float]]) -> float:
    """Wall time during which at least one batch was waiting (the facet batch of a page runs
    alongside its ranked batch, so times are not summed)."""
    covered, reached = 0.0, float("-inf")
    for start, end in sorted(spans):
        covered += max(0.0, end - max(start, reached))
        reached = max(reached, end)
    return covered * 1000


_MAX_MATCHES = re.compile(r"max_matches=\d+")


def batch_evaluations(statements: list[str]) -> int:
    """Full-text evaluations of one batch: grouped statements with one WHERE and one OPTION
    but for max_matches share a single evaluation (searchd's multi-query optimisation,
    measured: two such GROUP BYs cost searchd what one does, and six GROUP BYs of one column
    with six different max_matches what one does); anything else evaluates on its own."""
    shared = {(sql.split(" WHERE ", 1)[-1].split(" GROUP BY ")[0],
               _MAX_MATCHES.sub("", sql.rsplit(" OPTION ", 1)[-1])) for sql in statements}
    if len(statements) > 1 and len(shared) == 1 and all(" GROUP BY " in sql for sql in statements):
        return 1
    return sum(evaluations(sql) for sql in statements)


def evaluations(sql: str) -> int:
    """Full-text evaluations of one statement in Sphinx 2.2.11: the query, plus one per FACET
    (a CALL KEYWORDS evaluates nothing)."""
    return 0 if sql.startswith("CALL ") else 1 + sql.count(" FACET ")


def profile(index_dir: Path, backend: str, rounds: int) -> list[list[str]]:
    from indexer.search import Engine

    engine = Engine(index_dir, backend)
    for q in WARM_UP:
        engine.search(q.request())
    rows = []
    for q in QUERY_MIX:
        runs = []
        for _ in range(rounds):
            with Recorder() as recorder:
                started = time.perf_counter()
                engine.search(q.request())
                total = (time.perf_counter() - started) * 1000
            runs.append((total, recorder.trips))
        total, trips = sorted(runs, key=lambda r: r[0])[len(runs) // 2]     # the median run
        client = _covered_ms([(t.started, t.ended) for t in trips])
        searchd = sum(t.searchd_ms for t in trips)
        rows.append([q.kind, q.label, f"{total:.1f}", str(len(trips)),
                     str(sum(len(t.statements) for t in trips)),
                     str(sum(t.evaluations for t in trips)), f"{searchd:.1f}",
                     f"{client:.1f}", f"{total - client:.1f}"])
    return rows


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.scale_profile", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--index", type=Path, required=True, help="index folder of a Sphinx-built store")
    p.add_argument("--backend", required=True, help="sphinxql://HOST:PORT/INDEX")
    p.add_argument("--rounds", type=int, default=3, help="runs per query; the median run is shown")
    args = p.parse_args(argv)
    rows = profile(args.index, args.backend, args.rounds)
    medians = [statistics.median(float(r[i]) for r in rows) for i in (2, 3, 4, 5, 6, 7, 8)]
    rows.append(["", "**median of the mix**", f"{medians[0]:.1f}",
                 *(f"{m:g}" for m in medians[1:4]), *(f"{m:.1f}" for m in medians[4:])])
    print(_table(["kind", "query", "search ms", "round trips", "statements", "full-text evaluations",
                  "searchd ms", "client SQL ms", "Python ms"], rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
