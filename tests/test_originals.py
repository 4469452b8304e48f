"""The original stays available (issue 12, item 5): every version keeps the files its documents
were parsed from, /d/<doc_id>/source serves them as received, and the document page links to
the original, to its source URL and to its attachments (only real web addresses are links)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from app import create_app
from dataclasses import replace

from formats_fixtures import DOCUMENT, WEB_LAYOUTS, make_pdf
from indexer import index, originals, store
from indexer.cache import file_key
from reliability_support import SMALL_SEED_FILES, make_corpus

TXT_GBK = "国务院关于加强科研数据管理的通知.txt"
PAGE = "科研数据共享管理办法.html"
PDF = "办法.pdf"


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, Path]:
    """A corpus of seed files, a GBK text file, a saved web page and a PDF, built once."""
    root = tmp_path_factory.mktemp("originals")
    corpus = make_corpus(root / "corpus", SMALL_SEED_FILES[:2])
    seed = next(p for p in sorted(corpus.glob("*.txt")))
    (corpus / TXT_GBK).write_bytes(seed.read_text(encoding="utf-8").encode("gb18030"))
    seed.unlink()
    page = WEB_LAYOUTS["table"]().replace(
        "</body>", '<p><a href="javascript:alert(1)">附件：恶意链接.pdf</a></p></body>')
    (corpus / PAGE).write_text(page, encoding="utf-8")
    # Another document than the page's (the same one would be folded as its copy).
    make_pdf(corpus / PDF, document=[
        replace(b, text=b.text.replace("科研数据", "大型科研仪器").replace("共享", "开放").replace("35号", "36号"))
        for b in DOCUMENT])
    index.build(corpus, root / "index", show_progress=False)
    return corpus, root / "index"


@pytest.fixture(scope="module")
def client(built):
    return create_app({"CESOU_INDEX": built[1]}).test_client()


def documents_by_source(client) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {}
    for d in client.get("/api/documents").get_json()["documents"]:
        found.setdefault(d["source"], []).append(d)
    return found


def test_every_document_serves_its_file_as_received(client, built):
    corpus, _ = built
    by_source = documents_by_source(client)
    assert {TXT_GBK, PAGE, PDF} <= set(by_source)
    for source, documents in by_source.items():
        for d in documents:
            response = client.get(f"/d/{d['id']}/source")
            assert response.status_code == 200, source
            assert response.get_data() == (corpus / source).read_bytes()
            assert Path(source).name in response.headers["Content-Disposition"] or \
                "filename*=UTF-8''" in response.headers["Content-Disposition"]
            assert "sandbox" in response.headers["Content-Security-Policy"]


def test_each_kind_is_served_so_a_browser_shows_it_right(client):
    by_source = documents_by_source(client)
    pdf = client.get(f"/d/{by_source[PDF][0]['id']}/source")
    assert pdf.mimetype == "application/pdf" and pdf.headers["Content-Disposition"].startswith("inline")
    text = client.get(f"/d/{by_source[TXT_GBK][0]['id']}/source")
    assert text.mimetype == "text/plain" and text.headers["Content-Disposition"].startswith("inline")
    assert text.mimetype_params["charset"] == "gb18030"
    page = client.get(f"/d/{by_source[PAGE][0]['id']}/source")
    # A saved page is downloaded, never shown as a page of this site.
    assert page.headers["Content-Disposition"].startswith("attachment")


def test_the_document_page_links_the_original_the_address_and_the_attachments(client):
    d = documents_by_source(client)[PAGE][0]
    soup = BeautifulSoup(client.get(f"/d/{d['id']}").get_data(as_text=True), "html.parser")
    original = soup.select_one("dd.original a")
    assert original["href"] == f"/d/{d['id']}/source" and original.get_text() == PAGE
    address = soup.select_one("dd.source-url a")
    assert address["href"] == d["source_url"] and address["href"].startswith("https://")
    links = {a.get_text(): a["href"] for a in soup.select("dd.attachments a")}
    assert {(a["title"], a["url"]) for a in d["attachments"] if a["url"].startswith("https://")} \
        <= set(links.items())
    # An address that is not http(s) is shown, never linked.
    assert not any(href.lower().startswith("javascript") for href in links.values())
    assert not soup.select('a[href^="javascript"]')


def test_a_clause_page_links_the_original_too(client):
    d = documents_by_source(client)[PDF][0]
    clause = client.get(f"/api/documents/{d['id']}").get_json()["clauses"][0]["id"]
    soup = BeautifulSoup(client.get(f"/d/{d['id']}/{clause}").get_data(as_text=True), "html.parser")
    assert soup.select_one("dd.original a")["href"] == f"/d/{d['id']}/source"


def test_an_unknown_document_or_a_version_without_originals_is_a_chinese_404(client, built, tmp_path):
    response = client.get("/d/no-such-document/source")
    assert response.status_code == 404 and "没有编号为" in response.get_data(as_text=True)
    _, index_dir = built
    version = store.published_version(index_dir)
    d = documents_by_source(client)[PDF][0]
    kept = version / store.ORIGINALS / PDF
    moved = tmp_path / "moved.pdf"
    os.replace(kept, moved)
    try:
        response = client.get(f"/d/{d['id']}/source")
        assert response.status_code == 404 and "原始文件" in response.get_data(as_text=True)
    finally:
        os.replace(moved, kept)


def test_a_rebuild_links_unchanged_originals_and_copies_the_changed_one(built, tmp_path):
    corpus, _ = built
    work = make_corpus(tmp_path / "corpus", [])
    for path in corpus.iterdir():
        if path.is_file():
            (work / path.name).write_bytes(path.read_bytes())
    index_dir = tmp_path / "index"
    index.build(work, index_dir, show_progress=False)
    first = store.published_version(index_dir)
    with open(work / TXT_GBK, "ab") as handle:
        handle.write("\n附加条款：本通知自印发之日起施行。\n".encode("gb18030"))
    index.build(work, index_dir, show_progress=False)
    second = store.published_version(index_dir)
    assert second != first
    for name in (PAGE, PDF):
        assert (second / store.ORIGINALS / name).stat().st_ino == (first / store.ORIGINALS / name).stat().st_ino
    assert (second / store.ORIGINALS / TXT_GBK).read_bytes() == (work / TXT_GBK).read_bytes()
    assert (first / store.ORIGINALS / TXT_GBK).read_bytes() != (work / TXT_GBK).read_bytes()


def test_a_file_changed_during_the_build_is_not_kept_as_its_original(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_bytes(b"now")
    version = tmp_path / "version"
    warnings = originals.write(version, corpus, ["a.txt"], {"a.txt": file_key("a.txt", b"then")})
    assert warnings == {"a.txt": [originals.CHANGED_DURING_BUILD]}
    assert originals.path_of(version, "a.txt") is None


@pytest.mark.parametrize("name", ["../corpus/a.txt", "/etc/passwd", "sub/../../corpus/a.txt"])
def test_a_name_never_leads_outside_the_originals(tmp_path, name):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_bytes(b"x")
    version = tmp_path / "version"
    originals.write(version, corpus, ["a.txt"], {"a.txt": file_key("a.txt", b"x")})
    assert originals.path_of(version, "a.txt") is not None
    assert originals.path_of(version, name) is None
