"""What the Sphinx tests share: a real local cluster, the seed corpus published into it, the
MatchSpec/FilterSpec a typed query means (as the Whoosh engine plans it today), and a brute-force
reference over the normalised texts that both backends must equal."""
from __future__ import annotations

import os
import shutil
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from indexer import analysis, facets, index, search, store
from indexer.fields import FieldScope
from indexer.backends.base import FilterSpec, MatchSpec
from indexer.records import Document, SearchRequest


def require_sphinx() -> None:
    """Cluster tests fail under CI when Sphinx is missing (.ci/run installs it); elsewhere skip."""
    missing = [tool for tool in ("searchd", "indexer", "indextool") if shutil.which(tool) is None]
    if not missing:
        return
    reason = f"Sphinx is not installed ({', '.join(missing)} missing): apt-get install sphinxsearch"
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


@contextmanager
def running_cluster(root: Path, shards: int = 2):
    """A real Sphinx cluster on free loopback ports under `root`, stopped afterwards."""
    from indexer.sphinx import cluster

    require_sphinx()
    layout = cluster.start_cluster(root, shards=shards)
    try:
        yield layout
    finally:
        cluster.stop_cluster(root)


def private_store(built_index: Path, folder: Path) -> Path:
    """A copy of the session's published store version in its own index folder, so publishing
    to Sphinx (which writes sphinx.json into it) leaves the shared one as it was."""
    source = (built_index / "current").resolve()
    version = folder / "versions" / source.name
    shutil.copytree(source, version, ignore=shutil.ignore_patterns("whoosh"))
    shutil.copytree(source / "whoosh", version / "whoosh")
    index._switch_current(folder, version)
    return version


def store_data(version: Path) -> tuple[list[Document], dict[str, list[str]]]:
    return store.read_documents(version), store.read_json(version / store.NORMALIZED)


# --- what a typed query means: the engine's own understanding (Searcher.plan / filters) ------

def match_spec(engine: search.Engine, q: str) -> MatchSpec:
    return engine.snapshot().plan(q).match


def filter_spec(engine: search.Engine, req: SearchRequest) -> FilterSpec:
    searcher = engine.snapshot()
    return searcher.filters(req, searcher.plan(req.q).scope if req.q else FieldScope())


# --- brute force ------------------------------------------------------------------------------

@dataclass
class Reference:
    """Every clause with its document, normalised text and context: the definition of a match."""
    documents: list[Document]
    texts: list[str]
    contexts: list[str]

    def __post_init__(self):
        self.doc_of = [d for d, doc in enumerate(self.documents) for _ in doc.clauses]
        self.clause_of = [c for doc in self.documents for c in doc.clauses]

    def groups_matched(self, n: int, match: MatchSpec) -> int:
        def hit(s: str) -> bool:
            return analysis.contains(self.texts[n], s) or (
                match.in_context and analysis.contains(self.contexts[n], s))
        return sum(any(hit(s) for s in group) for group in match.groups)

    def matches(self, match: MatchSpec, filters: FilterSpec) -> list[int]:
        found = []
        for n in range(len(self.texts)):
            if any(analysis.contains(self.texts[n], e) for e in match.excluded):
                continue
            matched = self.groups_matched(n, match)
            if match.groups and (matched == 0 if match.partial else matched < len(match.groups)):
                continue
            if self.passes(n, filters):
                found.append(n)
        return found

    def passes(self, n: int, f: FilterSpec) -> bool:
        doc, clause = self.documents[self.doc_of[n]], self.clause_of[n]
        if f.doc_id is not None and doc.id != f.doc_id:
            return False
        if f.issuers and not f.issuers & set(doc.issuers):
            return False
        if f.years and facets.year_of(doc) not in f.years:
            return False
        if f.doc_types and doc.doc_type not in f.doc_types:
            return False
        if f.validities and doc.validity not in f.validities:
            return False
        if f.themes and not f.themes & set(clause.themes):
            return False
        if f.date_lo or f.date_hi:
            period = facets.period(doc.date)
            if period is None or (f.date_lo and period[1] < f.date_lo) or (f.date_hi and period[0] > f.date_hi):
                return False
        return True

    def facets(self, docnums: list[int]) -> dict[str, dict[str, int]]:
        issuer, year, theme, kind, validity = Counter(), Counter(), Counter(), Counter(), Counter()
        for n in docnums:
            doc = self.documents[self.doc_of[n]]
            issuer.update(set(doc.issuers))
            if facets.year_of(doc) is not None:
                year[str(facets.year_of(doc))] += 1
            theme.update(self.clause_of[n].themes)
            if doc.doc_type:
                kind[doc.doc_type] += 1
            validity[doc.validity] += 1
        return {"issuer": dict(issuer), "year": dict(year), "theme": dict(theme), "type": dict(kind),
                "validity": dict(validity)}

    def date_order(self, docnums: list[int], newest_first: bool = True) -> list[int]:
        return sorted(sorted(docnums), key=lambda n: self.documents[self.doc_of[n]].date,
                      reverse=newest_first)


def engine_facets(result) -> dict[str, dict[str, int]]:
    return {name: {f.value: f.count for f in values} for name, values in result.facets.items()}
