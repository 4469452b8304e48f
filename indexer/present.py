"""Highlighting and snippets: matches are found in normalised text and marked in the original.

A query term is matched on normalised text (full width, case, traditional characters and line
wrap spaces folded away), so each match is mapped back through the normaliser's offset table to
the original characters. Overlapping or touching matches are merged, so of 马克 and 马克思 the
longer string is marked, in one piece.
"""
from __future__ import annotations

from dataclasses import dataclass
from html import escape

from indexer.analysis import find_all, normalize_with_offsets
from indexer.records import Clause, Document

ELLIPSIS = "…"


def match_spans(text: str, terms: list[str]) -> list[tuple[int, int]]:
    """Merged (start, end) spans of the original `text` covered by any normalised term."""
    normalized, offsets = normalize_with_offsets(text)
    spans = sorted(span for term in set(terms) for span in find_all(normalized, term))
    merged: list[list[int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(offsets[start], offsets[end - 1] + 1) for start, end in merged]


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
    merged: list[list[int]] = []
    for lo, hi in windows:
        if merged and lo <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], hi)
        else:
            merged.append([lo, hi])
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
        return clause_title(self.clause)


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


def citation(doc: Document, clause: Clause) -> str:
    """A GB/T 7714-style reference to one clause: `issuer. title: 文号 [S/OL]. date. label path`.

    The label path is the printed labels from the outermost section down (三、（二）7.), the way
    a reader writes the position of a clause; an unnumbered clause is cited by its parent's path.
    """
    entry = next(e for e in outline(doc) if e.clause.id == clause.id)
    labels = "".join(c.label for c in [*entry.ancestors, clause] if c.label)
    issuers = ", ".join(doc.issuers) or "佚名"
    title = f"{doc.title}: {doc.doc_number}" if doc.doc_number else doc.title
    return ". ".join(p for p in (issuers, f"{title} [S/OL]", doc.date, labels) if p)


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
    """HTML of each non-empty paragraph ("\\n"-separated) of `text`: every piece escaped, query
    matches in <mark> (found per paragraph, as `highlight` does), references as <a class="ref">
    or <span class="ref-unresolved">. `links` hold offsets into the whole text; a link that
    overlaps an earlier one is dropped, one crossing a paragraph break is cut at it."""
    kept: list[LinkSpan] = []
    for link in sorted(links, key=lambda l: (l.start, -l.end)):
        if link.start < link.end and (not kept or link.start >= kept[-1].end):
            kept.append(link)
    out, lo = [], 0
    for paragraph in text.split("\n"):
        hi = lo + len(paragraph)
        if paragraph:
            inside = [(max(l.start, lo) - lo, min(l.end, hi) - lo, l) for l in kept
                      if l.start < hi and l.end > lo]
            out.append(_render_linked(paragraph, match_spans(paragraph, terms) if terms else [], inside))
        lo = hi + 1
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
