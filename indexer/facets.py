"""Facets: issuer, year, theme, document type and validity, counted over all matches, shown with links.

Counting rules (every backend counts the same way; tests/test_conformance compares them):
* a clause counts once under each distinct issuer of its document;
* year is the first four digits of the document date, when they are digits;
* theme is each of the clause's own themes;
* type is the document's doc_type, when it has one;
* validity is the document's 时效性 (Document.validity, set by the build from the citation
  graph): a clause counts under its document's status, like the other document metadata.
Counts are over all matches with every filter applied, the facet's own included (Datasette
style), so a number is what selecting that value shows.

Presentation follows Datasette's facets: each value carries its count, whether it is
selected, and the URL that toggles it, so the HTML page and the JSON answer hold the same
thing. Years are listed in time order, the others by count.

The in-memory filter and count functions here serve backends that hold the documents store
in the same process (Whoosh); a server backend counts with its own facet queries.
"""
from __future__ import annotations

import calendar
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import date

from indexer.backends.base import FACET_NAMES, FilterSpec
from indexer.records import Document, FacetValue, SearchRequest

# URL parameter of each facet → the SearchRequest field holding its selected values.
FACET_FIELDS = {"issuer": "issuers", "year": "years", "theme": "themes", "type": "doc_types",
                "validity": "validities"}
FACET_LABELS = {"issuer": "发文机关", "year": "年份", "theme": "主题", "type": "文种", "validity": "效力"}
assert tuple(FACET_FIELDS) == FACET_NAMES


@dataclass(frozen=True)
class Facet:
    name: str
    label: str
    field: str              # SearchRequest attribute
    chronological: bool     # values in time order rather than by count


FACETS = tuple(Facet(name, FACET_LABELS[name], FACET_FIELDS[name], name == "year")
               for name in FACET_NAMES)


# --- selection --------------------------------------------------------------------------------

def is_selected(req: SearchRequest, facet: str, value: str) -> bool:
    return value in [str(v) for v in getattr(req, FACET_FIELDS[facet])]


def toggled(req: SearchRequest, facet: str, value: str) -> SearchRequest:
    """`req` with one facet value added, or removed when already selected; back to page 1."""
    attr = FACET_FIELDS[facet]
    current = getattr(req, attr)
    if is_selected(req, facet, value):
        chosen = [v for v in current if str(v) != value]
    else:
        chosen = [*current, int(value) if facet == "year" else value]
    return replace(req, **{attr: chosen}, page=1)


def present(counts: dict[str, dict[str, int]], req: SearchRequest,
            url_of: Callable[[SearchRequest], str] | None = None) -> dict[str, list[FacetValue]]:
    """Each facet's values in display order with count, selected and toggle URL
    (`url_of` turns the toggled request into a URL; without it the URL is empty)."""
    shown = {}
    for facet in FACETS:
        values = counts.get(facet.name, {})
        order = sorted(values) if facet.chronological else \
            sorted(values, key=lambda v: (-values[v], v))
        shown[facet.name] = [
            FacetValue(value=v, count=values[v], selected=is_selected(req, facet.name, v),
                       toggle_url=url_of(toggled(req, facet.name, v)) if url_of else "")
            for v in order]
    return shown


def with_urls(shown: dict[str, list[FacetValue]], req: SearchRequest,
              url_of: Callable[[SearchRequest], str]) -> dict[str, list[FacetValue]]:
    """The same facet values with their toggle URLs (made by the web layer's `url_of`)."""
    return {name: [replace(v, toggle_url=url_of(toggled(req, name, v.value))) for v in values]
            for name, values in shown.items()}


# --- dates ------------------------------------------------------------------------------------

def period(value: str) -> tuple[str, str] | None:
    """First and last day (YYYY-MM-DD) of a YYYY, YYYY-MM or YYYY-MM-DD period; None when it
    is not one (an undated document's empty date)."""
    parts = value.strip().split("-") if value else []
    if not parts or len(parts) > 3 or not all(p.isdigit() for p in parts) or len(parts[0]) != 4:
        return None
    year, month, day = (int(p) for p in parts + ["0"] * (3 - len(parts)))
    try:
        first = date(year, month or 1, day or 1)
        last = date(year, month or 12, day or calendar.monthrange(year, month or 12)[1])
    except ValueError:
        return None
    return first.isoformat(), last.isoformat()


def year_of(document: Document) -> int | None:
    """The document's year: the first four characters of its date when they are four digits;
    None (undated) otherwise. The year facet, trends and the issuer network all count so."""
    return year_of_date(document.date)


def year_of_date(date: str) -> int | None:
    head = date[:4]
    return int(head) if len(head) == 4 and head.isdigit() else None


# --- in-memory filtering and counting ---------------------------------------------------------

def document_passes(document: Document, filters: FilterSpec) -> bool:
    """Whether a document passes the document-level filters (all but themes)."""
    if (filters.doc_id and document.id != filters.doc_id) \
            or (filters.doc_ids is not None and document.id not in filters.doc_ids) \
            or (filters.issuers and not filters.issuers & set(document.issuers)) \
            or (filters.years and year_of(document) not in filters.years) \
            or (filters.doc_types and document.doc_type not in filters.doc_types) \
            or (filters.validities and document.validity not in filters.validities):
        return False
    if filters.date_lo or filters.date_hi:
        span = period(document.date)     # undated documents fall outside any range
        if span is None or (filters.date_lo and span[1] < filters.date_lo) \
                or (filters.date_hi and span[0] > filters.date_hi):
            return False
    return True


def count(documents: list[Document], doc_of, clause_of, docnums: Iterable[int]
          ) -> dict[str, dict[str, int]]:
    """Counts of every facet over the clauses `docnums`, in one pass."""
    per_document: Counter = Counter()
    themes: Counter = Counter()
    for n in docnums:
        d = doc_of[n]
        per_document[d] += 1
        themes.update(documents[d].clauses[clause_of[n]].themes)
    issuers: Counter = Counter()
    years: Counter = Counter()
    types: Counter = Counter()
    validities: Counter = Counter()
    for d, clauses in per_document.items():
        document = documents[d]
        for issuer in set(document.issuers):
            issuers[issuer] += clauses
        if year_of(document) is not None:
            years[str(year_of(document))] += clauses
        if document.doc_type:
            types[document.doc_type] += clauses
        validities[document.validity] += clauses
    return {"issuer": dict(issuers), "year": dict(years), "theme": dict(themes),
            "type": dict(types), "validity": dict(validities)}
