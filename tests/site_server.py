"""Serving the real app on a free loopback port, and the Chromium the browser tests drive."""
from __future__ import annotations

import os
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs):
        pass    # one line per request would bury the test output


@contextmanager
def serving(app):
    """The app on 127.0.0.1:<free port> in a thread; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()


def require_chromium() -> None:
    """Browser tests must run in CI (fail there); elsewhere a missing Chromium only skips them."""
    if CHROMIUM.exists():
        return
    reason = f"Debian's Chromium is not installed at {CHROMIUM} (apt-get install chromium)"
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


def launch(playwright):
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)


# A notice whose title and clauses carry markup: every page must show it as text and run nothing.
HOSTILE_DOCUMENT = """科技部关于加强<script>alert(1)</script>测试工作的通知

国科发测〔2020〕1号

各有关单位：

一、总体要求

（一）<script>alert(1)</script>各单位要加强测试工作，确保"<b>安全</b>"。

（二）<img src=x onerror=alert(2)>严格落实测试责任。

二、工作措施

加强组织领导，完善工作机制。

科技部

2020年1月2日
"""


def build_hostile_index(folder: Path) -> Path:
    """A one-document corpus with <script> in its title and text, built into `folder`/index."""
    from indexer import index
    corpus = folder / "corpus"
    corpus.mkdir()
    (corpus / "测试通知-2020.txt").write_text(HOSTILE_DOCUMENT, encoding="utf-8")
    index.build(corpus, folder / "index", show_progress=False)
    return folder / "index"
