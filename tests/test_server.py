"""The production server's own answers (web/server.py) and the README's pasteable examples.

`python app.py` serves through waitress, which parses the request line before Flask sees it:
a raw UTF-8 URL (what curl sends for `curl 'http://…?q=基础研究'`) must be answered like its
percent-encoded form, and waitress's own error bodies must be Chinese.
"""
from __future__ import annotations

import json
import re
import shlex
import socket
from pathlib import Path

import pytest

from reliability_support import HOST, REQUEST_TIMEOUT, serve
from web.server import percent_encode_non_ascii

README = Path(__file__).resolve().parents[1] / "README.md"


@pytest.fixture(scope="module")
def server(built_index, corpus_dir, tmp_path_factory):
    with serve(built_index, corpus_dir, tmp_path_factory.mktemp("server")) as running:
        yield running


def send(port: int, request_line: bytes) -> tuple[int, bytes, bytes]:
    """A hand-written request line as raw bytes: (status, head, body)."""
    with socket.create_connection((HOST, port), timeout=REQUEST_TIMEOUT) as s:
        s.sendall(request_line + b"\r\nHost: 127.0.0.1:%d\r\nConnection: close\r\n\r\n" % port)
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split()[1]), head, body


def test_percent_encoding_touches_only_non_ascii_bytes():
    assert percent_encode_non_ascii("/api/search?q=基础".encode()) == b"/api/search?q=%E5%9F%BA%E7%A1%80"
    ascii_line = b"/api/search?q=%E5%9F%BA&year=2017#x"
    assert percent_encode_non_ascii(ascii_line) == ascii_line


def test_raw_utf8_url_is_answered_like_its_encoded_form(server):
    status, _, body = send(server.port, "GET /api/search?q=基础研究&per_page=3 HTTP/1.1".encode())
    assert status == 200, body[:300]
    raw = server.get("/api/search?q=%E5%9F%BA%E7%A1%80%E7%A0%94%E7%A9%B6&per_page=3").json()
    assert json.loads(body) == raw and raw["query"] == "基础研究" and raw["total"] > 0


def test_raw_utf8_path_reaches_the_site(server):
    status, _, body = send(server.port, "GET /d/不存在的文件 HTTP/1.1".encode())
    assert status == 404 and "没有编号为 不存在的文件 的文件" in body.decode()


def test_waitress_own_errors_are_chinese(server):
    status, head, body = send(server.port, b"GET /api/search?q=x HTTP/1.1\r\nBad Header Line")
    assert status == 400 and b"charset=utf-8" in head.lower()
    text = body.decode("utf-8")
    assert re.search(r"[\u4e00-\u9fff]", text) and "Bad Request" not in text and "waitress" not in text


def readme_curl_commands() -> list[list[str]]:
    commands = []
    for line in README.read_text(encoding="utf-8").splitlines():
        if line.lstrip().startswith("curl "):
            commands.append(shlex.split(line.split(" #", 1)[0].split(">", 1)[0]))
    return commands


def test_readme_curl_examples_send_only_ascii_urls():
    """A pasted example must work with any server and proxy: non-ASCII goes through
    `-G --data-urlencode`, never raw in the URL."""
    commands = readme_curl_commands()
    assert len(commands) >= 4
    for words in commands:
        urls = [w for w in words if w.startswith("http")]
        assert urls and all(url.isascii() for url in urls), words
        if any(not w.isascii() for w in words):
            assert "-G" in words and "--data-urlencode" in words, words
