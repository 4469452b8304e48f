"""A web page saved as one file (.mhtml from Chrome/Edge "网页，单个文件", .mht from IE/360):
the page's HTML out of its MIME package, read then as any saved page (load._load_html).

A researcher who saves a gov.cn page as a single file gets a MIME message (RFC 2557,
multipart/related): the page's HTML as its first text/html part (quoted-printable or base64),
then stylesheets, images and the HTML of each frame. Rules, and why:

- **The page is the first text/html part** (or the part the package names as its `start`):
  browsers write the main frame first; later text/html parts are frames (share bars, related
  lists, counters) and are not read.
- **Its charset** is the part's own `charset` parameter when it has one (IE writes gb2312), else
  the bytes are decoded as any text file (load.decode: UTF-8, else detected) — Chrome leaves the
  parameter out and keeps the page's `<meta charset>`.
- **Its address** is the package's `Snapshot-Content-Location` (Chrome) or the part's
  `Content-Location` (IE), if it is a web (http/https) address: the page's source URL when
  the HTML itself names none.
- Parsed with the standard library's `email` package: a package is text (base64 at worst), so
  its size bounds the work; a file that is no MIME package, or has no HTML part, is an error
  that says so.
"""
from __future__ import annotations

import email
import email.policy
from dataclasses import dataclass
from email.message import EmailMessage

from indexer.formats import FormatError
from indexer.text import web_address

NOT_A_PACKAGE = "不是浏览器保存的单文件网页（MHTML）：没有找到网页正文部分，请在浏览器中重新另存为网页"


@dataclass
class SavedPage:
    html: bytes             # the page's HTML as saved (transfer encoding undone)
    charset: str | None     # its declared charset, when the package states one
    address: str | None     # the page's address, when the package states one


def saved_page(data: bytes) -> SavedPage:
    """The main page of an MHTML package (see the module docstring)."""
    package = email.message_from_bytes(data, policy=email.policy.default)
    page = _main_part(package)
    if page is None:
        raise FormatError(NOT_A_PACKAGE)
    html = page.get_payload(decode=True)
    if not isinstance(html, bytes) or not html.strip():
        raise FormatError(NOT_A_PACKAGE)
    # The address the page was saved from, when it is a web one (not file:, about:).
    address = web_address(str(package.get("Snapshot-Content-Location") or page.get("Content-Location") or ""))
    return SavedPage(html=html, charset=page.get_content_charset(), address=address or None)


def _main_part(package: EmailMessage) -> EmailMessage | None:
    if not package.is_multipart():
        return package if package.get_content_type() == "text/html" else None
    start = package.get_param("start")
    parts = [p for p in package.walk() if not p.is_multipart()]
    if start:
        wanted = str(start).strip()
        for part in parts:
            if str(part.get("Content-ID", "")).strip() == wanted:
                return part
    return next((p for p in parts if p.get_content_type() == "text/html"), None)
