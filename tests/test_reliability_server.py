"""Exposure of the production server (`python app.py`, waitress): headers, binding, no writes,
no debug output, raw hostile requests, and a short run of the load script with zero errors."""
from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest

from reliability_support import (
    PYTHON, REPO, raw_request, serve, subprocess_env, tree_snapshot,
)

SAFE_REFERRER_POLICIES = {"no-referrer", "same-origin", "strict-origin",
                          "strict-origin-when-cross-origin"}


@pytest.fixture(scope="module")
def server(built_index, corpus_dir, tmp_path_factory):
    with serve(built_index, corpus_dir, tmp_path_factory.mktemp("server")) as running:
        yield running


@pytest.fixture(scope="module")
def clause_path(server):
    hit = server.get(f"/api/search?q={quote('科技')}").json()["hits"][0]
    return f"/d/{hit['doc_id']}/{hit['clause_id']}"


def csp_directives(policy: str) -> dict[str, list[str]]:
    directives = {}
    for part in policy.split(";"):
        if part.strip():
            name, *sources = part.split()
            directives[name.lower()] = sources
    return directives


def response_paths(clause_path: str) -> list[str]:
    """One of every kind of response: pages, JSON, CSV, static files, 400s and 404s."""
    static = sorted(p.name for p in (REPO / "static").iterdir() if p.is_file())
    return ["/", f"/?q={quote('基础研究')}", clause_path, clause_path.rsplit("/", 1)[0], "/d",
            f"/api/search?q={quote('科技')}", "/api/search?page=0", "/api/documents",
            f"/api/search.csv?q={quote('人工智能')}", "/d/no-such-document", "/api/documents/nope",
            "/?page=-1", *[f"/static/{name}" for name in static[:2]]]


def test_security_headers_on_every_response(server, clause_path):
    for path in response_paths(clause_path):
        response = server.get(path)
        assert response.status < 500, f"{path} → {response.status}"
        policy = response.headers.get("content-security-policy", "")
        directives = csp_directives(policy)
        assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy, f"{path}: {policy}"
        script_sources = directives.get("script-src", directives.get("default-src"))
        assert script_sources and "*" not in script_sources, f"{path}: scripts from anywhere: {policy}"
        assert directives.get("frame-ancestors") in (["'none'"], ["'self'"]), f"{path}: {policy}"
        assert response.headers.get("x-content-type-options", "").lower() == "nosniff", path
        assert response.headers.get("referrer-policy", "").lower() in SAFE_REFERRER_POLICIES, path


def test_write_methods_are_refused(server, clause_path):
    for method in ("POST", "PUT", "DELETE", "PATCH"):
        for path in ("/", "/api/search", "/api/documents", clause_path, "/d"):
            response = server.get(path, method=method, body=b"q=x")
            assert response.status == 405, f"{method} {path} → {response.status}"


RAW_ATTACKS = [
    "GET /d/..%2f..%2fetc/passwd HTTP/1.1",
    "GET /d/..%2f..%2fetc%2fpasswd HTTP/1.1",
    "GET /d/..%2F..%2F..%2F..%2Fetc%2Fpasswd HTTP/1.1",
    "GET /../../../../etc/passwd HTTP/1.1",
    "GET /static/../../../../etc/passwd HTTP/1.1",
    "GET /static/..%2f..%2f..%2f..%2fetc%2fpasswd HTTP/1.1",
    "GET /static/%2e%2e/%2e%2e/app.py HTTP/1.1",
    "GET /static/..%5c..%5capp.py HTTP/1.1",
    "GET /d/%00 HTTP/1.1",
    "GET /api/search?q=%E4%B8%ZZ%FF HTTP/1.1",
    "GET /api/search?q=%0d%0aSet-Cookie:%20pwned=1 HTTP/1.1",
]


@pytest.mark.parametrize("line", RAW_ATTACKS)
def test_raw_hostile_requests_get_4xx_or_a_plain_answer(server, line):
    status, data = raw_request(server.port, line)
    assert status in (200, 400, 404), f"{line} → {status}"
    if not line.startswith("GET /api/search"):
        assert status in (400, 404), f"{line} → {status}"
    assert b"root:x:0:0" not in data and b"def create_app" not in data
    head = data.split(b"\r\n\r\n", 1)[0].lower()
    assert b"set-cookie" not in head, "a header was injected through the query string"


@pytest.mark.parametrize("path", ["/search?q=%2F%2Fevil.example", "/documents?next=https://evil.example",
                                  "//evil.example/", "/search/..%2f%2fevil.example", "/\\evil.example"])
def test_redirects_stay_on_this_site(server, path):
    response = server.get(path)
    assert response.status < 500, f"{path} → {response.status}"
    if 300 <= response.status < 400:
        target = urlsplit(response.headers["location"])
        assert target.netloc in ("", f"127.0.0.1:{server.port}", f"localhost:{server.port}"), \
            f"{path} redirects off-site to {response.headers['location']}"


def test_no_debug_output_or_stack_trace(server):
    for path in ("/d/no-such-document", "/api/search?page=abc", "/no-such-page", "/api/search?q=%22"):
        text = server.get(path).text
        assert "Traceback" not in text and "Werkzeug Debugger" not in text and 'File "' not in text, path
    assert "Traceback" not in server.log_text(), "a request crashed inside the server"


def test_internal_error_is_a_plain_500_page(built_index, monkeypatch):
    """An unexpected exception (a bug, a broken disk) shows a generic page: no message, no trace."""
    from app import create_app
    from indexer import search

    def broken(self, req):
        raise RuntimeError("secret internal detail /etc/shadow")
    monkeypatch.setattr(search.Searcher, "search", broken)
    site = create_app({"CESOU_INDEX": built_index})
    assert not site.debug and not site.testing and not site.config["PROPAGATE_EXCEPTIONS"]
    for path in (f"/api/search?q={quote('科技')}", f"/?q={quote('科技')}"):
        response = site.test_client().get(path)
        body = response.get_data(as_text=True)
        assert response.status_code == 500, path
        assert "secret internal detail" not in body and "Traceback" not in body, body[:300]
        assert "content-security-policy" in {k.lower() for k in response.headers.keys()}


def listening_addresses(port: int) -> set[str]:
    """Local addresses with a socket listening on `port`, from /proc/net/tcp and tcp6."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        lines = Path(table).read_text().splitlines()[1:] if Path(table).exists() else []
        for line in lines:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port:     # 0A = LISTEN
                found.add(address)
    return found


def test_server_binds_loopback_unless_told_otherwise(built_index, corpus_dir, tmp_path):
    if not Path("/proc/net/tcp").exists():
        pytest.skip("needs Linux /proc/net/tcp to see which address the server listens on")
    with serve(built_index, corpus_dir, tmp_path, extra_args=()) as running:
        addresses = listening_addresses(running.port)
    ipv4_loopback, ipv6_loopback = "0100007F", "00000000000000000000000001000000"
    assert addresses and addresses <= {ipv4_loopback, ipv6_loopback}, f"listening on {addresses}"


def test_request_storm_writes_nothing(server, clause_path, built_index, corpus_dir):
    before_index, before_corpus = tree_snapshot(built_index), tree_snapshot(corpus_dir)
    paths = response_paths(clause_path) + [
        f"/api/search?q={quote(q)}"
        for q in ("科技", "基础研究", '"人工智能"', "中科院", "產教融合", "AI", "*", '"')]
    for _ in range(8):
        for path in paths:
            server.get(path)
        server.get("/api/search", method="POST", body=b'{"rebuild": true}')
        server.get("/api/documents", method="DELETE")
    assert tree_snapshot(built_index) == before_index, "serving changed the index folder"
    assert tree_snapshot(corpus_dir) == before_corpus, "serving changed the corpus folder"


def test_load_script_reports_zero_errors(server):
    done = subprocess.run(
        [PYTHON, "-m", "bench.load", "--port", str(server.port), "--seconds", "3", "--clients", "2",
         "--json"],
        cwd=REPO, env=subprocess_env(), capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(done.stdout)
    assert report["requests"] > 0 and report["errors"] == 0
    assert report["p95_ms"] >= report["median_ms"] > 0


def test_load_script_refuses_other_hosts():
    done = subprocess.run([PYTHON, "-m", "bench.load", "--host", "example.org", "--seconds", "1"],
                          cwd=REPO, env=subprocess_env(), capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert re.search("loopback", done.stderr), done.stderr
