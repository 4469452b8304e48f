"""A hostile corpus: the build completes, names every bad file, indexes every good one, and nothing
from the corpus ever runs in a browser.

The corpus mixes a real seed file with: the same kind of document saved as GBK, random binary
bytes, an empty file, a whitespace-only file, a 20 MB file, a file with no headings, a
government web page full of `<script>`, event handlers and `javascript:` links, a Markdown file
with raw HTML, and a Markdown file with invalid front matter. Large and binary files are made at
test time; the readable ones are in tests/fixtures/hostile/.
"""
from __future__ import annotations

import random
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest

from indexer.records import SearchRequest
from reliability_support import (
    CHROMIUM_ARGS, SEED_CORPUS, SMALL_SEED_FILES, assert_built, build, chromium_or_skip, serve,
)

FIXTURES = Path(__file__).parent / "fixtures" / "hostile"
HUGE_BYTES = 20 * 1024 * 1024

# File → a word found only in it: if the build indexed the file, searching the word finds it.
MARKERS = {
    "网页.html": "琥珀蜂鸟",
    "原始HTML.md": "翡翠螳螂",
    "坏前言.md": "珊瑚海鞘",
    "无标题.txt": "玄武岩蜗牛",
    "国标编码.txt": "丹顶鹤编码",
}
HUGE = "超大文件.txt"
# Files that must be reported by name in the build's output.
PROBLEMS = ["二进制.txt", "空文件.txt", "空白.txt", "坏前言.md", HUGE]


def gbk_source() -> str:
    """A seed file that can be written in GBK (some seeds hold characters GBK lacks)."""
    for name in SMALL_SEED_FILES:
        try:
            (SEED_CORPUS / name).read_text(encoding="utf-8").encode("gbk")
            return name
        except UnicodeEncodeError:
            continue
    raise AssertionError("no seed file is GBK-encodable")


def write_huge_file(path: Path) -> None:
    """Unstructured Chinese prose, many short paragraphs, no headings: 20 MB of it."""
    line = ("本段文字反复出现，用来检验超大文件不会拖垮构建，也不会让其他文件丢失。"
            "科研管理、人才评价与成果转化等词语穿插其中。\n").encode("utf-8")
    with open(path, "wb") as out:
        for _ in range(HUGE_BYTES // len(line) + 1):
            out.write(line)


def make_hostile_corpus(folder: Path) -> tuple[Path, str]:
    """The hostile corpus and the name of the one untouched seed file in it."""
    folder.mkdir(parents=True)
    shutil.copytree(SEED_CORPUS / "config", folder / "config")
    for fixture in FIXTURES.iterdir():
        shutil.copy(fixture, folder / fixture.name)

    gbk_name = gbk_source()
    good = next(name for name in SMALL_SEED_FILES if name != gbk_name)
    shutil.copy(SEED_CORPUS / good, folder / good)
    text = (SEED_CORPUS / gbk_name).read_text(encoding="utf-8")
    marker = f"\n\n{MARKERS['国标编码.txt']}：本段检查国标编码的文件能被正确读取。\n"
    (folder / "国标编码.txt").write_bytes((text + marker).encode("gbk"))

    rng = random.Random(20240607)
    (folder / "二进制.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00" + rng.randbytes(64 * 1024))
    (folder / "空文件.txt").write_bytes(b"")
    (folder / "空白.txt").write_bytes(b" \n\t\n\r\n\xe3\x80\x80\n")   # spaces, tabs, an ideographic space
    write_huge_file(folder / HUGE)

    return folder, good


@dataclass
class HostileBuild:
    corpus: Path
    index: Path
    good: str                           # the untouched seed file
    done: subprocess.CompletedProcess   # the build command's exit code and output


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    corpus, good = make_hostile_corpus(root / "corpus")
    index = root / "index"
    return HostileBuild(corpus, index, good, build(corpus, index))


@pytest.fixture(scope="module")
def engine(hostile):
    from indexer.search import Engine
    assert_built(hostile.done)
    return Engine(hostile.index)


def sources_matching(engine, word: str) -> set[str]:
    hits = engine.search(SearchRequest(q=word, per_page=100)).hits
    return {engine.document(hit.doc_id).source for hit in hits}


def test_build_completes_and_names_every_bad_file(hostile):
    assert_built(hostile.done)
    output = hostile.done.stdout + hostile.done.stderr
    assert "Traceback" not in output
    for name in PROBLEMS:
        assert name in output, f"{name} is not reported by the build:\n{hostile.done.stdout}"


def test_every_good_file_is_indexed(engine, hostile):
    for name, word in MARKERS.items():
        assert name in sources_matching(engine, word), f"{name} was not indexed (searched {word})"
    assert hostile.good in {doc.source for doc in engine.documents()}, "the untouched seed file was lost"


def test_snippets_of_markup_documents_are_escaped(engine):
    """Tags in a source are dropped or kept as literal text; a snippet's only markup is <mark>."""
    for word in ("琥珀蜂鸟", "翡翠螳螂", "玄武岩蜗牛", "alert"):
        for hit in engine.search(SearchRequest(q=word, per_page=100)).hits:
            assert "<" not in re.sub(r"</?mark>", "", hit.snippet), hit.snippet


# --- the browser: nothing from the corpus executes -------------------------------------------

PROBE = """() => ({
    pwned: window.__pwned === undefined ? null : String(window.__pwned),
    inlineScripts: [...document.scripts].filter(s => !s.src).length,
    foreignScripts: [...document.scripts].filter(
        s => s.src && new URL(s.src).origin !== location.origin).length,
    handlers: [...document.querySelectorAll('*')].flatMap(el => [...el.attributes]
        .filter(a => a.name.startsWith('on')).map(a => el.tagName + ' ' + a.name)),
    jsLinks: [...document.querySelectorAll('[href],[src],[action],[formaction]')].filter(
        el => ['href', 'src', 'action', 'formaction'].some(
            name => /^\\s*(javascript|vbscript|data):/i.test(el.getAttribute(name) || ''))).length,
    frames: document.querySelectorAll('iframe, frame, object, embed').length,
})"""


@pytest.mark.browser
def test_no_script_runs_and_no_dialog_opens(engine, hostile, tmp_path):
    executable = chromium_or_skip()
    from playwright.sync_api import sync_playwright

    hostile_docs = {hit.doc_id for word in MARKERS.values()
                    for hit in engine.search(SearchRequest(q=word, per_page=100)).hits}
    paths = [f"/?q={quote(word)}" for word in MARKERS.values()] + ["/d", f"/?q={quote('alert')}"]
    for doc_id in sorted(hostile_docs):
        doc = engine.document(doc_id)
        paths += [f"/d/{doc_id}", f"/d/{doc_id}?q={quote('script')}"]
        paths += [f"/d/{doc_id}/{clause.id}" for clause in doc.clauses[:6]]

    dialogs, page_errors, offsite = [], [], []

    def on_dialog(dialog):
        dialogs.append(dialog.message)
        dialog.dismiss()

    with serve(hostile.index, hostile.corpus, tmp_path) as server, sync_playwright() as pw:
        origin = f"http://127.0.0.1:{server.port}"

        def only_this_server(route):
            if route.request.url.startswith(origin + "/"):
                route.continue_()
            else:
                offsite.append(route.request.url)
                route.abort()

        browser = pw.chromium.launch(executable_path=str(executable), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.on("dialog", on_dialog)
            page.on("pageerror", lambda error: page_errors.append(str(error)))
            page.route("**/*", only_this_server)
            for path in paths:
                response = page.goto(origin + path, wait_until="load", timeout=30_000)
                assert response.status == 200, f"{path} → {response.status}"
                found = page.evaluate(PROBE)
                assert found == {"pwned": None, "inlineScripts": 0, "foreignScripts": 0, "handlers": [],
                                 "jsLinks": 0, "frames": 0}, f"{path}: {found}"
        finally:
            browser.close()
    assert dialogs == [], f"a dialog opened: {dialogs}"
    assert offsite == [], f"the page tried to load from elsewhere: {offsite}"
    assert not [e for e in page_errors if "alert" in e or "pwned" in e], page_errors
