"""Web pages saved as one file (.mhtml from Chrome/Edge, .mht from IE): the page inside the MIME
package reads exactly as the same page saved as .html — clause tree, metadata, address,
attachments — whatever the package's transfer encoding and charset, and the frames, styles and
pictures packed with it never reach a clause. Packages are written here as browsers write them
(RFC 2557: multipart/related, the page first, quoted-printable or base64)."""
from __future__ import annotations

import base64
import quopri
import re

import pytest

from formats_fixtures import WEB_LAYOUTS
from indexer.formats import mhtml
from indexer.load import LoadError, load_file
from test_formats_html import ATTACHMENTS, CHROME, URLS, parse, tree

BOUNDARY = "----MultipartBoundary--Cesou7d3f1c2b9a----"
FRAME_TEXT = "框架里的相关推荐：科研数据管理办法解读（图解）"


def package(html: bytes, address: str, *, charset: str | None = None, encoding: str = "quoted-printable",
            browser: str = "chrome") -> bytes:
    """An MHTML package holding `html` as its page, then a stylesheet, a picture and a frame."""
    head = ["From: <Saved by Blink>", f"Snapshot-Content-Location: {address}"] if browser == "chrome" \
        else ["From: <由 Windows Internet Explorer 8 保存>"]
    head += ["Subject: =?utf-8?Q?=E7=A7=91=E6=8A=80=E9=83=A8?=", "MIME-Version: 1.0",
             f'Content-Type: multipart/related;\r\n\ttype="text/html";\r\n\tboundary="{BOUNDARY}"']
    page_type = "text/html" + (f'; charset="{charset}"' if charset else "")
    parts = [_part(page_type, html, address, encoding),
             _part("text/css", b"body { font-size: 16px; }", address + ".css", "quoted-printable"),
             _part("image/png", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, address + ".png", "base64"),
             _part("text/html", f"<html><body><p>{FRAME_TEXT}</p></body></html>".encode(),
                   "https://www.gov.cn/frame/related.htm", "quoted-printable")]
    body = b"".join(f"--{BOUNDARY}\r\n".encode() + p for p in parts) + f"--{BOUNDARY}--\r\n".encode()
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


def _part(content_type: str, data: bytes, location: str, encoding: str) -> bytes:
    if encoding == "base64":
        encoded = base64.encodebytes(data)
    else:
        encoded = quopri.encodestring(data)
    encoded = encoded.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    return (f"Content-Type: {content_type}\r\nContent-Transfer-Encoding: {encoding}\r\n"
            f"Content-Location: {location}\r\n\r\n").encode() + encoded + b"\r\n"


def html_of(layout: str) -> str:
    return WEB_LAYOUTS[layout]()


@pytest.mark.parametrize("encoding", ["quoted-printable", "base64"])
@pytest.mark.parametrize("layout", sorted(WEB_LAYOUTS))
def test_a_chrome_package_reads_as_the_saved_html_page(tmp_path, layout, encoding):
    (tmp_path / "page.html").write_text(html_of(layout), encoding="utf-8")
    (tmp_path / "page.mhtml").write_bytes(package(html_of(layout).encode(), URLS[layout], encoding=encoding))
    _, as_html = parse(tmp_path / "page.html")
    source, as_mhtml = parse(tmp_path / "page.mhtml")
    assert tree(as_mhtml) == tree(as_html)
    [a], [b] = as_html, as_mhtml
    assert (b.title, b.doc_number, b.issuers, b.date, b.source_url, b.attachments) == \
        (a.title, a.doc_number, a.issuers, a.date, URLS[layout], ATTACHMENTS[layout])
    printed = "".join(c.label + c.heading + c.text for c in b.clauses)
    assert FRAME_TEXT not in printed and "font-size" not in printed
    assert not [word for word in CHROME if word in printed]


def test_an_ie_package_in_gbk_with_its_charset_declared(tmp_path):
    page = html_of("flat")
    (tmp_path / "page.html").write_text(page, encoding="utf-8")
    (tmp_path / "page.mht").write_bytes(
        package(page.encode("gbk"), URLS["flat"], charset="gbk", browser="ie"))
    source, documents = parse(tmp_path / "page.mht")
    assert tree(documents) == tree(parse(tmp_path / "page.html")[1])
    assert source.encoding == "gbk" and documents[0].source_url == URLS["flat"]


def test_the_package_address_is_the_source_url_when_the_page_names_none(tmp_path):
    page = re.sub(r'<link rel="canonical"[^>]*>', "", html_of("div"))
    assert "canonical" not in page
    address = "https://www.most.gov.cn/xxgk/saved/t20230612_35.html"
    (tmp_path / "page.mhtml").write_bytes(package(page.encode(), address))
    [document] = parse(tmp_path / "page.mhtml")[1]
    assert document.source_url == address
    # A relative attachment link is resolved against that address.
    assert document.attachments[0].url == "https://www.most.gov.cn/xxgk/saved/P020230612_1.docx"


def test_a_local_address_is_not_a_source_url(tmp_path):
    page = re.sub(r'<link rel="canonical"[^>]*>', "", html_of("div"))
    (tmp_path / "page.mhtml").write_bytes(package(page.encode(), "file:///C:/Users/a/page.html"))
    assert mhtml.saved_page((tmp_path / "page.mhtml").read_bytes()).address is None
    assert load_file(tmp_path / "page.mhtml", "page.mhtml").meta.source_url is None


@pytest.mark.parametrize("data", [b"just some text, no package", b"MIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\nhi",
                                  b"\x00\x01\x02" * 100])
def test_a_file_that_is_no_saved_page_says_so(tmp_path, data):
    path = tmp_path / "broken.mhtml"
    path.write_bytes(data)
    with pytest.raises(LoadError, match="MHTML"):
        load_file(path, path.name)
