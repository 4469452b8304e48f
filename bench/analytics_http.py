"""The analytics endpoints (issue 15) timed over HTTP, served as `make run` serves them. By hand:

    .venv/bin/python -m bench.analytics_http --index DIR [--rounds 5]

DIR is a published index (e.g. the ×100 benchmark's, `make bench` builds it under bench/out/).
Each endpoint is asked for every query of the benchmark mix (bench/queries.py) `--rounds` times
on one keep-alive connection, after one warm-up round that also loads the version's word sets
and echoes (read once per version, on first use). Prints a Markdown table of median and p95 in
milliseconds, client side (the response read in full), so it includes the engine's own search
(`Searcher.matches`) as well as the analytics functions that bench/analytics.py times alone.
"""
from __future__ import annotations

import argparse
import http.client
import time
from pathlib import Path
from urllib.parse import urlencode

from bench.api_timing import ServerError, served
from bench.queries import QUERY_MIX
from bench.results import Latency
from indexer import config, params

ENDPOINTS = {   # row label → (path, extra parameters)
    "trends": ("/api/trends", {}),
    "trends by issuer": ("/api/trends", {"by": "issuer"}),
    "trends page (SVG + table)": ("/trends", {}),
    "co-occurrence": ("/api/cooccurrence", {}),
    "co-occurrence matrix CSV": ("/api/cooccurrence.csv", {}),
    "KWIC CSV": ("/api/kwic.csv", {}),
    "search XLSX": ("/api/search.xlsx", {"code": "政策工具"}),
    "issuer network": ("/api/issuers/network", {}),
    "search page with 相关词": ("/", {}),
}


def fetch(connection: http.client.HTTPConnection, path: str) -> None:
    connection.request("GET", path)
    response = connection.getresponse()
    body = response.read()
    if response.status != 200:
        raise ServerError(f"GET {path} answered {response.status}: {body[:200]!r}")


def paths(endpoint: str, extra: dict) -> list[str]:
    return [endpoint + "?" + urlencode(params.args_from_request(q.request()) + list(extra.items()))
            for q in QUERY_MIX]


def measure(index_dir: Path, rounds: int, log: Path) -> dict[str, Latency]:
    found = {}
    with served(index_dir, config.corpus_dir(), log) as port:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
        for label, (endpoint, extra) in ENDPOINTS.items():
            urls = paths(endpoint, extra)
            for url in urls:
                fetch(connection, url)          # warm-up: per-version data loaded on first use
            samples = []
            for _ in range(rounds):
                for url in urls:
                    started = time.perf_counter()
                    fetch(connection, url)
                    samples.append((time.perf_counter() - started) * 1000)
            found[label] = Latency.of(samples)
            print(f"| {label} | {found[label].median_ms:.0f} ms | {found[label].p95_ms:.0f} ms |", flush=True)
        connection.close()
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--log", type=Path, default=Path("/tmp/cesou-analytics-http.log"))
    args = parser.parse_args(argv)
    print("| endpoint | median | p95 |\n|---|---|---|", flush=True)
    measure(args.index, args.rounds, args.log)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
