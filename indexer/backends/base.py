"""The seam between Cesou and a search backend.

What does not depend on the index implementation stays in the engine (indexer/search.py):
parsing the query language, normalisation, synonyms, request validation, the question and
partial-match fallbacks, highlighting, snippets, breadcrumbs, citations and facet
presentation. A backend does what does: over one opened index version it finds the clauses
matching a `MatchSpec` (exact substring semantics), counts them exactly, ranks them, and
counts facets over all matches with every filter of a `FilterSpec` applied.

Clauses are named by their docnum: the position of the clause in the version's documents
store (documents in order, then their clauses in order), the same number in every backend.

A backend is one module with two entry points: `write(version_dir, documents, normalized,
show_progress)` at build time, and `open(version, settings)` returning a `SearchBackend`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

# A sort only the analytics ask for (never a request's `sort`): the matches in any order,
# unscored — trends and co-occurrence count them, and ranking every match of a broad search
# was most of their time (the search page's 相关词 for a 16,100-clause question at ×100).
UNORDERED = "unordered"

# Facet names (URL parameters) in display order; their counting rules are in indexer/facets.py.
FACET_NAMES = ("issuer", "year", "theme", "type", "validity")


class BackendError(Exception):
    """The backend refused an answer (never expected: every query is compiled); a 503."""


class BackendUnavailable(BackendError):
    """The backend cannot answer at all (a server down, a timeout): the site says 503."""


@dataclass(frozen=True, kw_only=True)
class MatchSpec:
    """Which clauses match: an AND of groups, each an OR of normalised strings; a string
    matches a clause when it is a substring of the clause's normalised label+heading+text."""
    groups: tuple[tuple[str, ...], ...] = ()
    excluded: tuple[str, ...] = ()      # clauses containing any of these are dropped
    in_context: bool = False            # a question: strings may match the clause's context
    partial: bool = False               # OR of the groups, most groups matched first
    # No groups: every clause (minus the excluded ones).


@dataclass(frozen=True, kw_only=True)
class FilterSpec:
    """Filters, OR inside a field and AND across fields, in canonical names."""
    issuers: frozenset[str] = frozenset()
    years: frozenset[int] = frozenset()
    themes: frozenset[str] = frozenset()        # clause themes
    doc_types: frozenset[str] = frozenset()
    date_lo: str | None = None          # YYYY-MM-DD: the document's date period must overlap
    date_hi: str | None = None          # [date_lo, date_hi]; undated documents are outside
    doc_id: str | None = None           # canonical document id
    doc_ids: frozenset[str] | None = None     # only these documents (field search: 标题, 机关 …)
    docnums: frozenset[int] | None = None     # only these clauses (task-record fields)
    validities: frozenset[str] = frozenset()    # the document's 时效性 (Document.validity)

    @property
    def active(self) -> bool:
        return bool(self.issuers or self.years or self.themes or self.doc_types
                    or self.date_lo or self.date_hi or self.doc_id or self.validities
                    or self.doc_ids is not None or self.docnums is not None)


@dataclass(kw_only=True)
class Ranked:
    """One page of a search, with the counts over all its matches."""
    total: int                          # exact number of matching clauses
    documents: int = 0                  # exact number of distinct documents among them
    docnums: list[int]                  # the requested slice, in result order
    scores: list[float]
    facets: dict[str, dict[str, int]] = field(default_factory=dict)   # facet → value → clauses
    missing: list[str] = field(default_factory=list)  # parts that did not answer: counts partial


class SearchBackend(Protocol):
    """One opened index version of a backend."""

    def search(self, match: MatchSpec, filters: FilterSpec, *, sort: str, offset: int,
               limit: int | None, facets: bool = True) -> Ranked:
        """Matches in result order (relevance: score desc then docnum; date: document date
        desc then docnum; date_asc: document date asc then docnum), the slice
        [offset, offset+limit) (limit None: all). `sort` is one of indexer.params.SORTS, or
        UNORDERED: in any order, scores not worked out (0)."""

    def count(self, match: MatchSpec, filters: FilterSpec | None = None) -> int:
        """The exact number of clauses matching."""

    def found(self, matches: list[MatchSpec]) -> list[bool]:
        """Whether any clause matches each (no filters): all the query planner's fallbacks ask
        (a term found nowhere, a question typed whole, all terms together), which a backend
        that can stop at the first match answers for less than a count."""

    def related(self, docnum: int, limit: int) -> list[tuple[int, float]]:
        """Clauses most like this one, best first (approximate)."""

    def close(self) -> None:
        """Release what the version holds open."""
