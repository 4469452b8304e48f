"""The analytics endpoints (issue 15) timed over HTTP, served as `make run` serves them. By hand:

    .venv/bin/python -m bench.analytics_http --index DIR [--rounds 5]

DIR is a published index (e.g. the ×100 benchmark's, `make bench` builds it under bench/out/).
Each endpoint is asked for every query of the benchmark mix (bench/queries.py) `--rounds` times
on one keep-alive connection, after one warm-up round that also loads the version's word sets
and echoes (read once per version, on first use). Prints a Markdown table of median and p95 in
milliseconds, client side: the response read in full, which includes the engine's own search
(`Searcher.matches`) as well as the analytics functions that bench/analytics.py times alone,
and the arrival of its first piece (exports are streamed; their whole time grows with the
number of rows), with the largest response's size.
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


def fetch(connection: http.client.HTTPConnection, path: str) -> tuple[float, int]:
    """Seconds until the response's status line and headers arrived (the first piece of a
    streamed download: web/responses.py `download`), and the body's size once read in full."""
    started = time.perf_counter()
    connection.request("GET", path)
    response = connection.getresponse()
    first = time.perf_counter() - started
    body = response.read()
    if response.status != 200:
        raise ServerError(f"GET {path} answered {response.status}: {body[:200]!r}")
    return first, len(body)


def paths(endpoint: str, extra: dict) -> list[str]:
    return [endpoint + "?" + urlencode(params.args_from_request(q.request()) + list(extra.items()))
            for q in QUERY_MIX]


def measure(index_dir: Path, rounds: int, log: Path) -> dict[str, tuple[Latency, Latency]]:
    """Per endpoint: (the whole response, its first piece)."""
    found = {}
    with served(index_dir, config.corpus_dir(), log) as port:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
        for label, (endpoint, extra) in ENDPOINTS.items():
            urls = paths(endpoint, extra)
            for url in urls:
                fetch(connection, url)          # warm-up: per-version data loaded on first use
            whole, first, sizes = [], [], []
            for _ in range(rounds):
                for url in urls:
                    started = time.perf_counter()
                    ttfb, size = fetch(connection, url)
                    whole.append((time.perf_counter() - started) * 1000)
                    first.append(ttfb * 1000)
                    sizes.append(size)
            found[label] = (Latency.of(whole), Latency.of(first))
            w, f = found[label]
            print(f"| {label} | {w.median_ms:.0f} ms | {w.p95_ms:.0f} ms | {f.median_ms:.0f} ms | "
                  f"{f.p95_ms:.0f} ms | {max(sizes) / 1e6:.1f} MB |", flush=True)
        connection.close()
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--log", type=Path, default=Path("/tmp/cesou-analytics-http.log"))
    args = parser.parse_args(argv)
    print("| endpoint | median | p95 | first piece median | first piece p95 | largest response |\n"
          "|---|---|---|---|---|---|", flush=True)
    measure(args.index, args.rounds, args.log)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
