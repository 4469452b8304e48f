"""A saved government web page: its content area, its chrome removed, its links and address.

Every site wraps a document in different chrome — font-size switchers, print and close-window
links, share bars, related-article lists, breadcrumbs, navigation, footers — with different
class names, so nothing here looks at class names or phrases. The rules use what chrome is
made of:

* **the content area is where the sentences are**: each element is scored by the sentence
  punctuation (。；！？，) in its text outside links; starting from <body>, descend into the
  child holding the most while it still holds `CONTENT_SHARE` of the page's. Chrome has
  almost none (a footer's 版权所有 line has none or one), a document has hundreds;
* **chrome inside the content area is links**: a block whose letters are mostly link text
  (related lists, 上一篇/下一篇, breadcrumbs, share bars) is removed, with the short caption
  right before it (相关链接); links to files (附件) are document text and do not count;
* **actions are not text**: links that run script or go nowhere (`javascript:`, `#`) and
  elements with `onclick` (大 中 小, 打印, 关闭) are removed, and so is the block that held
  them when what is left has no sentence punctuation (【字体：】); inside a sentence
  (点击<a>这里</a>下载) only the link goes and its words stay;
* **attachments** are links to document files (.pdf, .docx, .xls, .zip …) anywhere on the page,
  listed as {title, url}, resolved against the page's address;
* **the page's address**: `<link rel=canonical>`, `og:url`, or the comment browsers write when
  saving a page (`<!-- saved from url=(0052)https://… -->`).
"""
from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from bs4 import BeautifulSoup, Comment, Tag

from indexer.records import Attachment
from indexer.text import web_address

SENTENCE_MARKS = re.compile(r"[。；！？，]")
LETTERS = re.compile(r"[\w\u3400-\u9fff]")
# Measured on the three fixture layouts and the seed pages: the body holds 92–100% of a
# page's sentence marks; 0.85 tolerates a footer sentence and a chatty related-list title.
CONTENT_SHARE = 0.85
LINK_SHARE = 0.5            # a block whose letters are over half link text is a link list
CAPTION_CHARS = 12          # a short block right before a removed link list is its caption
ACTION_REMAINDER_CHARS = 40  # what is left of an action bar is a label, not a paragraph
FILE_SUFFIX = re.compile(r"\.(pdf|docx?|wps|xlsx?|et|ofd|zip|rar|7z|txt|ceb|pptx?)$", re.IGNORECASE)
SAVED_FROM = re.compile(r"saved from url=\(\d+\)(\S+?)\s*$|^\s*url:\s*(https?://\S+)", re.MULTILINE)
BLOCK_TAGS = ["div", "section", "article", "main", "aside", "p", "ul", "ol", "dl", "table",
              "tr", "td", "li", "span", "h1", "h2", "h3", "h4", "h5", "h6"]


def page_url(soup: BeautifulSoup) -> str | None:
    """The page's own address: canonical link, og:url, or a saved-page comment."""
    link = soup.find("link", rel=lambda rel: rel and "canonical" in rel, href=True)
    if link and web_address(link["href"]):
        return web_address(link["href"])
    meta = soup.find("meta", attrs={"property": "og:url", "content": True})
    if meta and web_address(meta["content"]):
        return web_address(meta["content"])
    for comment in soup.find_all(string=lambda s: isinstance(s, Comment)):
        match = SAVED_FROM.search(str(comment))
        if match and web_address(match.group(1) or match.group(2)):
            return web_address(match.group(1) or match.group(2))
    return None


def attachments(soup: BeautifulSoup, base: str | None) -> list[Attachment]:
    """Links to document files, in page order, one per address."""
    found: dict[str, Attachment] = {}
    for link in soup.find_all("a", href=True):
        href = link["href"].strip()
        path = urlsplit(href).path
        if not FILE_SUFFIX.search(path):
            continue
        url = urljoin(base, href) if base else href
        title = link.get_text(" ", strip=True) or path.rsplit("/", 1)[-1]
        found.setdefault(url, Attachment(title=title, url=url))
    return list(found.values())


def _is_file_link(tag: Tag) -> bool:
    return bool(FILE_SUFFIX.search(urlsplit(tag.get("href", "")).path))


def _scores(root: Tag) -> dict[int, int]:
    """Sentence marks outside (non-file) links, per element id, summed up the tree."""
    scores: dict[int, int] = {}
    for text in root.find_all(string=True):
        if isinstance(text, Comment):
            continue
        link = text.find_parent("a")
        if link is not None and not _is_file_link(link):
            continue
        marks = len(SENTENCE_MARKS.findall(text))
        if marks:
            for parent in text.parents:
                scores[id(parent)] = scores.get(id(parent), 0) + marks
    return scores


def content_root(soup: BeautifulSoup) -> Tag:
    """The smallest element holding CONTENT_SHARE of the page's sentences."""
    root = soup.body or soup
    scores = _scores(root)
    total = scores.get(id(root), 0)
    if total == 0:
        return root
    while True:
        children = [child for child in root.children if isinstance(child, Tag)]
        best = max(children, key=lambda child: scores.get(id(child), 0), default=None)
        if best is None or scores.get(id(best), 0) < CONTENT_SHARE * total:
            return root
        root = best


def strip_chrome(root: Tag) -> None:
    """Remove action controls and link lists inside the content area (rules above)."""
    _remove_actions(root)
    for block in list(root.find_all(BLOCK_TAGS)):
        if block.decomposed or block.parent is None:
            continue
        if _link_share(block) > LINK_SHARE:
            caption = block.find_previous_sibling()
            if caption is not None and _is_caption(caption):
                caption.decompose()
            block.decompose()


def _remove_actions(root: Tag) -> None:
    """Action controls go; inside a sentence (点击<a>这里</a>下载) their words stay as text."""
    holders = []
    for tag in list(root.find_all(_is_action)):
        if tag.decomposed:
            continue
        holder = tag.find_parent(BLOCK_TAGS)
        if holder is not None and SENTENCE_MARKS.search(holder.get_text("", strip=True)):
            tag.unwrap()
            continue
        tag.decompose()
        if holder is not None and holder is not root:
            holders.append(holder)
    for holder in holders:
        if holder.decomposed:
            continue
        rest = holder.get_text("", strip=True)
        if not SENTENCE_MARKS.search(rest) and len(rest) < ACTION_REMAINDER_CHARS:
            holder.decompose()


def _is_action(tag: Tag) -> bool:
    if tag.has_attr("onclick"):
        return True
    if tag.name != "a":
        return False
    href = tag.get("href", "").strip().lower()
    return href in ("", "#") or href.startswith(("javascript:", "#"))


def _link_share(block: Tag) -> float:
    letters = len(LETTERS.findall(block.get_text("", strip=True)))
    if letters == 0:
        return 0.0
    linked = sum(len(LETTERS.findall(a.get_text("", strip=True)))
                 for a in block.find_all("a") if not _is_file_link(a))
    return linked / letters


def _is_caption(tag: Tag) -> bool:
    if not isinstance(tag, Tag):
        return False
    text = tag.get_text("", strip=True)
    return 0 < len(text) <= CAPTION_CHARS and not SENTENCE_MARKS.search(text)
