"""Cut a cleaned source file into documents and read each document's metadata.

A file holds one document or a compilation of many. Every document ends with a signature block
and a date line (成文日期), so the file is first cut after each date line that closes a body.
Each piece then reads the same way from both ends:

    head: [letterhead …文件] [文号] [issuer header "教育部 财政部等"] [附件] title [文号] [adoption note]
    body: addressee, text …
    tail: [signature: issuer names, 1-3 lines] date        (or "中国科协 2021年8月27日")

A cover notice (关于印发《X》的通知) and the piece after it whose title is X are one document:
X's title and body, the notice's 文号, issuers and date, the notice's body in `notice`.
Lines after a date line that come before the next title ("（此件公开发布）") are a postscript
of the document before it. A colophon (版记: 抄送 lines, the printing office, "…印发") is
metadata, like the signature.

Titles. The title is kept as printed, minus a separate issuer header line. A title that starts
with issuer names:
- followed by 关于 ("国务院关于…的意见") is kept whole: 关于 makes the issuer part of the title;
- fused without 关于 ("国务院新一代人工智能发展规划") is a header run into the title: the names
  are the issuers and the title is the rest ("新一代人工智能发展规划");
- unless a cover notice names the title in 《》: then it is the title as published, issuer and all.

Issuers come from the signature, else the header line, else the title; each body separately,
canonical names from the alias table; a body missing from the table is recognised by how
bodies are named (…人民政府, …委员会). The date is the signature date, else an adoption note
under the title ("（2014年7月7日经…审议通过）"). The type is the longest genre word the title ends with (patterns.DOC_TYPES).
Traditional characters are read as simplified but kept as printed. Metadata the source states
(front matter, an HTML metadata table) overrides all of this when the file holds one document.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from opencc import OpenCC

from indexer.aliases import AliasTable
from indexer.patterns import (ATTACHMENT_LINE, BULLET, COLOPHON_LINE, DATE, DOC_NUMBER, DOC_TYPES,
                              ISSUER_NAME, NAMED_HEADING, OTHER_TYPE, SENTENCE_MARK, find_label)
from indexer.records import CleanText, DraftDocument, Paragraph, SourceFile

_GENRE_END = re.compile(r"(?:" + "|".join(DOC_TYPES) + r")$")

_DATE_LINE = re.compile(rf"^(?P<who>.*?)\s*{DATE}$")
_DATE_IN_TEXT = re.compile(DATE)
# "（2014年7月7日经…审议通过）" printed under a title.
_ADOPTION_NOTE = re.compile(r"^[(（].*?\d{4}\s*年.*(?:通过|发布|印发|施行)[)）]$")
_PUBLISHED_TITLE = re.compile(r"(?:印发|发布|转发|颁布)\s*《?(?P<title>.+?)》?\s*的?通知$")
# The colophon (版记) closing a printed document: distribution lines (patterns.COLOPHON_LINE)
# and the "…印发" date.
_PRINTED_ON = re.compile(rf"^.{{0,30}}?{DATE}\s*印发$")
_IN_PARENTHESES = re.compile(r"^[(（].*[)）]$")
_PARENTHETICAL_END = re.compile(r"[(（][^()（）]*[)）]$")
# Words that make a body's name into the name of one of its own offices.
_SUB_BODIES = ("办公厅", "办公室", "党组", "机关")

_T2S = OpenCC("t2s")

_MAX_TITLE_PARAGRAPHS = 4      # a title wrapped over several printed lines
_MAX_SIGNATURE_LINES = 3
_TITLE_MAX_CHARS = 120
_FALLBACK_TITLE_CHARS = 30


@dataclass
class _Piece:
    """One stretch of a file between date lines, read as head + body + tail."""
    title: str = ""
    title_printed: bool = True          # False when the title had to be made up from body text
    doc_number: str = ""
    header_issuers: list[str] = field(default_factory=list)
    header_text: str = ""
    signature_issuers: list[str] = field(default_factory=list)
    date: str = ""
    adoption_date: str = ""
    head: list[Paragraph] = field(default_factory=list)
    body: list[Paragraph] = field(default_factory=list)
    tail: list[Paragraph] = field(default_factory=list)

    @property
    def published_title(self) -> str | None:
        """For a cover notice, the title of the document it publishes."""
        match = _PUBLISHED_TITLE.search(simplified(self.title))
        return match.group("title") if match else None


def split(text: CleanText, source: SourceFile, aliases: AliasTable) -> list[DraftDocument]:
    """The documents in one cleaned source file, in file order, with their metadata."""
    paragraphs = [p for p in text.paragraphs if p.text.strip()]
    if not paragraphs:
        return []
    pieces: list[_Piece] = []
    for chunk in _cut_after_dates(paragraphs, aliases):
        if pieces:
            # What follows a date line before the next title ("（此件公开发布）"), or a last
            # stretch without a sentence, is a postscript of the document; its colophon is metadata.
            start = _next_document_start(chunk, aliases)
            if not any(SENTENCE_MARK.search(p.text) for p in chunk[start:]):
                start = len(chunk)
            postscript = chunk[:start]
            colophon = _colophon_start(postscript, 0, aliases)
            pieces[-1].body.extend(postscript[:colophon])
            pieces[-1].tail.extend(postscript[colophon:])
            chunk = chunk[start:]
        if chunk:
            pieces.append(_read_piece(chunk, aliases))
    drafts: list[DraftDocument] = []
    i = 0
    while i < len(pieces):
        piece = pieces[i]
        following = pieces[i + 1] if i + 1 < len(pieces) else None
        if following is not None and _publishes(piece, following):
            drafts.append(_published_document(piece, following, source.name, aliases))
            i += 2
        else:
            drafts.append(_document(piece, source.name, aliases))
            i += 1
    if len(drafts) == 1:
        _apply_stated_metadata(drafts[0], source, aliases)
    return drafts


# --- cutting a file into pieces --------------------------------------------------------------

def _cut_after_dates(paragraphs: list[Paragraph], aliases: AliasTable) -> list[list[Paragraph]]:
    """Cut after every signature date line that closes a body (a date under a title does not)."""
    chunks: list[list[Paragraph]] = [[]]
    has_body = False
    for paragraph in paragraphs:
        chunks[-1].append(paragraph)
        if has_body and parse_date_line(paragraph.text, aliases) is not None:
            chunks.append([])
            has_body = False
        else:
            has_body = has_body or bool(SENTENCE_MARK.search(paragraph.text))
    return [chunk for chunk in chunks if chunk]


def _next_document_start(chunk: list[Paragraph], aliases: AliasTable) -> int:
    """Where the head of the next document starts: its first title, 文号 or issuer line."""
    for i, paragraph in enumerate(chunk):
        text = paragraph.text.strip()
        if (_title_like(text) or is_doc_number(text) or ATTACHMENT_LINE.match(text)
                or issuer_list(text, aliases) is not None):
            return i
    return len(chunk)


def _read_piece(chunk: list[Paragraph], aliases: AliasTable) -> _Piece:
    piece = _Piece()
    start = _read_head(chunk, piece, aliases)
    end = _read_tail(chunk, start, piece, aliases)
    piece.body = chunk[start:end]
    return piece


def _read_head(chunk: list[Paragraph], piece: _Piece, aliases: AliasTable) -> int:
    """Read letterhead, 文号, issuer header, title and what follows the title; return where the
    body starts."""
    i = 0
    while i < len(chunk):
        text = chunk[i].text.strip()
        if is_doc_number(text):
            piece.doc_number = piece.doc_number or compact(text)
        elif _is_letterhead(text, aliases) or ATTACHMENT_LINE.match(text):
            pass
        elif (names := issuer_list(text, aliases)) is not None:
            piece.header_issuers = names
            piece.header_text = text
        else:
            break
        piece.head.append(chunk[i])
        i += 1

    title_length = _title_length(chunk, i)
    if title_length == 0:
        piece.title = _fallback_title(chunk[i:] or chunk)
        piece.title_printed = False
        return i
    piece.title = "".join(p.text.strip() for p in chunk[i:i + title_length])
    piece.head.extend(chunk[i:i + title_length])
    i += title_length

    # The 文号, an adoption note or a date printed right under the title belong to the head.
    for _ in range(2):
        if i >= len(chunk):
            break
        text = chunk[i].text.strip()
        if is_doc_number(text):
            piece.doc_number = piece.doc_number or compact(text)
        elif _ADOPTION_NOTE.match(text) and (date := _iso_date(_DATE_IN_TEXT.search(text))):
            piece.adoption_date = date
        elif (dated := parse_date_line(text, aliases)) is not None and not dated[0]:
            piece.adoption_date = dated[1]
        else:
            break
        piece.head.append(chunk[i])
        i += 1
    return i


def _title_length(chunk: list[Paragraph], start: int) -> int:
    """How many paragraphs from `start` make the title: one, or a title wrapped over several
    short lines that only ends with its genre word (…的通知, …工作分工方案). 0 when the paragraph
    at `start` is not a title at all (body text, a numbered heading)."""
    if start >= len(chunk) or not _title_like(chunk[start].text):
        return 0
    joined = ""
    for length in range(1, _MAX_TITLE_PARAGRAPHS + 1):
        if start + length > len(chunk) or not _title_like(chunk[start + length - 1].text):
            break
        joined += chunk[start + length - 1].text.strip()
        if ends_with_genre(joined):
            return length
    return 1


def _title_like(text: str) -> bool:
    text = text.strip()
    return (0 < len(text) <= _TITLE_MAX_CHARS and not SENTENCE_MARK.search(text)
            and not text.endswith(("：", ":")) and not _IN_PARENTHESES.match(text)
            and not _opens_body(text))


def _opens_body(text: str) -> bool:
    """A numbered or named heading, or a bullet: the start of a body, never a title."""
    return bool(find_label(text) or NAMED_HEADING.match(text) or BULLET.match(text))


def _fallback_title(chunk: list[Paragraph]) -> str:
    """A title for a piece that prints none: its first sentence, shortened."""
    first = chunk[0].text.strip()
    sentence = re.split(r"[。！？；，：,:]", first, maxsplit=1)[0]
    return sentence[:_FALLBACK_TITLE_CHARS]


def _read_tail(chunk: list[Paragraph], start: int, piece: _Piece, aliases: AliasTable) -> int:
    """Read the closing date line and the signature lines above it; return where they start."""
    end = _colophon_start(chunk, start, aliases)
    piece.tail = chunk[end:]
    if end <= start:
        return end
    dated = parse_date_line(chunk[end - 1].text, aliases)
    if dated is None:
        return end
    who, piece.date = dated
    end -= 1
    signature: list[str] = list(who)
    lines = 0
    while end > start and lines < _MAX_SIGNATURE_LINES:
        names = issuer_list(chunk[end - 1].text, aliases)
        if names is None:
            break
        signature = names + signature
        end -= 1
        lines += 1
    piece.signature_issuers = _unique(signature)
    piece.tail = chunk[end:] + piece.tail
    return end


def _colophon_start(chunk: list[Paragraph], start: int, aliases: AliasTable) -> int:
    """Where the colophon (版记) at the end of a printed document starts: 抄送/主送 lines and the
    printing office above its "2021年8月30日印发" line. It records distribution, not content, so
    like the signature it is metadata, not a clause."""
    end = len(chunk)
    if end <= start or not _PRINTED_ON.match(chunk[end - 1].text.strip()):
        return end
    end -= 1
    while end > start and (COLOPHON_LINE.match(chunk[end - 1].text.strip())
                           or issuer_list(chunk[end - 1].text, aliases) is not None):
        end -= 1
    return end


# --- pieces to documents ---------------------------------------------------------------------

def _publishes(notice: _Piece, following: _Piece) -> bool:
    """Whether `notice` is a cover notice for the document in `following`."""
    published = notice.published_title
    if published is None or not following.title_printed:
        return False
    a, b = _letters(published), _letters(following.title)
    return a.startswith(b) or b.startswith(a) or SequenceMatcher(None, a, b).ratio() >= 0.8


def _published_document(notice: _Piece, published: _Piece, source: str,
                        aliases: AliasTable) -> DraftDocument:
    issuers = (notice.signature_issuers or notice.header_issuers
               or published.signature_issuers or published.header_issuers
               or title_issuers(notice.title, aliases)[0])
    return DraftDocument(
        source=source,
        title=published.title,
        doc_number=notice.doc_number or published.doc_number,
        issuers=issuers,
        date=notice.date or published.date or notice.adoption_date or published.adoption_date,
        doc_type=doc_type(published.title),
        paragraphs=published.body,
        notice=notice.body,
        consumed=notice.head + notice.tail + published.head + published.tail,
    )


def _title_starts_in_header(piece: _Piece) -> bool:
    """A single body's name alone above the title, with no signature that it would repeat, is the
    title's first printed line (中国科学院 / “率先行动”计划…纲要). Compilation headers list several
    bodies or end in 等, and a signed document's header only repeats its signature."""
    return (not piece.signature_issuers and len(piece.header_issuers) == 1
            and piece.header_text == piece.header_issuers[0]
            and not simplified(piece.title).startswith("关于"))


def _document(piece: _Piece, source: str, aliases: AliasTable) -> DraftDocument:
    title = piece.title
    fused_issuers, rest = title_issuers(title, aliases)
    if _title_starts_in_header(piece):
        title = piece.header_text + title
    elif fused_issuers and rest and not simplified(rest).startswith("关于"):
        title = rest
    return DraftDocument(
        source=source,
        title=title,
        doc_number=piece.doc_number,
        issuers=piece.signature_issuers or piece.header_issuers or fused_issuers,
        date=piece.date or piece.adoption_date,
        doc_type=doc_type(title) if piece.title_printed else OTHER_TYPE,
        paragraphs=piece.body,
        consumed=piece.head + piece.tail,
    )


def _apply_stated_metadata(draft: DraftDocument, source: SourceFile, aliases: AliasTable) -> None:
    meta = source.meta
    if meta.title:
        draft.title = meta.title
    if meta.doc_number:
        draft.doc_number = compact(meta.doc_number)
    if meta.issuers:
        draft.issuers = list(meta.issuers)
    elif meta.title and not draft.issuers:
        draft.issuers = title_issuers(meta.title, aliases)[0]
    if meta.date:
        draft.date = meta.date
    if meta.doc_type:
        draft.doc_type = doc_type(meta.doc_type)
    elif meta.title:
        draft.doc_type = doc_type(meta.title)


# --- reading single lines -------------------------------------------------------------------

def compact(text: str) -> str:
    """The text without any whitespace (wraps and layout put spaces into 文号 and dates)."""
    return re.sub(r"\s+", "", text)


def is_doc_number(text: str) -> bool:
    """Whether a whole line is a 文号 such as 国发〔2017〕35号 (spaces allowed)."""
    return bool(DOC_NUMBER.match(simplified(compact(text))))


def parse_date_line(text: str, aliases: AliasTable) -> tuple[list[str], str] | None:
    """A date line, optionally preceded by the signing bodies ("中国科协 2021 年 8 月 27 日"):
    (issuers, ISO date) or None. The date is YYYY-MM-DD, or YYYY-MM when no day is printed."""
    match = _DATE_LINE.match(text.strip())
    date = _iso_date(match)
    if date is None:
        return None
    who = match.group("who").strip()
    issuers = issuer_list(who, aliases) if who else []
    return None if issuers is None else (issuers, date)


def issuer_list(text: str, aliases: AliasTable) -> list[str] | None:
    """The canonical issuers when the whole line is a list of issuing bodies, else None.

    Bodies are separated by spaces ("教育部 财政部等"), letter-spaced ("科 技 部 国 家 …") or
    run together ("科技部国家发展改革委财政部"); run-together names are split greedily with the
    alias table's lexicon. A trailing 等 ("and others") is dropped.
    """
    text = simplified(text.strip())
    if text.endswith("等"):
        text = text[:-1].strip()
    tokens = text.split()
    if len(tokens) >= 3 and all(len(t) == 1 for t in tokens):
        tokens = ["".join(tokens)]
    if not tokens:
        return None
    names: list[str] = []
    for token in tokens:
        known = split_issuer_names(token, aliases)
        if known is not None:
            names.extend(known)
        elif ISSUER_NAME.match(token):
            names.append(aliases.canonical_issuer(token))
        else:
            return None
    return _unique(names)


def split_issuer_names(text: str, aliases: AliasTable) -> list[str] | None:
    """Canonical names when `text` is entirely a run of known issuer names, else None."""
    names: list[str] = []
    lexicon = aliases.issuer_names()
    i = 0
    while i < len(text):
        name = next((n for n in lexicon if text.startswith(n, i)), None)
        if name is None:
            return None
        names.append(aliases.canonical_issuer(name))
        i += len(name)
    return names or None


def title_issuers(title: str, aliases: AliasTable) -> tuple[list[str], str]:
    """The issuers a title starts with and the rest of it as printed: any bodies before 关于
    ("中国科协办公厅关于…"), else known names fused to the title ("国务院新一代…规划")."""
    title = title.strip()
    reading = simplified(title)
    before, about, _ = reading.partition("关于")
    if about and before and (names := issuer_list(before, aliases)) is not None:
        return names, title[len(before):]
    lexicon = aliases.issuer_names()
    names = []
    i = 0
    while name := next((n for n in lexicon if reading.startswith(n, i)), None):
        names.append(aliases.canonical_issuer(name))
        i += len(name)
        while reading[i:i + 1].isspace():
            i += 1
    if reading.startswith(_SUB_BODIES, i):
        return [], title            # 中国科协 + 办公厅…: the name of another body, not a prefix
    return _unique(names), title[i:]


def ends_with_genre(title: str) -> bool:
    return bool(_GENRE_END.search(_without_parenthetical(compact(simplified(title)))))


def doc_type(title: str) -> str:
    """The type from the longest genre word the title ends with (…实施办法（暂行） → 办法,
    …三年行动计划 → 行动计划), else 其他."""
    core = _without_parenthetical(compact(simplified(title)))
    return max((t for t in DOC_TYPES if core.endswith(t)), key=len, default=OTHER_TYPE)


def _without_parenthetical(title: str) -> str:
    while _PARENTHETICAL_END.search(title):
        title = _PARENTHETICAL_END.sub("", title)
    return title


def _is_letterhead(text: str, aliases: AliasTable) -> bool:
    """"中国科学技术协会文件": the issuer's name printed above an official document."""
    text = compact(text)
    return text.endswith("文件") and issuer_list(text[:-2], aliases) is not None


def _iso_date(match: re.Match | None) -> str | None:
    """YYYY-MM-DD (or YYYY-MM without a day) from a patterns.DATE match; None if impossible."""
    if match is None:
        return None
    year, month = _number(match.group("y")), _number(match.group("m"))
    if not 1 <= month <= 12:
        return None
    if match.group("d") is None:
        return f"{year:04d}-{month:02d}"
    day = _number(match.group("d"))
    return f"{year:04d}-{month:02d}-{day:02d}" if 1 <= day <= 31 else None


_CN_VALUES = {c: i for i, c in enumerate("〇一二三四五六七八九")} | {"零": 0}


def _number(text: str) -> int:
    """An Arabic (also full-width) or Chinese number: 2017, 二〇一七, 十二, 二十四; 0 if malformed."""
    if text.isdigit():
        return int(text)
    tens, ten, units = text.partition("十")
    if not ten:
        return int("".join(str(_CN_VALUES[c]) for c in text))
    if len(tens) > 1 or len(units) > 1 or "十" in units:
        return 0
    return (_CN_VALUES[tens] if tens else 1) * 10 + (_CN_VALUES[units] if units else 0)


def _letters(text: str) -> str:
    """Only letters and digits: titles compared across quoting, bracket and script styles."""
    return "".join(c for c in simplified(text) if c.isalnum())


def simplified(text: str) -> str:
    """Traditional characters read as simplified (国務院 → 国务院), character by character so
    that offsets into the printed text stay valid. Only for reading: titles stay as printed."""
    return "".join(_T2S.convert(c) or c for c in text)


def _unique(names: list[str]) -> list[str]:
    return list(dict.fromkeys(names))
