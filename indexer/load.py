"""Load: read every corpus file into a `SourceFile` (decoded text + metadata it states outright).

Six kinds of file are read:
* `.txt` — plain text, UTF-8 or any encoding charset-normalizer recognises (GB18030/GBK, Big5, UTF-16…);
* `.md` / `.markdown` — optional YAML front matter with the document's metadata, body via
  markdown → HTML → text;
* `.html` / `.htm` — a government web page: metadata table (发文机关, 成文日期, 发文字号 …), title,
  page address, attachments, and the text of the content area (`formats.webpage`);
* `.mhtml` / `.mht` — a page saved as one file: its HTML taken out of the MIME package
  (`formats.mhtml`), then read as an `.html` page;
* `.pdf` / `.docx` — read by `indexer.formats` in a child process with time and memory limits;
  their text arrives one paragraph per line, like md/html. Other types get a message saying
  how to convert them (`formats.unsupported`).

The text of md/html files is one block element per line, with no blank lines between blocks, so
that `clean` reads each block as one paragraph. Markup never survives: scripts, styles and
raw HTML come out as plain text or not at all.
"""
from __future__ import annotations

import codecs
import datetime
import os
import re
from pathlib import Path

import markdown
import yaml
from bs4 import BeautifulSoup, Comment, NavigableString, Tag
from charset_normalizer import from_bytes

from indexer.aliases import AliasTable, load_aliases
from indexer.formats import FormatError, mhtml, webpage
from indexer.formats.safe import read_binary
from indexer.formats.unsupported import unsupported
from indexer.records import BuildWarning, DocumentMeta, SourceFile

KINDS = {".txt": "txt", ".md": "md", ".markdown": "md", ".html": "html", ".htm": "html",
         ".mhtml": "mhtml", ".mht": "mhtml", ".pdf": "pdf", ".docx": "docx"}
BINARY_KINDS = {"pdf", "docx"}      # read by indexer.formats in a limited child process
# Files that carry images besides their text, so are held to MAX_BINARY_MB: a page saved as
# one file (.mhtml) holds every picture of the page, base64-encoded.
LARGE_KINDS = BINARY_KINDS | {"mhtml"}
CONFIG_FOLDER = "config"
# The largest seed file (a 17-document compilation) is 0.4 MB. A file fifty times that is not a
# policy document but an accident, and parsing it in full would stall every rebuild.
MAX_FILE_MB = float(os.environ.get("CESOU_MAX_FILE_MB", "10"))
# PDF and Word files carry seals, scans and fonts: a 30-page 公文 PDF with an embedded font and
# a seal image is 1–5 MB, a long one with figures 30 MB. Their text is bounded by the parser's
# time and memory limits, not by the file size.
MAX_BINARY_MB = float(os.environ.get("CESOU_MAX_BINARY_MB", "100"))


class LoadError(Exception):
    """A file that cannot be read as a document; the message names the file and the problem."""

    def __init__(self, name: str, problem: str):
        super().__init__(f"{name}: {problem}")
        self.name = name
        self.problem = problem


# --- decoding -------------------------------------------------------------------------------------

# Control characters other than tab/newline/carriage return/form feed never occur in text.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
MAX_CONTROL_SHARE = 0.01


def decode(data: bytes, name: str) -> tuple[str, str]:
    """Text and encoding name of a file's bytes: strict UTF-8 first, else detected."""
    if not data:
        raise LoadError(name, "empty file")
    try:
        text, encoding = data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        best = from_bytes(data).best()
        if best is None:
            raise LoadError(name, "not text (no plausible encoding; binary file?)") from None
        text, encoding = str(best), codecs.lookup(best.encoding).name
    return checked_text(text, name, encoding), encoding


def checked_text(text: str, name: str, encoding: str) -> str:
    """Decoded text as a corpus text: no BOM, one line-break form; LoadError when it is
    binary content or holds no text (`encoding` only names what it was read in)."""
    text = text.lstrip("\ufeff")
    if "\x00" in text or len(CONTROL.findall(text)) > MAX_CONTROL_SHARE * len(text):
        raise LoadError(name, "not text (binary content)")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise LoadError(name, f"no text after decoding ({encoding})")
    return text


# --- metadata -------------------------------------------------------------------------------------

# Front matter keys and metadata table labels, English and Chinese, → DocumentMeta field.
META_KEYS = {
    "title": "title", "标题": "title", "名称": "title",
    "doc_number": "doc_number", "文号": "doc_number", "发文字号": "doc_number",
    "issuers": "issuers", "issuer": "issuers", "发文机关": "issuers", "发布机关": "issuers",
    "date": "date", "成文日期": "date",
    "doc_type": "doc_type", "type": "doc_type", "文种": "doc_type", "公文种类": "doc_type",
    "themes": "themes", "theme": "themes", "主题分类": "themes", "主题": "themes",
    "url": "source_url", "source_url": "source_url", "原文链接": "source_url", "原文地址": "source_url",
}
# Publication dates only stand in for the 成文日期 when a page has none.
FALLBACK_DATE_KEYS = {"发布日期", "publish_date", "published"}
LIST_SEPARATORS = re.compile(r"[\s、，,；;/\\|]+")
DATE_FORMS = [
    re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(?:(\d{1,2})\s*日)?$"),
    re.compile(r"^(\d{4})[-./](\d{1,2})(?:[-./](\d{1,2}))?$"),
]


def normalise_date(value: str) -> str | None:
    """ISO date from a printed one: 2017年1月24日 → 2017-01-24, 2018年2月 → 2018-02; else None."""
    for form in DATE_FORMS:
        match = form.match(value.strip())
        if match:
            year, month, day = (int(g) if g else None for g in match.groups())
            try:
                datetime.date(year, month, day or 1)
            except ValueError:
                return None
            return f"{year:04d}-{month:02d}" + (f"-{day:02d}" if day else "")
    return None


def _as_list(value) -> list[str]:
    if isinstance(value, (list, tuple)):
        items = [str(v).strip() for v in value]
    else:
        items = LIST_SEPARATORS.split(str(value))
    found: list[str] = []
    for item in items:
        if item and item not in found:
            found.append(item)
    return found


def build_meta(pairs: list[tuple[str, object]], aliases: AliasTable) -> tuple[DocumentMeta, list[str]]:
    """DocumentMeta from (key, value) pairs of front matter or a metadata table, plus problems."""
    meta, problems = DocumentMeta(), []
    fallback_date = None
    for key, value in pairs:
        key = re.sub(r"\s+", "", str(key)).rstrip("：:")
        if value is None or str(value).strip() == "":
            continue
        if key in FALLBACK_DATE_KEYS:
            fallback_date = value
            continue
        target = META_KEYS.get(key) or META_KEYS.get(key.casefold())
        if target is None:
            problems.append(f"unknown metadata key {key!r} ignored")
        elif target == "issuers":
            meta.issuers = [aliases.canonical_issuer(name) for name in _as_list(value)]
        elif target == "themes":
            meta.themes = _as_list(value)
        elif target == "date":
            meta.date = _date_or_problem(value, problems)
        else:
            setattr(meta, target, re.sub(r"\s+", "", str(value)) if target == "doc_number"
                    else str(value).strip())
    if meta.date is None and fallback_date is not None:
        meta.date = _date_or_problem(fallback_date, problems)
    return meta, problems


def _date_or_problem(value, problems: list[str]) -> str | None:
    if isinstance(value, datetime.date):       # YAML reads 2017-01-24 as a date
        return value.isoformat()[:10]
    date = normalise_date(str(value))
    if date is None:
        problems.append(f"unreadable date {value!r} ignored")
    return date


# --- HTML to text -----------------------------------------------------------------------------------

BLOCKS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "tr", "blockquote", "pre", "div",
          "section", "article", "dt", "dd", "table", "ul", "ol", "hr", "caption", "figcaption"}
CELLS = {"td", "th"}
# Code and page furniture, never document text.
DROPPED = ["script", "style", "noscript", "template", "iframe", "object", "embed", "svg",
           "nav", "header", "footer", "form", "button", "select", "head"]


def html_text(root: Tag) -> str:
    """The visible text under `root`, one block element per line, no blank lines."""
    parts: list[str] = []
    _collect(root, parts)
    lines = (re.sub(r"[ \t\u00a0]+", " ", line).strip() for line in "".join(parts).split("\n"))
    return "\n".join(line for line in lines if line)


def _collect(node: Tag, parts: list[str]) -> None:
    for child in node.children:
        if isinstance(child, Comment):
            continue
        if isinstance(child, NavigableString):
            parts.append(re.sub(r"\s*\n\s*", " ", str(child)))
        elif isinstance(child, Tag):
            if child.name == "br":
                parts.append("\n")
            elif child.name in BLOCKS:
                parts.append("\n")
                _collect(child, parts)
                parts.append("\n")
            elif child.name in CELLS:
                parts.append(" ")
                _collect(child, parts)
                parts.append(" ")
            else:
                _collect(child, parts)


def _drop_furniture(soup: BeautifulSoup) -> list[str]:
    """Remove scripts, styles, navigation…; the names of removed code elements, for a warning."""
    removed = []
    for tag in soup.find_all(DROPPED):
        if tag.name in ("script", "iframe", "object", "embed") and not tag.find_parent(DROPPED):
            removed.append(tag.name)
        tag.decompose()
    return removed


# --- the three loaders ------------------------------------------------------------------------------

def load_file(path: Path, name: str, aliases: AliasTable | None = None) -> SourceFile:
    """Read one corpus file. Raises LoadError when it cannot be read as a document.

    Problems that do not stop loading (invalid front matter, a removed <script>) are listed in
    `SourceFile.warnings`.
    """
    path = Path(path)
    kind = KINDS.get(path.suffix.lower())
    if kind is None:
        raise LoadError(name, unsupported(path.suffix, sorted(KINDS)))
    try:
        size_mb = path.stat().st_size / 2**20
        limit, setting = ((MAX_BINARY_MB, "CESOU_MAX_BINARY_MB") if kind in LARGE_KINDS
                          else (MAX_FILE_MB, "CESOU_MAX_FILE_MB"))
        if size_mb > limit:
            raise LoadError(name, f"too large ({size_mb:.1f} MB; the limit is {limit:g} MB, "
                            f"set {setting} to raise it)")
        if kind in BINARY_KINDS:
            return _load_binary(path, name, kind)
        data = path.read_bytes()
    except OSError as error:
        raise LoadError(name, f"cannot read ({error.strerror})") from None
    aliases = aliases or load_aliases()
    if kind == "mhtml":
        return _load_saved_page(data, name, aliases)
    text, encoding = decode(data, name)
    if kind == "md":
        return _load_markdown(text, name, encoding, aliases)
    if kind == "html":
        return _load_html(text, name, encoding, aliases)
    return SourceFile(name=name, kind=kind, encoding=encoding, text=text)


def _load_binary(path: Path, name: str, kind: str) -> SourceFile:
    try:
        found = read_binary(path, kind)
    except FormatError as error:
        raise LoadError(name, str(error)) from None
    meta = DocumentMeta(source_url=found.source_url)
    return SourceFile(name=name, kind=kind, encoding="", text=found.text, meta=meta,
                      warnings=found.warnings, artifacts=found.artifacts)


FENCE = re.compile(r"\A---[ \t]*\n")
FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)^(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL | re.MULTILINE)


def split_front_matter(text: str) -> tuple[str | None, str]:
    """(front matter, body) of a markdown text; front matter is None when there is none."""
    match = FRONT_MATTER.match(text)
    if match is None:
        return None, text
    return match.group(1), text[match.end():]


# "3. 加强…" is a clause number as printed; as a markdown list item it would be renumbered or lost.
ORDERED_ITEM = re.compile(r"^(\s*(?:[-*+]\s+)?)(\d+)\.(?=\s)", re.MULTILINE)


def _load_markdown(text: str, name: str, encoding: str, aliases: AliasTable) -> SourceFile:
    warnings: list[str] = []
    front, body = split_front_matter(text)
    if FENCE.match(text) and front is None:
        warnings.append("front matter opened with --- but never closed; read as body text")
    meta = DocumentMeta()
    if front is not None:
        try:
            data = yaml.safe_load(front)
        except yaml.YAMLError as error:
            data = None
            warnings.append(f"invalid front matter ignored: {_yaml_problem(error)}")
        if isinstance(data, dict):
            meta, problems = build_meta(list(data.items()), aliases)
            warnings.extend(f"front matter: {problem}" for problem in problems)
        elif data is not None:
            warnings.append("invalid front matter ignored: not a mapping of keys to values")
    # a line break is kept (nl2br): Chinese markdown is not hard-wrapped, so a line is a
    # paragraph or a field, and `clean` detects a text that is wrapped after all
    html = markdown.markdown(ORDERED_ITEM.sub(r"\1\2\\.", body), extensions=["tables", "nl2br"])
    soup = BeautifulSoup(html, "html.parser")
    warnings.extend(f"raw HTML <{tag}> removed" for tag in _drop_furniture(soup))
    body_text = html_text(soup)
    if not body_text:
        raise LoadError(name, "no body text")
    return SourceFile(name=name, kind="md", encoding=encoding, text=body_text, meta=meta,
                      warnings=warnings)


def _yaml_problem(error: yaml.YAMLError) -> str:
    mark = getattr(error, "problem_mark", None)
    problem = getattr(error, "problem", None) or str(error).splitlines()[0]
    return f"{problem} (front matter line {mark.line + 1})" if mark else problem


TITLE_SUFFIX = re.compile(r"\s*[_|｜–—-]\s*[^_|｜–—-]*(?:网|门户|网站|政府|首页|portal|gov)[^_|｜]*$",
                          re.IGNORECASE)


def _load_saved_page(data: bytes, name: str, aliases: AliasTable) -> SourceFile:
    """A page saved as one file (.mhtml/.mht): its HTML read as a saved .html page, with the
    package's address as the page's when the HTML names none (indexer/formats/mhtml.py)."""
    try:
        page = mhtml.saved_page(data)
    except FormatError as error:
        raise LoadError(name, str(error)) from None
    text = None
    if page.charset:
        try:
            text = page.html.decode(page.charset)
        except (LookupError, UnicodeDecodeError):   # a charset that is wrong: detect instead
            pass
    if text is None:
        text, encoding = decode(page.html, name)
    else:
        text, encoding = checked_text(text, name, page.charset), page.charset
    return _load_html(text, name, encoding, aliases, address=page.address)


def _load_html(text: str, name: str, encoding: str, aliases: AliasTable,
               address: str | None = None) -> SourceFile:
    soup = BeautifulSoup(text, "html.parser")
    page_title = soup.title.get_text(" ", strip=True) if soup.title else ""
    url = webpage.page_url(soup)
    _drop_furniture(soup)       # every web page has scripts: not worth a warning
    warnings: list[str] = []
    pairs, table = _metadata_table(soup)
    meta, problems = build_meta(pairs, aliases)
    warnings.extend(f"metadata table: {problem}" for problem in problems)
    if table is not None:
        table.decompose()       # its cells are metadata, not body text
    shown_title = meta.title         # printed on the page (table or <h1>), not only in <title>
    if not meta.title:
        heading = soup.find("h1")
        shown_title = heading.get_text(" ", strip=True) if heading else None
        title = shown_title or TITLE_SUFFIX.sub("", page_title)
        meta.title = title or None
    meta.source_url = meta.source_url or url or address
    meta.attachments = webpage.attachments(soup, meta.source_url)
    content = webpage.content_root(soup)
    webpage.strip_chrome(content)
    body_text = html_text(content)
    if not body_text:
        raise LoadError(name, "no body text")
    if shown_title and re.sub(r"\s", "", shown_title) not in re.sub(r"\s", "", body_text):
        # pages show the title above the text area: put it back where the text path has it,
        # so that split reads the cover notice and the document it publishes as one
        body_text = f"{shown_title}\n{body_text}"
    return SourceFile(name=name, kind="html", encoding=encoding, text=body_text, meta=meta,
                      warnings=warnings)


def _label(cell: Tag) -> str:
    return re.sub(r"[\s\u3000]+", "", cell.get_text()).rstrip("：:")


LABEL_CELLS = ["td", "th", "dt", "dd"]    # a metadata table, or a <dl> of 发文机关 → 科技部


def _metadata_table(soup: BeautifulSoup) -> tuple[list[tuple[str, str]], Tag | None]:
    """(label, value) pairs of the table whose cells are known labels, and that table."""
    labels = set(META_KEYS) | FALLBACK_DATE_KEYS
    for table in soup.find_all(["table", "dl"]):
        pairs = []
        for cell in table.find_all(LABEL_CELLS):
            label = _label(cell)
            if label in labels:
                value = cell.find_next_sibling(LABEL_CELLS)
                if value is not None:
                    pairs.append((label, value.get_text(" ", strip=True)))
        if pairs:
            return pairs, table
    return [], None


# --- the corpus ---------------------------------------------------------------------------------------

# A browser saving a page "complete" (网页，全部) writes X.html and a folder X_files (Chrome,
# Edge, Firefox; X.files in older IE) of the page's styles, scripts, pictures and frames.
PAGE_SUFFIXES = (".html", ".htm", ".shtml", ".xhtml")
RESOURCE_FOLDER = re.compile(r"(?P<page>.+)[_.]files")
RESOURCE_FOLDER_NOTE = "浏览器另存网页时生成的资源文件夹（{count} 个样式、脚本、图片或框架文件），不作为文件收录"


def corpus_files(corpus_dir: Path) -> list[Path]:
    """Every file under the corpus folder except its config folder, hidden files and saved
    pages' resource folders (`resource_folders`), by name."""
    corpus_dir = Path(corpus_dir)
    if not corpus_dir.is_dir():
        raise LoadError(str(corpus_dir), "corpus folder not found")
    skipped = set(resource_folders(corpus_dir))
    files = []
    for path in corpus_dir.rglob("*"):
        parts = path.relative_to(corpus_dir).parts
        if path.is_file() and parts[0] != CONFIG_FOLDER and not any(p.startswith(".") for p in parts) \
                and not any(Path(*parts[:i]).as_posix() in skipped for i in range(1, len(parts))):
            files.append(path)
    return sorted(files, key=lambda path: path.relative_to(corpus_dir).as_posix())


def resource_folders(corpus_dir: Path) -> dict[str, int]:
    """The folders a browser wrote beside a saved page (X_files or X.files next to X.html):
    corpus-relative name → the files in it. None of them is a document: the page is."""
    found = {}
    for folder in Path(corpus_dir).rglob("*"):
        match = RESOURCE_FOLDER.fullmatch(folder.name)
        if match and folder.is_dir() and any(
                (folder.parent / (match["page"] + suffix)).is_file() for suffix in PAGE_SUFFIXES):
            name = folder.relative_to(corpus_dir).as_posix()
            if not any(name.startswith(f"{outer}/") for outer in found):
                found[name] = sum(1 for p in folder.rglob("*") if p.is_file())
    return found


def load_corpus(corpus_dir: Path) -> tuple[list[SourceFile], list[BuildWarning]]:
    """Load every document file; files that cannot be loaded become warnings, the rest loads."""
    corpus_dir = Path(corpus_dir)
    aliases = load_aliases(corpus_dir)
    sources: list[SourceFile] = []
    warnings: list[BuildWarning] = []
    for path in corpus_files(corpus_dir):
        name = path.relative_to(corpus_dir).as_posix()
        try:
            source = load_file(path, name, aliases)
        except LoadError as error:
            warnings.append(BuildWarning(source=name, message=f"skipped: {error.problem}"))
            continue
        sources.append(source)
        warnings.extend(BuildWarning(source=name, message=message) for message in source.warnings)
    return sources, warnings
