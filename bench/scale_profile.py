"""python -m bench.scale_profile --index DIR --backend sphinxql://… [--cluster-dir DIR]

Where a Sphinx-backed search spends its time: the query mix once more through `Engine.search`,
with every SphinxQL statement the backend sends timed on the client and by searchd itself
(`SHOW META` `time`, which the backend reads anyway). Per query it prints the statements sent,
the full-text evaluations they cost (in Sphinx 2.2.11 every FACET re-runs the query, notes §3),
searchd's own time, the client-side SQL time (searchd + agents + network + waiting for a CPU)
and the rest (Python: planning, snippets, facets' presentation).

Run it against a published store and a running cluster, e.g. after `python -m bench.scale`
with `python -m indexer cluster start --dir bench/out/scale-cluster` (the data stays there).
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.queries import QUERY_MIX, WARM_UP
from bench.report import _table
from indexer.backends import sphinxql


@dataclass
class Statement:
    sql: str
    client_ms: float
    searchd_ms: float           # SHOW META `time` (seconds in searchd's answer)


@dataclass
class Recorder:
    """Wraps SphinxQLBackend._run_once for the lifetime of a `with` block."""
    statements: list[Statement] = field(default_factory=list)

    def __enter__(self) -> Recorder:
        self._original = sphinxql.SphinxQLBackend._run_once
        original, statements = self._original, self.statements

        def timed(backend, sql, args):
            started = time.perf_counter()
            sets, meta, warnings = original(backend, sql, args)
            statements.append(Statement(sql, (time.perf_counter() - started) * 1000,
                                        float(meta.get("time", 0)) * 1000))
            return sets, meta, warnings
        sphinxql.SphinxQLBackend._run_once = timed
        return self

    def __exit__(self, *exc) -> None:
        sphinxql.SphinxQLBackend._run_once = self._original


def evaluations(sql: str) -> int:
    """Full-text evaluations of one statement in Sphinx 2.2.11: the query, plus one per FACET."""
    return 1 + sql.count(" FACET ")


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
            runs.append((total, recorder.statements))
        total, statements = sorted(runs, key=lambda r: r[0])[len(runs) // 2]     # the median run
        client = sum(s.client_ms for s in statements)
        searchd = sum(s.searchd_ms for s in statements)
        rows.append([q.kind, q.label, f"{total:.1f}", str(len(statements)),
                     str(sum(evaluations(s.sql) for s in statements)), f"{searchd:.1f}",
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
    medians = [statistics.median(float(r[i]) for r in rows) for i in (2, 5, 6, 7)]
    rows.append(["", "**median of the mix**", *(f"{medians[0]:.1f}", "", ""),
                 *(f"{m:.1f}" for m in medians[1:])])
    print(_table(["kind", "query", "search ms", "statements", "full-text evaluations",
                  "searchd ms", "client SQL ms", "Python ms"], rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
