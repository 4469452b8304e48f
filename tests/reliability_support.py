"""Helpers for the reliability tests: builds and servers in subprocesses, bounded HTTP on 127.0.0.1.

Everything here talks only to 127.0.0.1 through http.client (never urllib, which would honour
proxy variables), and every subprocess and request has a timeout, so a hang fails a test
instead of stalling the suite.
"""
from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SEED_CORPUS = REPO / "corpus"
PYTHON = sys.executable
HOST = "127.0.0.1"

BUILD_TIMEOUT = 240        # seconds; a bound on hangs, far above a normal build
REQUEST_TIMEOUT = 30
SERVER_START_TIMEOUT = 120

# Seed files by what they are, so a test never depends on a file's position in the folder.
SMALL_SEED_FILES = sorted(p.name for p in SEED_CORPUS.glob("*.txt") if p.stat().st_size < 100_000)


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def make_corpus(dest: Path, seed_files: list[str]) -> Path:
    """A corpus folder holding copies of some seed files and the shipped config."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in seed_files:
        shutil.copy(SEED_CORPUS / name, dest / name)
    shutil.copytree(SEED_CORPUS / "config", dest / "config", dirs_exist_ok=True)
    return dest


def subprocess_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ, PYTHONUNBUFFERED="1", PYTHONIOENCODING="utf-8")
    env.update(extra)
    return env


def build(corpus: Path, index: Path, timeout: float = BUILD_TIMEOUT) -> subprocess.CompletedProcess:
    """`python -m indexer build` exactly as a maintainer runs it."""
    return subprocess.run(
        [PYTHON, "-m", "indexer", "build", "--corpus", str(corpus), "--index", str(index)],
        cwd=REPO, env=subprocess_env(), capture_output=True, text=True, timeout=timeout,
    )


def assert_built(done: subprocess.CompletedProcess) -> None:
    assert done.returncode == 0, f"build failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"


def published_version(index: Path) -> Path:
    """The version folder `index/current` points at (resolved)."""
    return (index / "current").resolve(strict=True)


def tree_snapshot(root: Path) -> dict[str, tuple[int, int]]:
    """path → (size, mtime_ns) of everything under root, symlinks by their own stat."""
    snap = {}
    for path in sorted(root.rglob("*")):
        st = path.lstat()
        snap[str(path.relative_to(root))] = (st.st_size, st.st_mtime_ns)
    st = root.lstat()
    snap["."] = (0, st.st_mtime_ns)
    return snap


def entries(root: Path) -> set[str]:
    """Names directly under root and under root/versions (where builds leave their folders)."""
    found = {p.name for p in root.iterdir()} if root.exists() else set()
    versions = root / "versions"
    if versions.is_dir():
        found |= {f"versions/{p.name}" for p in versions.iterdir()}
    return found


# --- HTTP -----------------------------------------------------------------------------------

@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self):
        return json.loads(self.body.decode("utf-8"))

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


def request(port: int, path: str, method: str = "GET", body: bytes | None = None,
            timeout: float = REQUEST_TIMEOUT) -> Response:
    """One request to 127.0.0.1:port; `path` is sent as is (already percent-encoded or not)."""
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.putrequest(method, path, skip_accept_encoding=True)
        conn.putheader("Content-Length", str(len(body or b"")))
        conn.endheaders(body)
        resp = conn.getresponse()
        return Response(resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read())
    finally:
        conn.close()


def raw_request(port: int, request_line: str, timeout: float = REQUEST_TIMEOUT) -> tuple[int, bytes]:
    """Send a hand-written request line (bytes a normal client would refuse to send)."""
    with socket.create_connection((HOST, port), timeout=timeout) as s:
        s.sendall(request_line.encode("latin-1") + b"\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    status_line = data.split(b"\r\n", 1)[0].decode("latin-1")
    return int(status_line.split()[1]), data


@dataclass
class Server:
    port: int
    process: subprocess.Popen
    log: Path

    def get(self, path: str, **kw) -> Response:
        return request(self.port, path, **kw)

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


@contextmanager
def serve(index: Path, corpus: Path, log_dir: Path, extra_args: tuple[str, ...] = ("--host", HOST)):
    """The production server (`python app.py`, waitress) on a free port, stopped on exit."""
    port = free_port()
    log = log_dir / f"server-{port}.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [PYTHON, "app.py", *extra_args, "--port", str(port),
             "--index", str(index), "--corpus", str(corpus)],
            cwd=REPO, env=subprocess_env(), stdout=out, stderr=subprocess.STDOUT,
        )
    server = Server(port, process, log)
    try:
        _wait_until_serving(server)
        yield server
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)


def _wait_until_serving(server: Server) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise AssertionError(f"server exited with {server.process.returncode}:\n{server.log_text()}")
        try:
            server.get("/api/search?q=%E7%A7%91%E6%8A%80", timeout=10)
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"server did not answer within {SERVER_START_TIMEOUT}s:\n{server.log_text()}")


def chromium_or_skip():
    """Debian's Chromium: required under CI (fail), optional on a developer's machine (skip)."""
    import pytest
    path = Path("/usr/bin/chromium")
    if not path.exists():
        message = "Debian's Chromium is not installed at /usr/bin/chromium (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path


CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


# --- builds stopped at a chosen point (see reliability_paused_build.py) ------------------------

@dataclass
class PausedBuild:
    process: subprocess.Popen
    marker: Path
    go: Path
    log: Path

    def wait_for_pause(self, timeout: float = BUILD_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while not self.marker.exists():
            if self.process.poll() is not None:
                raise AssertionError(f"build ended ({self.process.returncode}) before its pause point:\n"
                                     + self.log.read_text(encoding="utf-8", errors="replace"))
            if time.monotonic() > deadline:
                self.kill()
                raise AssertionError(f"build did not reach its pause point within {timeout}s")
            time.sleep(0.05)

    def resume(self) -> int:
        self.go.touch()
        return self.process.wait(timeout=BUILD_TIMEOUT)

    def kill(self) -> None:
        self.process.kill()      # SIGKILL: no cleanup handler of the build gets to run
        self.process.wait(timeout=30)

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


def start_paused_build(stage: str, corpus: Path, index: Path, work: Path) -> PausedBuild:
    work.mkdir(parents=True, exist_ok=True)
    marker, go, log = work / f"{stage}.paused", work / f"{stage}.go", work / f"{stage}.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [PYTHON, str(REPO / "tests" / "reliability_paused_build.py"), stage, str(marker), str(go),
             "--", "build", "--corpus", str(corpus), "--index", str(index)],
            cwd=REPO, env=subprocess_env(), stdout=out, stderr=subprocess.STDOUT,
        )
    return PausedBuild(process, marker, go, log)
