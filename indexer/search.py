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

import gc
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from indexer import analysis, facets, known, originals, params, present, query, store
from indexer.backends import whoosh
from indexer.backends.sphinxql import SphinxQLBackend
from indexer.sphinx.cluster import parse_backend_url
from indexer.backends.base import UNORDERED, FilterSpec, MatchSpec, Ranked
from indexer.fields import FieldScope, apply_fields
from indexer.links.model import CitationGraph, CitedBy, Reference, Validity
from indexer.patterns import chinese_numeral
from indexer.records import (Clause, Document, DocumentGroup, Hit, QueryError, SearchRequest,
                             SearchResult)
from indexer.version import IndexNotFound, IndexVersion, open_version

__all__ = ["Engine", "Searcher", "IndexNotFound"]

SNIPPET_WIDTH = 120
GROUP_HITS = 3          # clauses shown under each document when grouping by document
QUESTION_NOTICE = "没有条款包含完整的“{typed}”，已按词语检索：{words}。"
PARTIAL_NOTICE = "没有同时包含全部词语的条款，以下按包含词语的多少显示部分匹配。"
DROPPED_NOTICE = "以下词语在任何条款中都没有出现，已略去：{terms}。"
MISSING_NOTICE = "有 {count} 个索引分片没有响应（{parts}），以下结果和计数不完整。"
NOTHING_TO_SEARCH = "查询中没有可检索的词语：请输入汉字、字母或数字组成的检索词。"
# 第16条 finds 第十六条: articles, chapters and the like are printed in Chinese numerals.
ARABIC_ORDINAL = re.compile(r"第(\d{1,3})(?=[条章节款项编部])")


@dataclass(frozen=True)
class Plan:
    """How a query was understood: what to match, what to highlight, what to tell the user."""
    match: MatchSpec
    expansions: tuple[str, ...] = ()
    notice: str = ""
    scope: FieldScope = FieldScope()
    dropped: tuple[str, ...] = ()       # typed terms that match nowhere, left out

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

    def original(self, doc_id: str) -> Path | None:
        """The file the document was parsed from, as this version keeps it (indexer/originals.py);
        None when the version keeps none."""
        document = self.document(doc_id)
        return originals.path_of(self.version.path, document.source) if document else None

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
        if req.group == "document":
            plan, ranked = self._planned(req, lambda match, filters: self.backend.search(
                match, filters, sort=req.sort, offset=0, limit=None))
            return self._grouped(req, plan, ranked)
        plan, ranked = self._planned(req, lambda match, filters: self.backend.search(
            match, filters, sort=req.sort, offset=(req.page - 1) * req.per_page, limit=req.per_page))
        return self._result(req, plan, ranked, hits=self._hits(ranked, plan.terms))

    def _planned(self, req: SearchRequest, run: Callable[[MatchSpec, FilterSpec], Ranked]
                 ) -> tuple[Plan, Ranked]:
        """The plan of the request and `run`'s answer for it, with as few counts as possible.

        The plan's fallbacks hang on counts that are almost always "some": the whole query
        as typed (question?), each term (found nowhere?), all of them together (partial?).
        So the request is first planned as if every count were "some" and run: when that
        finds anything, every count the plan asked about was indeed "some" — a clause that
        matches the planned query with the filters also matches each term and the typed
        query without them — so it is the plan the counts would have given, and the search
        itself was the only backend call. When it finds nothing, the request is planned
        again with the real counts (the unfiltered total just seen answers one of them) and
        run again only if that plan differs. A query that reads as a question is the exception:
        typed whole it usually matches nothing, so its whole count, which decides between the
        question and its words, is asked first; its words' counts are assumed like the rest."""
        assumed = _Counts(self, assume=True)
        plan = self.plan(req.full_query, count=assumed)
        filters = self.filters(req, plan.scope)
        ranked = run(plan.match, filters)
        if ranked.total or not assumed.assumed:
            return plan, ranked
        known = dict(assumed.known)
        if not (filters.active or ranked.missing):
            known[plan.match] = ranked.total
        checked = self.plan(req.full_query, count=_Counts(self, known))
        if checked == plan:
            return plan, ranked
        return checked, run(checked.match, self.filters(req, checked.scope))

    def _grouped(self, req: SearchRequest, plan: Plan, ranked: Ranked) -> SearchResult:
        """One row per document, in the order of its best clause; pages count documents."""
        by_document: dict[int, list[tuple[int, float]]] = {}
        for docnum, score in zip(ranked.docnums, ranked.scores):
            by_document.setdefault(self.version.doc_of[docnum], []).append((docnum, score))
        start = (req.page - 1) * req.per_page
        groups = [DocumentGroup(document=self.version.documents[d], count=len(found),
                                hits=[self.hit(n, plan.terms, s) for n, s in found[:GROUP_HITS]])
                  for d, found in list(by_document.items())[start:start + req.per_page]]
        return self._result(req, plan, ranked, hits=[], groups=groups)

    def _result(self, req: SearchRequest, plan: Plan, ranked: Ranked, **shown) -> SearchResult:
        return SearchResult(
            request=req, total=ranked.total, facets=facets.present(ranked.facets, req),
            terms=plan.terms, expansions=list(plan.expansions), partial=plan.match.partial,
            notice=plan.notice + (MISSING_NOTICE.format(count=len(ranked.missing),
                                                        parts="、".join(ranked.missing))
                                  if ranked.missing else ""),
            missing=list(ranked.missing), document_total=ranked.documents,
            documents=self.version.titles.lookup(req.q) if req.page == 1 else [], **shown)

    def iter_all(self, req: SearchRequest) -> Iterator[Hit]:
        """Every hit of a search in result order (pages ignored), for export."""
        plan, ranked = self._everything(req)
        for docnum, score in zip(ranked.docnums, ranked.scores):
            yield self.hit(docnum, plan.terms, score)

    def _everything(self, req: SearchRequest, ordered: bool = True) -> tuple[Plan, Ranked]:
        """Every match of a search in result order (in any order, unscored, unless `ordered`),
        without facets (exports, analytics)."""
        params.validate(req)
        sort = req.sort if ordered else UNORDERED
        return self._planned(req, lambda match, filters: self.backend.search(
            match, filters, sort=sort, offset=0, limit=None, facets=False))

    def matches(self, req: SearchRequest, ordered: bool = True
                ) -> tuple[list[tuple[Document, Clause]], list[str]]:
        """Every matching (document, clause) in result order (pages ignored) and the matched
        terms, for the analytics (indexer/analytics/): no hits, no snippets, no facets. An
        analysis that only counts them asks for them not `ordered` (no ranking)."""
        plan, ranked = self._everything(req, ordered)
        v = self.version
        return [(v.document_at(n), v.clause_at(n)) for n in ranked.docnums], plan.terms

    def matches_with_texts(self, req: SearchRequest
                           ) -> tuple[list[tuple[Document, Clause]], list[str], list[str]]:
        """`matches`, and each matching clause's normalised text as the index keeps it (what
        it matched on), so the concordance finds its terms without normalising again."""
        plan, ranked = self._everything(req)
        v = self.version
        return ([(v.document_at(n), v.clause_at(n)) for n in ranked.docnums], plan.terms,
                [v.texts[n] for n in ranked.docnums])

    def year_totals(self):
        """The collection's clauses and documents per year (indexer/analytics/trends.py)."""
        return self.version.year_totals

    def word_stats(self):
        """The version's per-clause word sets (indexer/analytics/cooccur.py)."""
        return self.version.word_stats

    def clause_places(self):
        """The version's breadcrumbs and permalink paths of clauses (indexer/analytics/coded.py)."""
        return self.version.clause_places

    def echo_pairs(self):
        """All near-identical clause pairs of the version, one at a time (indexer/analytics/echoes.py)."""
        return self.version.echo_pairs()

    def common_wording(self, doc_id: str, clause_id: str) -> int:
        """About how many clauses share this clause's wording when it is too common for its
        echoes to be listed (echoes.MAX_BUCKET), else 0."""
        return self.version.common_wording.get((self.version.canonical(doc_id) or doc_id, clause_id), 0)

    def echoes_of(self, doc_id: str, clause_id: str) -> list[tuple[str, str, float]]:
        """The clause's echoes in other documents: (doc_id, clause_id, similarity)."""
        return self.version.echoes_of(doc_id, clause_id)

    def related(self, doc_id: str, clause_id: str, limit: int = 5) -> list[Hit]:
        """Clauses most like this one ("more like this"), other documents first."""
        docnum = self.version.docnum(doc_id, clause_id)
        if docnum is None:
            return []
        return [self.hit(n, [], score) for n, score in self.backend.related(docnum, limit)]

    # --- understanding a query --------------------------------------------------------------

    def plan(self, q: str, count: Callable[[MatchSpec], int] | None = None) -> Plan:
        """How `q` is understood; `count` answers the fallbacks' counts (default: the
        backend, each asked once, the per-term ones in one batch)."""
        count = count or _Counts(self)
        number = known.canonical_doc_number(q)      # 国发 [2018] 4 号 is one term, not five
        parsed, scope = apply_fields(query.parse(f'"{number}"' if number else q), self.version)
        if q.strip() and not (parsed.groups or parsed.excluded or scope != FieldScope()):
            raise QueryError(NOTHING_TO_SEARCH)
        expansions: list[str] = []
        groups = tuple(self._variants(g, expansions) for g in parsed.groups)
        excluded = self._variants(parsed.excluded, [])
        notice, in_context = "", False
        sentence = parsed.sentence()
        # A question: one unspaced run with content words other than itself. Only then does
        # its count matter (nothing else would change). Planning with assumed counts
        # (Searcher._planned), only the whole is asked: its words' counts matter only when
        # the search of the words finds nothing, and then the plan is made again with real
        # counts, which asks the whole, each word and all of them together in one batch.
        words = query.sentence_words(sentence.typed) if sentence else []
        if sentence and words and words != [sentence.text]:
            whole = MatchSpec(groups=groups[:1])
            word_groups = tuple(self._variants([query.Term(w, w)], []) for w in words)
            if isinstance(count, _Counts):
                later = [] if count.assume else \
                    [*(MatchSpec(groups=(g,), in_context=True) for g in word_groups),
                     MatchSpec(groups=word_groups, excluded=excluded, in_context=True)]
                count.prefetch([whole, *later], ask=True)
            if not count(whole):
                expansions, in_context = [], True
                groups = tuple(self._variants([query.Term(w, w)], expansions) for w in words)
                notice = QUESTION_NOTICE.format(typed=sentence.typed, words=" ".join(words))
        groups, dropped = self._drop_unmatched(groups, parsed, in_context, count)
        if dropped:
            notice += DROPPED_NOTICE.format(terms="、".join(dropped))
        match = MatchSpec(groups=groups, excluded=excluded, in_context=in_context)
        if len(groups) > 1 and not count(match):
            match = replace(match, partial=True)
            notice += PARTIAL_NOTICE
        return Plan(match=match, expansions=tuple(expansions), notice=notice, scope=scope,
                    dropped=dropped)

    def _drop_unmatched(self, groups: tuple, parsed, in_context: bool,
                        count: Callable[[MatchSpec], int]) -> tuple[tuple, tuple]:
        """With several terms, the ones no clause contains are left out (and named), so the
        others still answer; a lone term that matches nothing stays, to find nothing."""
        if len(groups) < 2:
            return groups, ()
        singles = [MatchSpec(groups=(g,), in_context=in_context) for g in groups]
        if isinstance(count, _Counts):
            count.prefetch(singles)
        counts = [count(m) for m in singles]
        if all(counts) or not any(counts):
            return groups, ()
        typed = [" 或 ".join(t.typed for t in g) for g in parsed.groups] if not in_context \
            else [g[0] for g in groups]
        kept = tuple(g for g, c in zip(groups, counts) if c)
        return kept, tuple(t for t, c in zip(typed, counts) if not c)

    def _counts(self, matches: list[MatchSpec]) -> list[int]:
        """1 where some clause matches, 0 where none, to decide on fallbacks: no fallback
        needs more than "some or none" (backend.found, one call)."""
        return [int(found) for found in self.backend.found(matches)]

    def _variants(self, group: list[query.Term], expansions: list[str]) -> tuple[str, ...]:
        """The normalised strings a group of terms matches: each unquoted term widened with its
        synonyms (added ones recorded in `expansions`), quoted terms as typed."""
        found: list[str] = []
        for term in group:
            names = [term.typed] if term.quoted else self.version.alias_table.expand(term.text)
            names += [ARABIC_ORDINAL.sub(lambda m: "第" + chinese_numeral(int(m[1])), n)
                      for n in names if ARABIC_ORDINAL.search(n)]
            for name in names:
                norm = analysis.normalize(name)
                if norm and norm not in found:
                    found.append(norm)
                    if norm != term.text and name not in expansions:
                        expansions.append(name)
        return tuple(found)

    def filters(self, req: SearchRequest, scope: FieldScope = FieldScope()) -> FilterSpec:
        """The request's filters in canonical names (issuer aliases, alias document ids),
        narrowed to what the query's field terms allow."""
        lo = facets.period(req.date_from)[0] if req.date_from else None
        hi = facets.period(req.date_to)[1] if req.date_to else None
        doc_id = (self.version.canonical(req.doc_id) or req.doc_id) if req.doc_id else None
        return FilterSpec(
            issuers=frozenset(self.version.alias_table.canonical_issuer(i) for i in req.issuers),
            years=frozenset(req.years), themes=frozenset(req.themes),
            doc_types=frozenset(req.doc_types), date_lo=lo, date_hi=hi, doc_id=doc_id,
            doc_ids=scope.doc_ids, docnums=scope.docnums, validities=frozenset(req.validities))

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
            press_summary=document.press_summary, validity=document.validity)


class _Counts:
    """A plan's counts from the backend, each match asked at most once per request: 0 (no
    clause matches) or "some" — 1 from backend.found, or a total already seen in `known` (an
    unfiltered search's); nothing in the plan reads more than zero or not. With `assume`, a
    count that was not fetched is answered "some" (1) and recorded in `assumed`
    (Searcher._planned), and only a prefetch with `ask` goes to the backend."""

    def __init__(self, searcher: Searcher, known: dict[MatchSpec, int] | None = None, *,
                 assume: bool = False):
        self.searcher = searcher
        self.known = dict(known or {})
        self.assume = assume
        self.assumed: list[MatchSpec] = []

    def prefetch(self, matches: list[MatchSpec], ask: bool = False) -> None:
        """Ask for the counts not known yet together (one batch)."""
        wanted = list(dict.fromkeys(m for m in matches if m not in self.known))
        if wanted and (ask or not self.assume):
            self.known.update(zip(wanted, self.searcher._counts(wanted)))

    def __call__(self, match: MatchSpec) -> int:
        self.prefetch([match])
        if match not in self.known:
            self.assumed.append(match)
            return 1
        return self.known[match]


def backend_opener(settings: str | None = None) -> Callable[[IndexVersion], object]:
    """The function that opens a version's backend: the SphinxQL cluster a backend URL
    (CESOU_BACKEND, sphinxql://HOST:PORT/INDEX) names, else the embedded Whoosh index."""
    if not settings:
        return whoosh.open
    url = parse_backend_url(settings)
    return lambda version: SphinxQLBackend(url, version.path)


def settle_heap() -> None:
    """Put what the process holds now (the version just opened: ~680,000 tracked objects at
    ×100) out of the cyclic garbage collector's reach, after one full collection (which also
    collects what a previous version left in cycles: `unfreeze` first hands the previously
    frozen objects back to it). Done by the serving process (`python app.py`) after each
    version it opens, not by tests or the build: a full collection per version opened.

    Why: the collector's full passes walk every tracked object, and a large export allocates
    enough to start one every few requests. Measured at ×100 on the 人才 XLSX (17,419 rows),
    ten requests in a row: 402–793 ms with the version under the collector (three passes of
    ~300 ms each), 429–548 ms frozen."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()


class Engine:
    """Serves the version `index_dir/current` points at; cheap to keep for a process.

    `refresh()` notices a newly published version with one readlink and opens it while the
    old one keeps serving: only the thread that opens waits, and no lock is held across
    requests. `snapshot()` is what one request works with."""

    def __init__(self, index_dir: Path, backend: str | None = None, freeze_gc: bool = False):
        self.index_dir = Path(index_dir)
        self.freeze_gc = freeze_gc
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
            if self.freeze_gc:
                settle_heap()
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

    def matches(self, req: SearchRequest, ordered: bool = True):
        return self.snapshot().matches(req, ordered)

    def matches_with_texts(self, req: SearchRequest):
        return self.snapshot().matches_with_texts(req)
