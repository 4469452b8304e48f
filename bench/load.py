"""Bounded load test: a few clients query a running Cesou server on this machine for N seconds.

    python -m bench.load [--port 8000] [--seconds 30] [--clients 4] [--json]

Each client thread keeps one HTTP/1.1 connection and cycles through a fixed mix: JSON searches
(words, a phrase, a question, filters, sorting, deep pages), the HTML search page, the document
list and clause pages found through the API. It prints requests/s, median and p95 latency and the
errors, and exits 1 when any request failed (non-2xx/3xx answer, timeout or dropped connection).

Only a loopback address is accepted: this is a tool for checking your own server, not anyone's.
"""
from __future__ import annotations

import argparse
import http.client
import json
import statistics
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from urllib.parse import quote, urlsplit

LOOPBACK = {"127.0.0.1", "localhost", "::1"}
MAX_SECONDS = 300
MAX_CLIENTS = 32
REQUEST_TIMEOUT = 30

SEARCHES = ["科技", "基础研究", '"人工智能"', "中央高校建设一流学科的经费由谁支持？", "中科院 改革",
            "科技成果转化 -专利", "双一流", "AI", "人才 OR 评价"]
FILTERED = ["q=科技&year=2017", "q=人才&sort=date", "q=科技&page=3", "q=创新&per_page=50",
            "q=国家重点实验室&type=规划"]


@dataclass
class LoadReport:
    clients: int
    seconds: float
    requests: int
    errors: int
    requests_per_second: float
    median_ms: float
    p95_ms: float
    error_samples: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (f"{self.requests} requests in {self.seconds:.1f} s with {self.clients} clients: "
                f"{self.requests_per_second:.1f} req/s, median {self.median_ms:.1f} ms, "
                f"p95 {self.p95_ms:.1f} ms, {self.errors} errors")


def request_mix(host: str, port: int) -> list[str]:
    """The paths every client cycles through, clause pages taken from a real search."""
    paths = [f"/api/search?q={quote(q)}" for q in SEARCHES]
    paths += ["/api/search?" + "&".join(_quoted(pair) for pair in f.split("&")) for f in FILTERED]
    paths += [f"/?q={quote('基础研究')}", "/d", "/api/documents"]
    conn = http.client.HTTPConnection(host, port, timeout=REQUEST_TIMEOUT)
    try:
        status, body = _get(conn, f"/api/search?q={quote('科技')}&per_page=10")
    finally:
        conn.close()
    if status != 200:
        raise SystemExit(f"the server at {host}:{port} does not answer searches (HTTP {status})")
    paths += [urlsplit(hit["url"]).path for hit in json.loads(body)["hits"]]
    return paths


def _quoted(pair: str) -> str:
    name, value = pair.split("=", 1)
    return f"{name}={quote(value)}"


def _get(conn: http.client.HTTPConnection, path: str) -> tuple[int, bytes]:
    conn.request("GET", path)
    response = conn.getresponse()
    return response.status, response.read()


def run(host: str, port: int, seconds: float, clients: int) -> LoadReport:
    paths = request_mix(host, port)
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def client(offset: int) -> None:
        conn = http.client.HTTPConnection(host, port, timeout=REQUEST_TIMEOUT)
        step = offset
        while time.monotonic() < stop_at:
            path = paths[step % len(paths)]
            step += 1
            started = time.perf_counter()
            try:
                status, _ = _get(conn, path)
                problem = None if status < 400 else f"HTTP {status} {path}"
            except (OSError, http.client.HTTPException) as error:
                problem = f"{type(error).__name__} {path}: {error}"
                conn.close()
                conn = http.client.HTTPConnection(host, port, timeout=REQUEST_TIMEOUT)
            elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed)
                if problem:
                    errors.append(problem)
        conn.close()

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(n * 3,)) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    ms = sorted(x * 1000 for x in latencies) or [0.0]
    return LoadReport(
        clients=clients, seconds=elapsed, requests=len(latencies), errors=len(errors),
        requests_per_second=len(latencies) / elapsed if elapsed else 0.0,
        median_ms=statistics.median(ms), p95_ms=ms[min(len(ms) - 1, int(len(ms) * 0.95))],
        error_samples=errors[:5],
    )


def bounded(low: int, high: int):
    def parse(text: str) -> int:
        value = int(text)
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be between {low} and {high}")
        return value
    return parse


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1", help="a loopback address (default 127.0.0.1)")
    parser.add_argument("--port", type=bounded(1, 65535), default=8000)
    parser.add_argument("--seconds", type=bounded(1, MAX_SECONDS), default=30)
    parser.add_argument("--clients", type=bounded(1, MAX_CLIENTS), default=4)
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)
    if args.host not in LOOPBACK:
        parser.error(f"--host must be a loopback address ({', '.join(sorted(LOOPBACK))}), not {args.host}")
    try:
        report = run(args.host, args.port, args.seconds, args.clients)
    except OSError as error:
        print(f"cannot reach a server at {args.host}:{args.port}: {error}", file=sys.stderr)
        return 2
    print(json.dumps(asdict(report), ensure_ascii=False) if args.json else report.summary())
    for sample in report.error_samples:
        print(f"  error: {sample}", file=sys.stderr)
    return 1 if report.errors else 0


if __name__ == "__main__":
    sys.exit(main())
