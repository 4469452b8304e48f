"""The backend seam (issue 10), copied here so the SphinxQL backend is written against it;
the lead's indexer/backends/base.py is the reference and will replace this copy.

Additions made by the sphinx branch (to reconcile): `BackendUnavailable`, raised when the
backend cannot answer at all (the site turns it into a Chinese 503), and `BackendError`,
its base, for an answer the backend refused (never expected: every query is compiled)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True, kw_only=True)
class MatchSpec:
    groups: tuple[tuple[str, ...], ...]   # AND of groups; a group is an OR of normalised strings; a string matches a clause when it is a substring of the clause's normalised label+heading+text
    excluded: tuple[str, ...] = ()        # clauses containing any of these are dropped
    in_context: bool = False              # question mode: a group string may also match the clause's context (document title + ancestor headings, normalised)
    partial: bool = False                 # OR of the groups instead of AND; order by number of groups matched desc, then score
    # no groups: every clause (minus excluded)


@dataclass(frozen=True, kw_only=True)
class FilterSpec:                          # OR inside a field, AND across fields
    issuers: frozenset[str] = frozenset()  # canonical issuer names (Document.issuers values)
    years: frozenset[int] = frozenset()
    themes: frozenset[str] = frozenset()   # clause themes (Clause.themes)
    doc_types: frozenset[str] = frozenset()
    date_lo: str | None = None             # 'YYYY-MM-DD': the document's date period must overlap [date_lo, date_hi]; undated documents excluded when a bound is set
    date_hi: str | None = None
    doc_id: str | None = None              # canonical document id


@dataclass(kw_only=True)
class Ranked:
    total: int                             # exact number of matching clauses
    docnums: list[int]                     # the requested slice, in result order
    scores: list[float]
    facets: dict[str, dict[str, int]]      # 'issuer','year','theme','type' → value → clause count over ALL matches with every filter applied
    missing: list[str] = field(default_factory=list)  # parts (shards) that did not answer; non-empty ⇒ counts are partial


class SearchBackend(Protocol):            # one opened version
    def search(self, match: MatchSpec, filters: FilterSpec, *, sort: str, offset: int, limit: int,
               facets: bool = True) -> Ranked: ...
    # sort 'relevance': score desc, docnum asc; 'date': document date desc, then docnum asc

    def count(self, match: MatchSpec, filters: FilterSpec | None = None) -> int: ...

    def related(self, docnum: int, limit: int) -> list[tuple[int, float]]: ...   # 'more like this', may be approximate

    def close(self) -> None: ...


class BackendError(Exception):
    """The backend refused or failed a request (the message names the backend and why)."""


class BackendUnavailable(BackendError):
    """The backend cannot be reached or did not answer in time; retrying later may work.
    The site answers 503 with a Chinese message; the CLI exits non-zero."""
