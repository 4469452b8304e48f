"""What a reader sees of a clause: highlighting, snippets, names, outline and task records.

Highlighting. A query term is matched on normalised text (full width, case, traditional
characters and line wrap spaces folded away), so each match is mapped back through the
normaliser's offset table to the original characters. Overlapping or touching matches are
merged, so of 马克 and 马克思 the longer string is marked, in one piece.

Names. A reader never sees a clause id (`p1`, `notice`): `clause_name` is the label and heading
as printed, else the clause's place (印发通知, 引言第1段, 结语, 全文). `clause_caption` is what
links and lists show: a label printed without a heading (（1）, 第六条) carries the first words of
its text, because a bare "（1）" says nothing out of context. Templates, hit cards, breadcrumbs
and citations all use these two, so a clause has one name everywhere.

Task records. A record's text holds its field lines as printed (牵头部门：办公厅) and the record
also has them as `fields`; its sub-measures （1）（2） are child clauses and also make up the
value of its 具体举措 field. The text stays as printed (search and the no-text-lost check
depend on it), so the duplication is resolved here: `readings` shows every field once, in the
record's table, and the sub-measures once, inside the 具体举措 cell. A field line printed after
the last sub-measure (the record's 时间期限) belongs to the record (structure settles it there)
and is not repeated in the sub-measure.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from html import escape

from indexer.analysis import find_all, normalize_with_offsets
from indexer.records import Clause, Document
from indexer.structure import MEASURES_FIELDS, field_line, record_fields

ELLIPSIS = "…"


def match_spans(text: str, terms: list[str]) -> list[tuple[int, int]]:
    """Merged (start, end) spans of the original `text` covered by any normalised term."""
    normalized, offsets = normalize_with_offsets(text)
    spans = sorted(span for term in set(terms) for span in find_all(normalized, term))
    return [(offsets[start], offsets[end - 1] + 1) for start, end in merge_intervals(spans)]


def merge_intervals(intervals) -> list[tuple[int, int]]:
    """Sorted (start, end) intervals with the overlapping or touching ones joined."""
    merged: list[list[int]] = []
    for start, end in intervals:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(start, end) for start, end in merged]


def _render(text: str, spans: list[tuple[int, int]], lo: int, hi: int) -> str:
    """HTML of text[lo:hi] with the parts of `spans` inside it wrapped in <mark>."""
    out, at = [], lo
    for start, end in spans:
        start, end = max(start, lo), min(end, hi)
        if start >= end:
            continue
        out += [escape(text[at:start]), "<mark>", escape(text[start:end]), "</mark>"]
        at = end
    out.append(escape(text[at:hi]))
    return "".join(out)


def highlight(text: str, terms: list[str]) -> str:
    """The whole text, HTML-escaped, every match of the normalised `terms` in <mark>."""
    return _render(text, match_spans(text, terms), 0, len(text))


def snippet(text: str, terms: list[str], width: int = 120) -> str:
    """About `width` characters of text around its matches, HTML-escaped, matches in <mark>
    (the start of the text when nothing matches); … marks a cut. When the clause holds several
    terms too far apart for one window, each term not yet shown gets a window of its own (at
    most MAX_WINDOWS, each WINDOW_SHARE of `width`), so every matched term is seen."""
    spans = match_spans(text, terms) if terms else []
    if len(text) <= width:
        return _render(text, spans, 0, len(text))
    firsts = _first_match_of_each(text, terms)
    windows = [_window(firsts[0] if firsts else 0, width, len(text))]
    narrow = max(MIN_WINDOW, int(width * WINDOW_SHARE))
    for position in firsts[1:]:
        if not any(lo <= position < hi for lo, hi in windows) and len(windows) < MAX_WINDOWS:
            if len(windows) == 1:
                windows[0] = _window(firsts[0], narrow, len(text))
            windows.append(_window(position, narrow, len(text)))
    return _join_windows(text, spans, sorted(windows))


MAX_WINDOWS = 3
WINDOW_SHARE = 0.6      # of the snippet width, per window when there are several
MIN_WINDOW = 40


def _first_match_of_each(text: str, terms: list[str]) -> list[int]:
    """Original offsets of the first match of each distinct term, in text order."""
    normalized, offsets = normalize_with_offsets(text)
    firsts = []
    for term in dict.fromkeys(terms):
        found = find_all(normalized, term)
        if found:
            firsts.append(offsets[found[0][0]])
    return sorted(set(firsts))


def _window(position: int, width: int, length: int) -> tuple[int, int]:
    lo = max(0, min(position - width // 3, length - width))
    return lo, min(length, lo + width)


def _join_windows(text: str, spans: list[tuple[int, int]], windows: list[tuple[int, int]]) -> str:
    merged = merge_intervals(windows)
    parts = [_render(text, spans, lo, hi) for lo, hi in merged]
    return (ELLIPSIS if merged[0][0] > 0 else "") + ELLIPSIS.join(parts) + \
        (ELLIPSIS if merged[-1][1] < len(text) else "")


# --- clause pages: where a clause sits in its document, and how to cite it --------------------

@dataclass
class OutlineEntry:
    """A clause in reading order, with its parent clauses outermost first."""
    clause: Clause
    ancestors: list[Clause]

    @property
    def depth(self) -> int:
        return len(self.ancestors)

    @property
    def title(self) -> str:
        return clause_caption(self.clause)


def outline(doc: Document) -> list[OutlineEntry]:
    """Every clause of `doc` in reading order with its ancestors (for breadcrumbs and indents)."""
    by_id = {c.id: c for c in doc.clauses}
    entries = []
    for clause in doc.clauses:
        ancestors, parent = [], clause.parent
        while parent in by_id and len(ancestors) < len(by_id):   # the bound guards a parent cycle
            ancestors.insert(0, by_id[parent])
            parent = by_id[parent].parent
        entries.append(OutlineEntry(clause, ancestors))
    return entries


def clause_title(clause: Clause) -> str:
    """Label and heading as printed: 三、主要改革发展举措, （二）加强基础研究, 第六条 总则, 7. 完善…

    A label that ends in its own punctuation (、 or a bracket) runs straight into the heading."""
    if not (clause.label and clause.heading):
        return clause.label or clause.heading
    gap = "" if clause.label[-1] in "、）)" else " "
    return clause.label + gap + clause.heading


# --- names: what a reader calls a clause ---------------------------------------------------------

# Clauses printed without label or heading are named by their place in the document.
PLACE_NAMES = {"notice": "印发通知", "closing": "结语", "full": "全文"}
PREAMBLE_ID = re.compile(r"^p(\d+)$")
UNNAMED = "正文段落"
FIRST_WORDS = 16            # characters of text a bare label carries in links and lists
PAUSES = "，。；：！？、,;:!?"


def clause_name(clause) -> str:
    """The clause's name as a reader knows it (a Clause, or a Hit with `clause_id`): label and
    heading as printed, else its place: 印发通知, 引言第2段, 结语, 全文. Never an id."""
    title = clause_title(clause)
    if title:
        return title
    clause_id = re.sub(r"-\d+$", "", _clause_id(clause))   # -2: a clash suffix (结语 printed twice)
    preamble = PREAMBLE_ID.match(clause_id)
    if preamble:
        return f"引言第{preamble.group(1)}段"
    return PLACE_NAMES.get(clause_id, UNNAMED)


def clause_caption(clause, width: int = FIRST_WORDS) -> str:
    """`clause_name` for links and lists: a label printed without heading carries the first
    words of its text (（1）会同财政部制定《稳定支持…), so a bare "（1）" is never all a link says."""
    name = clause_name(clause)
    if clause.heading or not clause.label:
        return name
    words = first_words(clause.text, width)
    gap = "" if clause.label[-1] in "、）)" else " "
    return name + gap + words if words else name


def first_words(text: str, width: int = FIRST_WORDS) -> str:
    """The start of `text` up to its first pause, at most `width` characters; … when cut."""
    line = next((ln for ln in text.split("\n") if ln.strip() and not field_line(ln)), "").strip()
    pause = next((i for i, ch in enumerate(line) if ch in PAUSES), len(line))
    cut = min(pause, width)
    return line[:cut] + ("…" if cut < len(line) else "")


def _clause_id(clause) -> str:
    return getattr(clause, "clause_id", None) or clause.id


# --- task records: each field once, sub-measures once ------------------------------------------

@dataclass
class Reading:
    """One clause as the reader shows it: its paragraphs without the field lines, the field
    table, and the sub-measures shown inside the `measures_field` cell (then nowhere else)."""
    entry: OutlineEntry
    paragraphs: list[str]
    fields: list[tuple[str, str]]
    measures_field: str = ""
    measures: list[Reading] = field(default_factory=list)

    @property
    def clause(self) -> Clause:
        return self.entry.clause


def readings(entries: list[OutlineEntry]) -> list[Reading]:
    """The reader's sequence for a document's outline: every clause once, a record's
    sub-measures inside its 具体举措 cell instead of after it."""
    children = _children(entries)
    shown, inside = [], set()
    for entry in entries:
        if entry.clause.id not in inside:
            view = reading(entry, children)
            inside.update(m.clause.id for m in view.measures)
            shown.append(view)
    return shown


def reading_of(entries: list[OutlineEntry], clause_id: str) -> Reading:
    """The Reading of one clause (its clause page)."""
    return reading(next(e for e in entries if e.clause.id == clause_id), _children(entries))


def reading(entry: OutlineEntry, children: dict[str | None, list[OutlineEntry]]) -> Reading:
    clause = entry.clause
    parent = entry.ancestors[-1] if entry.ancestors else None
    kids = children.get(clause.id, [])
    measures_field = _measures_field(clause)
    # Sub-measures go into the cell only when they are leaves: nothing of theirs can get lost.
    inline = bool(measures_field and kids and not any(children.get(k.clause.id) for k in kids))
    return Reading(
        entry=entry,
        paragraphs=[line for line in clause.text.split("\n")
                    if line.strip() and not _is_field_line(line, clause, parent)],
        fields=list(clause.fields.items()),
        measures_field=measures_field if inline else "",
        measures=[reading(k, children) for k in kids] if inline else [])


def _children(entries: list[OutlineEntry]) -> dict[str | None, list[OutlineEntry]]:
    children: dict[str | None, list[OutlineEntry]] = {}
    for entry in entries:
        children.setdefault(entry.clause.parent, []).append(entry)
    return children


def _measures_field(clause: Clause) -> str:
    """The measures field printed empty (具体举措：) whose value are the sub-measures, or ""."""
    for line in clause.text.split("\n"):
        found = field_line(line.strip())
        if found and found[0] in MEASURES_FIELDS and not found[1] and clause.fields.get(found[0]):
            return found[0]
    return ""


def _is_field_line(line: str, clause: Clause, parent: Clause | None) -> bool:
    """Is this printed line a field the table shows: of the clause, or (printed after the last
    sub-measure) of its record?"""
    line = line.strip()
    found = field_line(line)
    pairs = record_fields(line) or (dict([found]) if found else {})
    held = {**(parent.fields if parent else {}), **clause.fields}
    return bool(pairs) and all(held.get(name) == value or (not value and held.get(name))
                               for name, value in pairs.items())


# --- references in clause text: links and highlights in one pass -------------------------------

@dataclass(frozen=True)
class LinkSpan:
    """A reference to show in a clause text: text[start:end] links to `href`, or, with no href
    (a document the collection does not hold), stays plain text carrying the hint."""
    start: int
    end: int
    href: str | None
    hint: str


def linked_paragraphs(text: str, terms: list[str], links: list[LinkSpan]) -> list[str]:
    """HTML of each non-empty paragraph ("\\n"-separated) of `text`; see `linked_lines`."""
    return linked_lines(text, [p for p in text.split("\n") if p], terms, links)


def linked_lines(text: str, lines: list[str], terms: list[str], links: list[LinkSpan]) -> list[str]:
    """HTML of each of `lines` — paragraphs of `text` in order (a Reading's, field lines left
    out) — every piece escaped, query matches in <mark> (found per line, as `highlight` does),
    references as <a class="ref"> or <span class="ref-unresolved">. `links` hold offsets into
    the whole text; a link that overlaps an earlier one is dropped, one crossing a line break is
    cut at it. A line not found in `text` is only highlighted."""
    kept: list[LinkSpan] = []
    for link in sorted(links, key=lambda l: (l.start, -l.end)):
        if link.start < link.end and (not kept or link.start >= kept[-1].end):
            kept.append(link)
    out, at = [], 0
    for line in lines:
        lo = text.find(line, at)
        hi = lo + len(line)
        inside = [] if lo < 0 else [(max(l.start, lo) - lo, min(l.end, hi) - lo, l) for l in kept
                                    if l.start < hi and l.end > lo]
        out.append(_render_linked(line, match_spans(line, terms) if terms else [], inside))
        at = hi if lo >= 0 else at
    return out


def _render_linked(text: str, marks: list[tuple[int, int]],
                   links: list[tuple[int, int, LinkSpan]]) -> str:
    """`text` cut at every mark and link boundary; <a>/<span> outside, <mark> inside, so a
    match that crosses a link's edge becomes two marks and the markup stays well nested."""
    cuts = sorted({0, len(text), *(p for s, e in marks for p in (s, e)),
                   *(p for s, e, _ in links for p in (s, e))})
    out: list[str] = []
    open_link: LinkSpan | None = None
    marked = False
    for a, b in zip(cuts, cuts[1:]):
        link = next((l for s, e, l in links if s <= a < e), None)
        mark = any(s <= a < e for s, e in marks)
        if link is not open_link or (marked and not mark):
            if marked:
                out.append("</mark>")
                marked = False
            if link is not open_link:
                out.append(_link_close(open_link) + _link_open(link))
                open_link = link
        if mark and not marked:
            out.append("<mark>")
            marked = True
        out.append(escape(text[a:b]))
    out.append(("</mark>" if marked else "") + _link_close(open_link))
    return "".join(out)


def _link_open(link: LinkSpan | None) -> str:
    if link is None:
        return ""
    if link.href is None:
        return f'<span class="ref-unresolved" title="{escape(link.hint)}">'
    return f'<a class="ref" href="{escape(link.href)}" title="{escape(link.hint)}">'


def _link_close(link: LinkSpan | None) -> str:
    return "" if link is None else ("</span>" if link.href is None else "</a>")
