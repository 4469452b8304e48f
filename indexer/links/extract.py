"""Reference extraction: every mention of a document (or of a clause) in a document's clauses.

Rules, in the order they are applied to each clause's heading and text:

1. **Titles.** A balanced 《…》 is a cited title, whatever it holds (〈…〉, “…”, （暂行）, a
   cover-notice wrapper 关于印发〈…〉的通知). A title printed next to a media word (北京卫视
   《档案》栏目, 短视频《我志愿》, 出版《…》图书) names a programme or a book, not a document,
   and is skipped.
2. **What is attached to a title.** A bracket right after it — （国发〔2015〕64号，以下简称《总体
   方案》） — belongs to that reference: its 文号 becomes the reference's doc_number and a
   `简称`/`以下简称` defines an abbreviation for the rest of the document (with 《》 or quotes).
   A pointer right after the title or bracket (第十条, 第十条第三款, 第二章) is the cited article.
3. **Abbreviations.** A later 《总体方案》 (or 《试点方案》 for a “试点方案” definition) is the
   document defined earlier: its title and 文号 are copied, so it resolves like the full title.
4. **文号.** A 文号 not attached to a title (patterns.DOC_NUMBER's shape, found inside running
   text, any of 〔〕[]（）【】 half or full width, spaces allowed) is a reference of its own. The
   issuing code is the run of Han characters before the bracket after the last character of
   wording that never occurs in a code (见/照/据/实/和 … : 各地要对照国发〔2016〕62号 → 国发).
5. **Pointers into the citing document.** 本办法第五条 (本 + a genre word + 第N条; not 本法,
   which also ends 基本法), 前款, 前条, 本条第N款, and — in documents numbered by articles — a
   bare 第N条 (not right after a law's name: 科学技术进步法第三十条 is someone else's) are
   references to the citing document itself (internal=True); they resolve to its clauses.
6. **Relation**, from the wording of the sentence around the mention, with titles and brackets
   masked so words inside a cited title (《关于贯彻落实…》) never count:
   废止 (同时废止/予以废止/废止/停止执行/不再执行, before or after it) > 修订 (修订/修改/代替/
   取代) > 配套 (配套 in the same stretch, or the sentence goes on to 制定本实施细则/实施办法/
   实施方案) > 依据 (根据/依据/依照/按照/遵照/参照/对照/(贯彻)落实/贯彻 earlier in the same comma
   stretch, or the mention followed by (中的)(明确/有关…)要求/规定) > 提及. A stretch ends
   at ，：。；, so 根据《A》，制定《B》 makes only A a 依据.

Nothing here looks at file names or particular documents; every rule is about the wording.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

from indexer.links.model import Reference, Relation
from indexer.patterns import DOC_NUMBER, SELF_GENRES as _GENRES
from indexer.records import Clause, Document

MAX_TITLE = 120                 # a longer 《 … 》 span is an unbalanced bracket, not a title

# patterns.DOC_NUMBER is anchored to a whole line (a document's own 文号); the same shape
# searched inside running text finds cited ones.
DOC_NUMBER_IN_TEXT = re.compile(DOC_NUMBER.pattern.removeprefix("^").removesuffix("$"))
# Characters of the wording that can precede a cited 文号 inside a run of Han characters
# (根据/按照/落实/见/对照/和 …) and never occur in an issuing code (国发, 国科发政, 科协发智字):
# the code is what follows the last of them (各地要对照国发〔2016〕62号 → 国发).
_NOT_IN_AGENCY = re.compile(r"[见照据按依遵对和及与或的是即经由以将在同并于为要求根实执印转等]")

_NUM = r"[一二三四五六七八九十百零〇两\d]+"
POINTER = re.compile(rf"第{_NUM}[章条](?:第{_NUM}款)?(?:第{_NUM}项)?")
OWN_POINTER = re.compile(rf"本(?:{_GENRES})(?P<p>第{_NUM}[章条](?:第{_NUM}款)?(?:第{_NUM}项)?)"
                         rf"|前[一二三两]?款|前条|本条第{_NUM}款")
BARE_ARTICLE = re.compile(rf"(?<![》号法例定则])第{_NUM}条(?:第{_NUM}款)?(?:第{_NUM}项)?")

_MEDIA = re.compile(r"(?:栏目|节目|图书|一书|丛书|杂志|期刊|报纸|专栏|短视频|视频|纪录片|电视剧|电影|"
                    r"歌曲|书籍|出版|卫视|频道|刊物)")
_ABBREVIATION = re.compile(r"(?:以下)?简称\s*《?(?P<abbr>[^《》，,。；;）)]{1,30})")
_OPEN, _CLOSE = "（(", "）)"
_QUOTES = "“”\"「」『』‘’'〈〉《》"

_STRETCH_END = "，,：:。；;！？!?\n"
_SENTENCE_END = "。；;！？!?\n"
_REPEAL = re.compile(r"同时废止|予以废止|废止|停止执行|不再执行")
_REVISE = re.compile(r"修订|修改|代替|取代")
_BASIS = re.compile(r"根据|依据|依照|按照|遵照|参照|对照|贯彻落实|落实|贯彻")
# Citing a document's 要求/规定 is acting on it: 是《…》中的明确要求, 按《…》有关规定.
_BASIS_AFTER = re.compile(r"^中?的?(?:明确|有关|相关|总体|具体|各项)?(?:要求|规定)")
_SUPPORT_AFTER = re.compile(r"本(?:实施细则|细则|实施办法|实施方案|实施意见)")
_MASK = "□"


@dataclass(kw_only=True)
class _Span:
    """A mention found in one string, before it becomes a Reference."""
    start: int
    end: int
    title: str = ""
    doc_number: str = ""
    article: str = ""
    internal: bool = False
    defines: str = ""           # abbreviation defined right after it


def extract_document(document: Document) -> list[Reference]:
    """Every reference in the document, in clause order, abbreviations expanded."""
    abbreviations: dict[str, tuple[str, str]] = {}     # key(abbr) → (title, doc_number)
    has_articles = any(c.id.startswith("art-") for c in document.clauses)
    found: list[Reference] = []
    for clause in document.clauses:
        for field_name in ("heading", "text"):
            text = getattr(clause, field_name)
            if text:
                spans = find_spans(text, has_articles=has_articles)
                found.extend(_references(document, clause, field_name, text, spans, abbreviations))
    return found


def _references(document: Document, clause: Clause, field_name: str, text: str,
                spans: list[_Span], abbreviations: dict[str, tuple[str, str]]) -> Iterator[Reference]:
    masked = mask(text, spans)
    for span in spans:
        title, number = span.title, span.doc_number
        abbreviated = abbreviations.get(abbreviation_key(title)) if title and not number else None
        if abbreviated:
            title, number = abbreviated[0], abbreviated[1]
        if span.defines:
            abbreviations[abbreviation_key(span.defines)] = (title, number)
        relation, cue = relation_of(masked, span.start, span.end)
        yield Reference(doc=document.id, clause=clause.id, field=field_name, start=span.start,
                        end=span.end, text=text[span.start:span.end], title=title,
                        doc_number=number, article=span.article, relation=relation, cue=cue,
                        internal=span.internal, abbreviated=bool(abbreviated))


def find_spans(text: str, *, has_articles: bool = False) -> list[_Span]:
    """Mentions in one string, in order, none overlapping."""
    spans: list[_Span] = []
    taken: list[tuple[int, int]] = []
    for start, end in title_spans(text):
        if _overlaps(start, end, taken) or _is_media(text, start, end):
            continue
        span = _title_span(text, start, end)
        spans.append(span)
        taken.append((span.start, span.end))      # with its bracket: 以下简称《…》 is no mention
    for match in DOC_NUMBER_IN_TEXT.finditer(text):
        span = _number_span(text, match)
        if span and not _overlaps(span.start, span.end, taken):
            spans.append(span)
            taken.append((span.start, span.end))
    for span in _own_pointers(text, has_articles):
        if not _overlaps(span.start, span.end, taken):
            spans.append(span)
            taken.append((span.start, span.end))
    return sorted(spans, key=lambda s: s.start)


def title_spans(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each outermost balanced 《…》, end past the closing 》."""
    depth, start = 0, -1
    for i, char in enumerate(text):
        if char == "《":
            if depth == 0:
                start = i
            depth += 1
        elif char == "》" and depth:
            depth -= 1
            if depth == 0 and 2 < i + 1 - start <= MAX_TITLE:
                yield start, i + 1


def _title_span(text: str, start: int, end: int) -> _Span:
    span = _Span(start=start, end=end, title=text[start + 1:end - 1].strip())
    bracket_end = _bracket_after(text, end)
    if bracket_end:
        inside = text[end + 1:bracket_end - 1]
        number = DOC_NUMBER_IN_TEXT.search(inside)
        abbreviation = _ABBREVIATION.search(inside)
        if number or abbreviation:
            span.doc_number = compact_number(number.group()) if number else ""
            span.defines = abbreviation.group("abbr").strip(_QUOTES) if abbreviation else ""
            span.end = bracket_end
    pointer = POINTER.match(text, span.end)
    if pointer:
        span.article, span.end = pointer.group(), pointer.end()
    return span


def _bracket_after(text: str, position: int) -> int:
    """End (past the closing bracket) of a （…） starting at position, else 0."""
    if position >= len(text) or text[position] not in _OPEN:
        return 0
    depth = 0
    for i in range(position, min(len(text), position + 80)):
        if text[i] in _OPEN:
            depth += 1
        elif text[i] in _CLOSE:
            depth -= 1
            if depth == 0:
                return i + 1
    return 0


def _number_span(text: str, match: re.Match) -> _Span | None:
    """A free-standing cited 文号, its issuing code trimmed of preceding wording."""
    agency = _NOT_IN_AGENCY.split(match.group("agency"))[-1]
    if not agency:
        return None
    start = match.start("agency") + len(match.group("agency")) - len(agency)
    span = _Span(start=start, end=match.end(), doc_number=compact_number(text[start:match.end()]))
    pointer = POINTER.match(text, span.end)
    if pointer:
        span.article, span.end = pointer.group(), pointer.end()
    return span


def _own_pointers(text: str, has_articles: bool) -> Iterator[_Span]:
    for match in OWN_POINTER.finditer(text):
        article = match.group("p") or match.group()
        yield _Span(start=match.start(), end=match.end(), article=article, internal=True)
    if has_articles:
        for match in BARE_ARTICLE.finditer(text):
            yield _Span(start=match.start(), end=match.end(), article=match.group(), internal=True)


def _is_media(text: str, start: int, end: int) -> bool:
    return bool(_MEDIA.search(text[max(0, start - 4):start]) or _MEDIA.match(text, end))


def _overlaps(start: int, end: int, taken: list[tuple[int, int]]) -> bool:
    return any(start < e and s < end for s, e in taken)


def mask(text: str, spans: list[_Span]) -> str:
    """The text with every mention and every bracketed aside blanked out (same length), so
    relation cues are read from the citing sentence's own words only."""
    chars = list(text)
    for span in spans:
        chars[span.start:span.end] = _MASK * (span.end - span.start)
    position = 0
    while position < len(chars):            # balanced asides only: a stray （ hides nothing
        close = _bracket_after(text, position) if chars[position] in _OPEN else 0
        if close:
            chars[position:close] = _MASK * (close - position)
        position = max(close, position + 1)
    return "".join(chars)


def relation_of(masked: str, start: int, end: int) -> tuple[Relation, str]:
    """The relation the wording around masked[start:end] gives it, and the cue word."""
    stretch_start = max((masked.rfind(c, 0, start) for c in _STRETCH_END), default=-1) + 1
    ends = [i for i in (masked.find(c, end) for c in _STRETCH_END) if i >= 0]
    stretch_end = min(ends, default=len(masked))
    before, after = masked[stretch_start:start], masked[end:stretch_end]
    sentence_ends = [i for i in (masked.find(c, end) for c in _SENTENCE_END) if i >= 0]
    rest = masked[end:min(sentence_ends, default=len(masked))]
    for relation, pattern in ((Relation.REPEAL, _REPEAL), (Relation.REVISE, _REVISE)):
        cue = _last(pattern, before) or _first(pattern, after)
        if cue:
            return relation, cue
    if "配套" in before or "配套" in after:
        return Relation.SUPPORT, "配套"
    basis = _last(_BASIS, before) or _first(_BASIS_AFTER, after)
    support = _SUPPORT_AFTER.search(rest)
    if basis and support:
        return Relation.SUPPORT, support.group()
    if basis:
        return Relation.BASIS, basis
    return Relation.MENTION, ""


def _last(pattern: re.Pattern, text: str) -> str:
    found = pattern.findall(text)
    return found[-1] if found else ""


def _first(pattern: re.Pattern, text: str) -> str:
    found = pattern.search(text)
    return found.group() if found else ""


def compact_number(text: str) -> str:
    """A 文号 as printed with spaces removed and full-width digits made ASCII."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)
                  ).replace("號", "号").replace("(", "（").replace(")", "）")


def abbreviation_key(text: str) -> str:
    """An abbreviation compared without quotes, brackets or spaces: 《试点方案》 = “试点方案”."""
    return re.sub(rf"[\s{_QUOTES}]", "", unicodedata.normalize("NFKC", text))
