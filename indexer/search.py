"""The search engine shared by the site, the CLI and the tests (no Flask here).

Two layers, as in lunr: a typed query is first *understood* — parsed (indexer/query.py),
widened with synonyms from the version's alias table, turned into a `MatchSpec` and a
`FilterSpec` — and then *run* by the version's backend (indexer/backends/), which matches
exactly, counts, ranks and counts facets. Everything a reader sees (hits with snippets and
breadcrumbs, notices, expansions, facet values with their toggle links) is made here from the
backend's docnums, so every backend answers with the same shapes.

How a query is understood:
* each unquoted term matches itself or any of its synonyms; quoted terms only themselves;
* a query typed as one unspaced run (a question) that matches nowhere as a whole is searched
  as its content words, which may also stand in the clause's context (title, parent headings);
* when no clause holds every term, the clauses holding most of them are shown, with a notice.

Versions: `Engine.snapshot()` returns a `Searcher` bound to one immutable `IndexVersion`; a
caller that makes several calls (a web request) takes one snapshot and uses it throughout, so
a rebuild published meanwhile never mixes two versions into one answer.
"""
from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from indexer import analysis, facets, params, present, query, store
from indexer.backends import whoosh
from indexer.backends.base import FilterSpec, MatchSpec, Ranked
from indexer.links.model import CitationGraph, CitedBy, Reference, Validity
from indexer.records import Clause, Document, Hit, SearchRequest, SearchResult
from indexer.version import IndexNotFound, IndexVersion, open_version

__all__ = ["Engine", "Searcher", "IndexNotFound"]

SNIPPET_WIDTH = 120
QUESTION_NOTICE = "没有条款包含完整的“{typed}”，已按词语检索：{words}。"
PARTIAL_NOTICE = "没有同时包含全部词语的条款，以下按包含词语的多少显示部分匹配。"


@dataclass(frozen=True)
class Plan:
    """How a query was understood: what to match, what to highlight, what to tell the user."""
    match: MatchSpec
    expansions: tuple[str, ...] = ()
    notice: str = ""

    @property
    def terms(self) -> list[str]:
        """Every string searched for, to highlight."""
        return list(dict.fromkeys(t for group in self.match.groups for t in group))


class Searcher:
    """Every read of one index version: documents, clauses and searches."""

    def __init__(self, version: IndexVersion):
        self.version = version
        self.backend = version.backend

    # --- documents --------------------------------------------------------------------------

    def documents(self) -> list[Document]:
        return list(self.version.documents)

    def alias_table(self):
        """The synonyms and issuer names the version was built and is searched with."""
        return self.version.alias_table

    def canonical_id(self, doc_id: str) -> str | None:
        return self.version.canonical(doc_id)

    def document(self, doc_id: str) -> Document | None:
        return self.version.document(doc_id)

    def clause(self, doc_id: str, clause_id: str) -> Clause | None:
        docnum = self.version.docnum(doc_id, clause_id)
        return None if docnum is None else self.version.clause_at(docnum)

    # --- links between documents (indexer/links, read from the version) -------------------

    def citations(self) -> CitationGraph:
        return self.version.citations

    def references(self, doc_id: str, clause_id: str | None = None) -> list[Reference]:
        return self.version.references(doc_id, clause_id)

    def cited_by(self, doc_id: str, clause_id: str | None = None) -> list[CitedBy]:
        return self.version.cited_by(doc_id, clause_id)

    def validity(self, doc_id: str) -> Validity:
        return self.version.validity(doc_id)

    # --- search -----------------------------------------------------------------------------

    def search(self, req: SearchRequest) -> SearchResult:
        params.validate(req)
        plan = self.plan(req.q)
        ranked = self.backend.search(plan.match, self.filters(req), sort=req.sort,
                                     offset=(req.page - 1) * req.per_page, limit=req.per_page)
        return SearchResult(
            request=req, total=ranked.total, hits=self._hits(ranked, plan.terms),
            facets=facets.present(ranked.facets, req), terms=plan.terms,
            expansions=list(plan.expansions), partial=plan.match.partial, notice=plan.notice,
            missing=list(ranked.missing))

    def iter_all(self, req: SearchRequest) -> Iterator[Hit]:
        """Every hit of a search in result order (pages ignored), for export."""
        params.validate(req)
        plan = self.plan(req.q)
        ranked = self.backend.search(plan.match, self.filters(req), sort=req.sort, offset=0,
                                     limit=None, facets=False)
        for docnum, score in zip(ranked.docnums, ranked.scores):
            yield self.hit(docnum, plan.terms, score)

    def related(self, doc_id: str, clause_id: str, limit: int = 5) -> list[Hit]:
        """Clauses most like this one ("more like this"), other documents first."""
        docnum = self.version.docnum(doc_id, clause_id)
        if docnum is None:
            return []
        return [self.hit(n, [], score) for n, score in self.backend.related(docnum, limit)]

    # --- understanding a query --------------------------------------------------------------

    def plan(self, q: str) -> Plan:
        parsed = query.parse(q)
        expansions: list[str] = []
        groups = tuple(self._variants(g, expansions) for g in parsed.groups)
        excluded = self._variants(parsed.excluded, [])
        notice, in_context = "", False
        sentence = parsed.sentence()
        if sentence and not self.backend.count(MatchSpec(groups=groups[:1])):
            words = query.sentence_words(sentence.typed)
            if words and words != [sentence.text]:
                expansions, in_context = [], True
                groups = tuple(self._variants([query.Term(w, w)], expansions) for w in words)
                notice = QUESTION_NOTICE.format(typed=sentence.typed, words=" ".join(words))
        match = MatchSpec(groups=groups, excluded=excluded, in_context=in_context)
        if len(groups) > 1 and not self.backend.count(match):
            match = MatchSpec(groups=groups, excluded=excluded, in_context=in_context, partial=True)
            notice = f"{notice}{PARTIAL_NOTICE}"
        return Plan(match=match, expansions=tuple(expansions), notice=notice)

    def _variants(self, group: list[query.Term], expansions: list[str]) -> tuple[str, ...]:
        """The normalised strings a group of terms matches: each unquoted term widened with its
        synonyms (added ones recorded in `expansions`), quoted terms as typed."""
        found: list[str] = []
        for term in group:
            names = [term.typed] if term.quoted else self.version.alias_table.expand(term.text)
            for name in names:
                norm = analysis.normalize(name)
                if norm and norm not in found:
                    found.append(norm)
                    if norm != term.text and name not in expansions:
                        expansions.append(name)
        return tuple(found)

    def filters(self, req: SearchRequest) -> FilterSpec:
        """The request's filters in canonical names (issuer aliases, alias document ids)."""
        lo = facets.period(req.date_from)[0] if req.date_from else None
        hi = facets.period(req.date_to)[1] if req.date_to else None
        doc_id = (self.version.canonical(req.doc_id) or req.doc_id) if req.doc_id else None
        return FilterSpec(
            issuers=frozenset(self.version.alias_table.canonical_issuer(i) for i in req.issuers),
            years=frozenset(req.years), themes=frozenset(req.themes),
            doc_types=frozenset(req.doc_types), date_lo=lo, date_hi=hi, doc_id=doc_id,
            validities=frozenset(req.validities))

    # --- hits -------------------------------------------------------------------------------

    def _hits(self, ranked: Ranked, terms: list[str]) -> list[Hit]:
        return [self.hit(n, terms, s) for n, s in zip(ranked.docnums, ranked.scores)]

    def hit(self, docnum: int, terms: list[str], score: float) -> Hit:
        v = self.version
        document, clause = v.document_at(docnum), v.clause_at(docnum)
        # The snippet shows the body text, or the heading with it when only the heading matches
        # (a term found more often in label+heading+text than in label+heading is in the body).
        in_body = not terms or any(v.texts[docnum].count(t) > v.headings[docnum].count(t)
                                   for t in terms)
        source = clause.text if in_body else " ".join(p for p in (clause.heading, clause.text) if p)
        return Hit(
            doc_id=document.id, doc_title=document.title, clause_id=clause.id,
            label=clause.label, heading=clause.heading, breadcrumb=v.breadcrumb(docnum),
            text=clause.text, snippet=present.snippet(source, terms, SNIPPET_WIDTH),
            date=document.date, issuers=list(document.issuers), themes=list(clause.themes),
            doc_type=document.doc_type, score=float(score), doc_number=document.doc_number,
            validity=document.validity)


def backend_opener(settings: str | None = None) -> Callable[[IndexVersion], object]:
    """The function that opens a version's backend: Whoosh unless configured otherwise."""
    return whoosh.open


class Engine:
    """Serves the version `index_dir/current` points at; cheap to keep for a process.

    `refresh()` notices a newly published version with one readlink and opens it while the
    old one keeps serving: only the thread that opens waits, and no lock is held across
    requests. `snapshot()` is what one request works with."""

    def __init__(self, index_dir: Path, backend: str | None = None):
        self.index_dir = Path(index_dir)
        self._open_backend = backend_opener(backend)
        self._opening = threading.Lock()
        self._version: IndexVersion | None = None
        self._link: str | None = None
        self.refresh()

    def refresh(self) -> None:
        """Switch to a newly published version, if any. While another thread opens one, the
        others go on with the version they have (they wait only when there is none yet)."""
        link = store.current_link(self.index_dir)
        if self._version is not None and link in (self._link, None):
            return      # unchanged, or the link is gone: keep serving what is open
        if not self._opening.acquire(blocking=self._version is None):
            return
        try:
            if self._version is not None and link == self._link:
                return
            path = store.published_version(self.index_dir)
            if path is None:
                if self._version is not None:
                    return
                raise IndexNotFound(f"尚未建立索引：{self.index_dir}。请先运行 make build。")
            self._version = open_version(path, self.index_dir, self._open_backend)
            self._link = link
        finally:
            self._opening.release()

    def snapshot(self) -> Searcher:
        """One consistent view of the current version, for everything one request does."""
        assert self._version is not None
        return Searcher(self._version)

    # One-call conveniences (the CLI, the tests): each call is its own snapshot.

    def documents(self) -> list[Document]:
        return self.snapshot().documents()

    def document(self, doc_id: str) -> Document | None:
        return self.snapshot().document(doc_id)

    def clause(self, doc_id: str, clause_id: str) -> Clause | None:
        return self.snapshot().clause(doc_id, clause_id)

    def canonical_id(self, doc_id: str) -> str | None:
        return self.snapshot().canonical_id(doc_id)

    def alias_table(self):
        return self.snapshot().alias_table()

    def search(self, req: SearchRequest) -> SearchResult:
        return self.snapshot().search(req)

    def iter_all(self, req: SearchRequest) -> Iterator[Hit]:
        return self.snapshot().iter_all(req)

    def related(self, doc_id: str, clause_id: str, limit: int = 5) -> list[Hit]:
        return self.snapshot().related(doc_id, clause_id, limit)
