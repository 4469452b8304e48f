"""Term trends: per-year counts of a query's matching clauses and documents.

How each number is computed (for one series):

- `clauses`: matching clauses whose document is dated in that year.
- `documents`: distinct documents dated in that year with at least one matching clause.
- `clauses_per_1000`: clauses ÷ all clauses of that year's collection × 1000, and
  `documents_per_100`: documents ÷ all documents of that year's collection × 100, so that a
  growing corpus is not mistaken for a growing topic. The denominator is always the whole
  year's collection, also in a split series (a split series' rate is its share of everything
  published that year, so split series of one query are comparable with each other).
- Years: every year in which the collection has a dated document, in order, with zeros where the
  query has no match, so all series share one x axis.
- Undated documents (a date that does not start with a year) have no point: their matching
  clauses and documents are counted in the series' `undated_clauses` / `undated_documents`
  instead (not in the JSON points), so Σ points.clauses + undated_clauses = the search total for
  the same query and filters.
- `by` splits a series: `issuer` puts a clause under every issuer of its document (a jointly
  issued clause counts once under each, as the issuer facet counts it, so split series can sum
  to more than the total); `type` under its document's type (each clause once); `theme` under
  each of the clause's own themes (again possibly several). A clause without an issuer, type or
  theme goes under the key `（未注明）`. Split series come largest first; `limit` keeps the
  largest ones.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from indexer.analytics.common import UNSET, Match, csv_text
from indexer.facets import year_of
from indexer.records import Clause, Document, QueryError

BY_VALUES = ("issuer", "type", "theme")

COLUMNS = [("query", "检索式"), ("by", "拆分维度"), ("key", "分组"), ("year", "年份"),
           ("clauses", "命中条款数"), ("documents", "命中文件数"),
           ("clauses_per_1000", "每千条款命中数"), ("documents_per_100", "每百文件命中数")]


@dataclass(kw_only=True)
class YearTotals:
    """The whole collection's clauses and documents per year (the rates' denominators)."""
    clauses: dict[int, int]
    documents: dict[int, int]


@dataclass(kw_only=True)
class TrendPoint:
    year: int
    clauses: int
    documents: int
    clauses_per_1000: float
    documents_per_100: float


@dataclass(kw_only=True)
class TrendSeries:
    query: str
    by: str | None
    key: str | None
    points: list[TrendPoint]
    undated_clauses: int = 0        # matching clauses of undated documents (no point)
    undated_documents: int = 0

    @property
    def total_clauses(self) -> int:
        return sum(p.clauses for p in self.points) + self.undated_clauses

    def to_json(self) -> dict:
        return {"query": self.query, "by": self.by, "key": self.key,
                "points": [{"year": p.year, "clauses": p.clauses, "documents": p.documents,
                            "clauses_per_1000": p.clauses_per_1000,
                            "documents_per_100": p.documents_per_100} for p in self.points]}


@dataclass
class _Tally:
    clauses: Counter = field(default_factory=Counter)          # year (None: undated) → clauses
    documents: dict = field(default_factory=lambda: defaultdict(set))   # year → doc ids


def collection_totals(documents: Iterable[Document]) -> YearTotals:
    """Clauses and documents per year over the whole collection (undated ones left out).
    Cheap (one pass over documents); the web layer may keep it per index version."""
    clauses: Counter = Counter()
    docs: Counter = Counter()
    for document in documents:
        year = year_of(document)
        if year is not None:
            clauses[year] += len(document.clauses)
            docs[year] += 1
    return YearTotals(clauses=dict(clauses), documents=dict(docs))


def trend_series(query: str, matches: Iterable[Match], totals: YearTotals,
                 by: str | None = None, limit: int | None = None) -> list[TrendSeries]:
    """One series for the query (by=None), or one per issuer/type/theme (see the docstring)."""
    if by is not None and by not in BY_VALUES:
        raise QueryError(f"拆分维度只能是 issuer、type 或 theme（收到 {by!r}）。 "
                         f"by must be issuer, type or theme.")
    tallies: dict[str | None, _Tally] = defaultdict(_Tally)
    for document, clause in matches:
        year = year_of(document)
        for key in _keys(by, document, clause):
            tally = tallies[key]
            tally.clauses[year] += 1
            tally.documents[year].add(document.id)
    if by is None and None not in tallies:
        tallies[None] = _Tally()          # a query with no match still has its (zero) series
    keys = sorted(tallies, key=lambda k: (-sum(tallies[k].clauses.values()), k or ""))
    return [_series(query, by, key, tallies[key], totals) for key in keys[:limit]]


def trends(queries: Iterable[tuple[str, Iterable[Match]]], totals: YearTotals,
           by: str | None = None, limit: int | None = None) -> list[TrendSeries]:
    """The series of several queries, each given with its matches, in the order given."""
    return [s for query, matches in queries for s in trend_series(query, matches, totals, by, limit)]


def _keys(by: str | None, document: Document, clause: Clause) -> list[str | None]:
    if by is None:
        return [None]
    if by == "issuer":
        return list(dict.fromkeys(document.issuers)) or [UNSET]
    if by == "type":
        return [document.doc_type or UNSET]
    return list(dict.fromkeys(clause.themes)) or [UNSET]


def _series(query: str, by: str | None, key: str | None, tally: _Tally,
            totals: YearTotals) -> TrendSeries:
    points = []
    for year in sorted(totals.clauses):
        clauses, documents = tally.clauses[year], len(tally.documents.get(year, ()))
        points.append(TrendPoint(
            year=year, clauses=clauses, documents=documents,
            clauses_per_1000=_rate(clauses, totals.clauses[year], 1000),
            documents_per_100=_rate(documents, totals.documents.get(year, 0), 100)))
    return TrendSeries(query=query, by=by, key=key, points=points,
                       undated_clauses=tally.clauses[None],
                       undated_documents=len(tally.documents.get(None, ())))


def _rate(count: int, total: int, per: int) -> float:
    return round(count * per / total, 3) if total else 0.0


def trends_json(series: Sequence[TrendSeries]) -> dict:
    """`{"series": [{"query", "by", "key", "points": [{"year", "clauses", "documents",
    "clauses_per_1000", "documents_per_100"}]}]}`."""
    return {"series": [s.to_json() for s in series]}


def trends_csv(series: Sequence[TrendSeries]) -> str:
    """The table behind the chart, one row per series and year (columns: `COLUMNS`)."""
    rows = ([s.query, s.by or "", s.key or "", p.year, p.clauses, p.documents,
             p.clauses_per_1000, p.documents_per_100] for s in series for p in s.points)
    return csv_text(COLUMNS, rows)
