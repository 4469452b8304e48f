"""The query mix through the JSON API, served exactly as `make run` serves it (app.py on waitress)."""
from __future__ import annotations

import http.client
import json
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlencode

from bench.queries import QUERY_MIX, WARM_UP, BenchQuery
from bench.results import Latency
from indexer import config, params

STARTUP_TIMEOUT_S = 120


class ServerError(RuntimeError):
    """The API server did not come up or answered with an error; the message says which."""


def measure(index_dir: Path, corpus_dir: Path, rounds: int, log: Path) -> Latency:
    """Median and p95 of /api/search over the mix, client side, one keep-alive connection.
    The server's own output goes to `log`."""
    with served(index_dir, corpus_dir, log) as port:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        for q in WARM_UP:
            fetch(connection, q)
        samples = []
        for _ in range(rounds):
            for q in QUERY_MIX:
                started = time.perf_counter()
                fetch(connection, q)
                samples.append((time.perf_counter() - started) * 1000)
        connection.close()
    return Latency.of(samples)


def fetch(connection: http.client.HTTPConnection, q: BenchQuery) -> dict:
    path = "/api/search?" + urlencode(params.args_from_request(q.request()))
    connection.request("GET", path)
    response = connection.getresponse()
    body = response.read()
    if response.status != 200:
        raise ServerError(f"GET {path} answered {response.status}: {body[:200]!r}")
    return json.loads(body)


@contextmanager
def served(index_dir: Path, corpus_dir: Path, log: Path):
    """Run app.py on a free local port for the duration; yields the port."""
    port = _free_port()
    with open(log, "w") as output:
        server = subprocess.Popen(
            [sys.executable, str(config.REPO / "app.py"), "--host", "127.0.0.1", "--port", str(port),
             "--index", str(index_dir), "--corpus", str(corpus_dir)],
            stdout=output, stderr=subprocess.STDOUT)
    try:
        _wait_until_up(server, port, log)
        yield port
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_until_up(server: subprocess.Popen, port: int, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise ServerError(f"app.py exited with {server.returncode}: "
                              f"{log.read_text(errors='replace')[-500:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise ServerError(f"app.py did not listen on port {port} within {STARTUP_TIMEOUT_S} s")
