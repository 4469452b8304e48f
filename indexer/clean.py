"""Clean: rebuild real paragraphs from a source file's physical lines.

The sources are exports of PDFs, Word files and web pages, and each kind wraps text its own way.
Three line models cover them, and the model is detected from the text itself:

* **trailing-space model** (PDF exports): every physical line is a hard wrap, and a line that
  ends with a space is the last line of its paragraph;
* **fixed-width model** (plain text wrapped at a set width): a line filled to the width goes
  on in the next line, unless that one is indented or starts a heading;
* **line model** (everything else): a physical line is a paragraph, except that a paragraph
  cut in two by a blank line (a wrap the export turned into an empty line) is re-joined when the
  first part does not end a sentence; lines that touch are separate paragraphs (field lines of
  task records), except the physical lines of one long title.

On top of either model, some lines always stand alone: date lines, 文号 lines, and headings
that start a page. Artifacts (page numbers, an OCR'd table of contents, Word bookmark tags,
markdown markup) are dropped and kept in `CleanText.artifacts`, so that a later check can prove
that nothing else was lost. Finally the text is normalised: spaces inside Chinese text removed,
half-width punctuation in Chinese context made full width.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from indexer.aliases import AliasTable, load_aliases
from indexer.patterns import (BULLET, DATE, DOC_NUMBER, DOC_TYPES, FIELD_LINE, ISSUER_NAME,
                              LINE_END, NAMED_LABEL, LabelStyle, find_label)
from indexer.records import CleanText, Paragraph, SourceFile
from indexer.text import display_width

# --- character classes --------------------------------------------------------------------

# Ideographs plus the CJK punctuation and full-width forms a Chinese text is set in.
CJK = "\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef\u2014\u2026\u201c\u201d\u2018\u2019"
CJK_CHAR = re.compile(f"[{CJK}]")
IDEOGRAPH = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")

# --- line kinds -----------------------------------------------------------------------------

# The style of a heading printed with a name (前言, 附则, 附件2) instead of a number.
NAMED_STYLE = "named"


def label_style(text: str) -> str | None:
    """The numbering style of the label the text starts with (patterns.LABELS), or None.

    Arabic labels count as one style per mark here (1. and 1、): a document may set one on lines
    of their own and run the other in, and run-in styles are told apart by that.
    """
    found = find_label(text)
    if found is None:
        return NAMED_STYLE if NAMED_LABEL.match(text) else None
    if found.style is LabelStyle.ARABIC:
        return f"{found.style}{found.label[-1]}"
    return found.style


# A heading that stands on its own line is short and holds no full stop.
STANDALONE_HEADING_MAX = 60
# The wrapped tail of a standalone heading (空 / 重要手段和保障) is short and has no punctuation.
HEADING_TAIL_MAX = 20

# A date line, possibly signed on the same line (中国科协 2021 年 8 月 27 日) or marked 印发/发布.
DATE_LINE = re.compile(rf"^(?:(?P<signer>\S.*?)\s+)?{DATE}\s*(?:印发|发布)?$")
# A line wholly in brackets, e.g. an adoption note under a title.
PAREN_LINE = re.compile(r"^[（(][^（()）]*[）)]$")
# Document types a title ends with, possibly followed by a bracketed period (2021—2025年).
TITLE_END = re.compile(
    r"(?:" + "|".join(DOC_TYPES) + r")[》”\"]*(?:的通知)?\s*(?:[（(][^（()）]*[）)]?)?$")
TITLE_MAX = 80

# --- artifacts --------------------------------------------------------------------------------

PAGE_NUMBER = re.compile(r"^\s*[-—－]?\s*\d{1,4}\s*[-—－]?\s*$")
BOOKMARK = re.compile(r"\[bookmark:[^\]]*\]")
# **bold** pairs only: a run of asterisks masking text (中******技) is content, not markup
MARKDOWN_BOLD = re.compile(r"(?<!\*)\*\*([^*\n]+?)\*\*(?!\*)")
LIST_PREFIX = re.compile(r"^[-*+]\s+(?=\S)")
TOC_MARKER = re.compile(r"^(?:目录|目次)$")
# Traces of OCR and converters that never occur in running text.
TOC_GARBAGE = re.compile(r"\t|</?u>|\$|\\|[•٠-٩۰-۹Ξ]")
TOC_PAGE = re.compile(rf"[{CJK}A-Za-z]\s*\d{{1,3}}$")
TOC_ENTRY_MAX = 60


@dataclass
class Line:
    number: int         # 1-based physical line number
    raw: str            # as in the source
    text: str           # stripped

    @property
    def indented(self) -> bool:
        return self.raw[:1].isspace()

    @property
    def ends_paragraph(self) -> bool:
        """Trailing-space model: a space at the end of a line closes its paragraph."""
        return self.raw[-1:] in (" ", "\u3000")


# --- public normalisers -------------------------------------------------------------------------

def is_cjk(char: str) -> bool:
    return bool(CJK_CHAR.match(char))


def in_chinese_context(text: str, start: int, end: int) -> bool:
    """The nearest non-space character before `start` or after `end` is Chinese."""
    return is_cjk(text[:start].rstrip()[-1:]) or is_cjk(text[end:].lstrip()[:1])


HALF_TO_FULL = {",": "，", ":": "：", ";": "；", "?": "？", "!": "！", "(": "（", ")": "）"}
MARKS = re.compile(r"[,:;?!]")
ASTERISKS = re.compile(r"\*+")


def normalise_punctuation(text: str) -> str:
    """Half-width punctuation in Chinese context → full width; ASCII in Latin context stays.

    A mark is in Chinese context when a neighbouring character (spaces skipped) is Chinese, so
    10:30, 1,000 and URLs keep theirs; a bracket pair also when the text it encloses holds
    Chinese. Straight double quotes in a text with Chinese become “…” by pairing, in order.
    """
    # A converted mark is context for its neighbour (`(1),科` → `（1），科`): repeat until
    # nothing changes. Marks only ever turn full width, so this ends.
    while True:
        normalised = _normalise_punctuation_once(text)
        if normalised == text:
            return text
        text = normalised


def _normalise_punctuation_once(text: str) -> str:
    chars = list(text)
    for mark in MARKS.finditer(text):
        if in_chinese_context(text, mark.start(), mark.end()):
            chars[mark.start()] = HALF_TO_FULL[mark.group()]
    for opening, closing in _bracket_pairs(text):
        if opening is not None and closing is not None:
            if CJK_CHAR.search(text[opening + 1:closing]) or in_chinese_context(text, opening, closing + 1):
                chars[opening], chars[closing] = "（", "）"
        else:   # unbalanced (规划 (2021—2025年》): judged by its neighbours alone
            lone = opening if closing is None else closing
            if in_chinese_context(text, lone, lone + 1):
                chars[lone] = HALF_TO_FULL[text[lone]]
    text = "".join(chars)
    # a run of asterisks masking words (中******技) is set full width like the rest
    text = ASTERISKS.sub(lambda run: "＊" * len(run.group())
                         if in_chinese_context(text, run.start(), run.end()) else run.group(), text)
    if '"' in text and IDEOGRAPH.search(text):
        text = _pair_quotes(text)
    return text


def _bracket_pairs(text: str) -> list[tuple[int | None, int | None]]:
    """Positions of each half-width "(" and its matching ")"; None for the missing side."""
    pairs: list[list[int | None]] = []
    stack: list[int] = []
    for i, char in enumerate(text):
        if char == "(":
            stack.append(len(pairs))
            pairs.append([i, None])
        elif char == ")":
            if stack:
                pairs[stack.pop()][1] = i
            else:
                pairs.append([None, i])
    return [(a, b) for a, b in pairs]


def _pair_quotes(text: str) -> str:
    out, opening = [], True
    for char in text:
        if char == '"':
            out.append("“" if opening else "”")
            opening = not opening
        else:
            out.append(char)
    return "".join(out)


SPACE_RUN = re.compile(r"[ \t\u3000\u00a0]+")
LATIN_OR_DIGIT = re.compile(r"[A-Za-z0-9]")


def remove_cjk_spaces(text: str, issuer_names: tuple[str, ...] = ()) -> str:
    """Drop spaces inside Chinese text, numbers, dates and 文号; keep them between Latin words.

    `群体智 慧` → `群体智慧`, `44 号` → `44号`, `到 2020年` → `到2020年`, `Science for Policy`
    unchanged; a letter-spaced line (`科 技 部 …`, `目 录`) collapses completely. With a lexicon
    of issuer names, the space between co-issuers (`中共中央 国务院`) and between a signing issuer
    and its date is kept, since it is what separates the bodies.
    """
    tokens = SPACE_RUN.split(text.strip())
    out = tokens[0]
    for left, right in zip(tokens, tokens[1:]):
        if _keeps_space(left, right, issuer_names):
            out += " " + right
        else:
            out += right
    return out


def _keeps_space(left: str, right: str, issuer_names: tuple[str, ...]) -> bool:
    if LATIN_OR_DIGIT.fullmatch(left[-1]) and LATIN_OR_DIGIT.fullmatch(right[0]):
        return True     # Science for Policy, STS Network: nothing Chinese to glue
    if is_issuer_name(left, issuer_names):
        # 中共中央 国务院 / 中国科协 2021年8月27日: the space separates the bodies and the date
        return starts_with_issuer(right, issuer_names) or bool(re.match(r"\d{4}", right))
    return False


def is_issuer_name(token: str, issuer_names: tuple[str, ...]) -> bool:
    """A whole issuing body's name: in the lexicon, or shaped like one (…部, …委, …办公厅)."""
    return token in issuer_names or bool(ISSUER_NAME.match(token))


def starts_with_issuer(token: str, issuer_names: tuple[str, ...]) -> bool:
    token = token.rstrip("等")
    return any(token.startswith(name) for name in issuer_names) or is_issuer_name(token, issuer_names)


def is_issuer_line(text: str, issuer_names: tuple[str, ...]) -> bool:
    """A line naming only issuing bodies (a header or signature), e.g. `教育部 财政部等`."""
    tokens = SPACE_RUN.split(text.strip())
    if len(tokens) >= 2 and all(len(t) == 1 for t in tokens):
        tokens = ["".join(tokens)]
    return bool(tokens) and all(_decomposes(t.rstrip("等"), issuer_names) for t in tokens)


def _decomposes(token: str, issuer_names: tuple[str, ...]) -> bool:
    """The token is one or more issuer names run together (科技部国家发展改革委财政部)."""
    if not token:
        return False
    if is_issuer_name(token, issuer_names):
        return True
    return any(token.startswith(name) and _decomposes(token[len(name):], issuer_names)
               for name in issuer_names if len(name) < len(token))


# --- line classification ------------------------------------------------------------------------

class Classifier:
    """Recognises the kinds of line that must stand alone as paragraphs."""

    def __init__(self, issuer_names: tuple[str, ...], lines: list[Line]):
        self.issuer_names = issuer_names
        self.run_in_styles = _run_in_styles(lines)

    def heading(self, text: str) -> bool:
        return label_style(LIST_PREFIX.sub("", text)) is not None

    def standalone_heading(self, text: str) -> bool:
        """A short heading line with no full stop, in a numbering style that is not run-in.

        Where a style is run-in (`1、面向….坚持…`), a line of that style without a sentence end
        is a wrap inside the lead sentence, not a heading of its own.
        """
        style = label_style(LIST_PREFIX.sub("", text))
        return (style is not None and style not in self.run_in_styles
                and len(text) <= STANDALONE_HEADING_MAX and "。" not in text)

    def date(self, text: str) -> bool:
        match = DATE_LINE.match(text)
        return bool(match) and (match["signer"] is None or self.issuer(match["signer"]))

    def doc_number(self, text: str) -> bool:
        return bool(DOC_NUMBER.match(text))

    def issuer(self, text: str) -> bool:
        return is_issuer_line(text, self.issuer_names)

    def title(self, text: str) -> bool:
        return (len(text) <= TITLE_MAX and not re.search(r"[，。；,;]", text)
                and bool(TITLE_END.search(text)))

    def metadata(self, text: str) -> bool:
        """Lines that are never part of a running sentence: date, 文号, issuer, bracketed note."""
        return (self.date(text) or self.doc_number(text) or self.issuer(text)
                or bool(PAREN_LINE.match(text)))

    def closes(self, text: str) -> bool:
        """Nothing can follow this line in the same paragraph."""
        return (bool(LINE_END.search(text)) or self.standalone_heading(text)
                or self.metadata(text) or self.title(text)
                or bool(TOC_MARKER.match(SPACE_RUN.sub("", text))))

    def starts_unit(self, text: str) -> bool:
        """This line starts a heading, a bullet or a metadata line."""
        return self.heading(text) or self.metadata(text) or bool(BULLET.match(text))

    def opens(self, text: str) -> bool:
        """This line starts a paragraph of its own (a unit, or a field of a record)."""
        return self.starts_unit(text) or bool(FIELD_LINE.match(LIST_PREFIX.sub("", text)))

    def heading_tail(self, head: str, tail: str) -> bool:
        """`tail` is the wrapped end of the standalone heading `head` (4. …提供 / 重要手段和保障)."""
        return (self.standalone_heading(head) and not LINE_END.search(head)
                and len(tail) <= HEADING_TAIL_MAX and not re.search(r"[，。；：,;:、]", tail)
                and not self.opens(tail))


def _run_in_styles(lines: list[Line]) -> set[str]:
    """Numbering styles whose lines mostly carry body text after the heading (run-in)."""
    seen: dict[str, list[bool]] = {}
    for line in lines:
        style = label_style(LIST_PREFIX.sub("", line.text))
        if style:
            seen.setdefault(style, []).append("。" in line.text)
    return {style for style, run_in in seen.items() if sum(run_in) * 2 > len(run_in)}


# --- the cleaning pass ----------------------------------------------------------------------------

@lru_cache(maxsize=1)
def _default_issuer_names() -> tuple[str, ...]:
    return tuple(load_aliases().issuer_names())


def clean(source: SourceFile, aliases: AliasTable | None = None) -> CleanText:
    """The source's real paragraphs in source order, and the artifacts dropped on the way."""
    issuer_names = tuple(aliases.issuer_names()) if aliases else _default_issuer_names()
    lines = [Line(i + 1, raw, raw.strip()) for i, raw in enumerate(source.text.split("\n"))]
    classify = Classifier(issuer_names, lines)
    artifacts: list[tuple[int, str]] = []     # (line, text), sorted into source order at the end
    lines = _drop_page_numbers(lines, artifacts)
    lines = _drop_tables_of_contents(lines, artifacts, classify)
    width = _wrap_width(lines)
    if _trailing_space_model(lines):
        groups = _group_by_trailing_space(lines, classify)
    elif width:
        groups = _group_by_width(lines, classify, width)
    else:
        groups = _group_by_lines(lines, classify)
    paragraphs = []
    for group in groups:
        text = _clean_paragraph(group, artifacts, issuer_names)
        if text:
            paragraphs.append(Paragraph(text=text, line=group[0].number))
    artifacts.sort(key=lambda artifact: artifact[0])
    return CleanText(source=source.name, paragraphs=paragraphs,
                     artifacts=[text for _, text in artifacts])


def _drop_page_numbers(lines: list[Line], artifacts: list[tuple[int, str]]) -> list[Line]:
    """A bare number between blank lines is a page number (72, -20), never a paragraph."""
    kept = []
    for i, line in enumerate(lines):
        before = lines[i - 1].text if i > 0 else ""
        after = lines[i + 1].text if i + 1 < len(lines) else ""
        if line.text and PAGE_NUMBER.match(line.text) and not before and not after:
            artifacts.append((line.number, line.text))
        else:
            kept.append(line)
    return kept


def _drop_tables_of_contents(lines: list[Line], artifacts: list[tuple[int, str]],
                             classify: Classifier) -> list[Line]:
    """Drop a 目录 marker and the run of contents entries after it.

    Entries are short heading-like lines, OCR garbage or lines ending in a page number. The run
    ends at the last entry that carries a page number or garbage, so the body's own first
    headings (which look like entries without page numbers) are never swallowed.
    """
    kept: list[Line] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if not TOC_MARKER.match(SPACE_RUN.sub("", line.text)):
            kept.append(line)
            i += 1
            continue
        last_marked, j = None, i + 1
        while j < len(lines):
            entry = lines[j].text
            if entry:
                marked = bool(TOC_GARBAGE.search(lines[j].raw) or TOC_PAGE.search(entry))
                heading_like = (classify.heading(entry)
                                and len(entry) <= TOC_ENTRY_MAX and "。" not in entry)
                if not (marked or heading_like):
                    break
                if marked:
                    last_marked = j
            j += 1
        if last_marked is None:
            kept.append(line)
            i += 1
            continue
        artifacts.extend((entry.number, entry.raw) for entry in lines[i:last_marked + 1]
                         if entry.text)
        i = last_marked + 1
    return kept


def _trailing_space_model(lines: list[Line]) -> bool:
    """PDF exports close paragraphs with a trailing space; other sources never end lines so."""
    text_lines = [line for line in lines if line.text]
    closing = sum(line.ends_paragraph for line in text_lines)
    return closing >= 3 and closing >= 0.1 * len(text_lines)


# A line is "full" when it reaches this share of the wrap width.
FULL_LINE = 0.85
# Share of lines that must be full and unfinished for a text to count as wrapped at a width.
WRAPPED_SHARE = 0.5


def _wrap_width(lines: list[Line]) -> int | None:
    """The width a plain text was hard-wrapped at, or None when lines are paragraphs.

    In a wrapped text most lines fill the width and stop mid-sentence; where a line is a
    paragraph, line lengths vary and few lines reach the longest ones.
    """
    widths = sorted(display_width(line.text) for line in lines if line.text)
    if len(widths) < 5:
        return None
    width = widths[int(0.9 * (len(widths) - 1))]
    unfinished = sum(display_width(line.text) >= FULL_LINE * width
                     and not LINE_END.search(line.text) for line in lines if line.text)
    return width if unfinished >= WRAPPED_SHARE * len(widths) else None


def _group_by_width(lines: list[Line], classify: Classifier, width: int) -> list[list[Line]]:
    groups: list[list[Line]] = []
    goes_on = False         # the previous line filled the width: its paragraph continues
    for line in lines:
        if not line.text:
            goes_on = False
            continue
        # a short label and colon after a full line (…各部委、/ 各直属机构：) is a wrap, not a field
        if groups and goes_on and not line.indented and not classify.starts_unit(line.text):
            groups[-1].append(line)
        else:
            groups.append([line])
        goes_on = (display_width(line.text) >= FULL_LINE * width
                   and not classify.metadata(line.text))
    return groups


def _group_by_trailing_space(lines: list[Line], classify: Classifier) -> list[list[Line]]:
    groups: list[list[Line]] = []
    current: list[Line] = []
    touching = False               # no blank line between previous and this one
    for line in lines:
        if not line.text:
            touching = False
            continue
        page_start_heading = touching and line.indented and classify.heading(line.text)
        own_line = classify.date(line.text) or classify.doc_number(line.text)
        if current and (page_start_heading or own_line):
            groups.append(current)
            current = []
        current.append(line)
        if line.ends_paragraph or own_line:
            groups.append(current)
            current = []
        touching = True
    if current:
        groups.append(current)
    return groups


def _group_by_lines(lines: list[Line], classify: Classifier) -> list[list[Line]]:
    title_continuations = _title_continuations(lines, classify)
    groups: list[list[Line]] = []
    gap = True          # a blank line since the previous text line
    closed = True       # the last group can take no more lines
    for index, line in enumerate(lines):
        if not line.text:
            gap = True
            continue
        heading_tail = (gap and len(groups[-1]) == 1
                        and classify.heading_tail(groups[-1][-1].text, line.text)) if groups else False
        if groups and (index in title_continuations or heading_tail
                       or (gap and not closed and not classify.opens(line.text))):
            groups[-1].append(line)
        else:
            groups.append([line])
        # after a heading and its wrapped tail comes the body, never more heading
        closed = heading_tail or classify.closes(line.text)
        gap = False
    return groups


def _title_continuations(lines: list[Line], classify: Classifier) -> set[int]:
    """Indexes of lines that continue a title printed over several touching lines.

    A title run starts a block (after a blank line, a date line or the start of the file),
    has no sentence punctuation, and its last line ends with a document type (…的通知, …方案).
    """
    continuations: set[int] = set()
    index = 0
    while index < len(lines):
        start = index
        block_start = (start == 0 or not lines[start - 1].text
                       or classify.date(lines[start - 1].text))
        end = start
        while (end < len(lines) and lines[end].text and not LINE_END.search(lines[end].text)
               and not classify.opens(lines[end].text) and not classify.title(lines[end].text)):
            end += 1
        if (block_start and end > start and end < len(lines) and lines[end].text
                and classify.title(lines[end].text) and not classify.opens(lines[end].text)):
            continuations.update(range(start + 1, end + 1))
            index = end + 1
        else:
            index = max(end, start + 1)
    return continuations


def _clean_paragraph(group: list[Line], artifacts: list[tuple[int, str]],
                     issuer_names: tuple[str, ...]) -> str:
    text = ""
    for line in group:
        artifacts.extend((line.number, tag) for tag in BOOKMARK.findall(line.text))
        part = BOOKMARK.sub("", line.text)
        # a wrap between two Latin words was a space
        glue = " " if re.search(r"[A-Za-z]$", text) and re.match(r"[A-Za-z]", part) else ""
        text += glue + part
    where = group[0].number
    for _ in MARKDOWN_BOLD.finditer(text):
        artifacts.extend([(where, "**"), (where, "**")])
    text = MARKDOWN_BOLD.sub(r"\1", text)
    prefix = LIST_PREFIX.match(text)
    if prefix:
        artifacts.append((where, prefix.group()))
        text = text[prefix.end():]
    text = text.replace("\t", " ")
    text = normalise_punctuation(text)
    return remove_cjk_spaces(text, issuer_names)
