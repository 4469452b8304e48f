"""The search API shared by the site, the CLI and the tests (no Flask here).

Matching is exact: a term matches a clause when its normalised string occurs in the clause's
normalised label+heading+text. Whoosh's bigram field narrows the candidates, and every candidate
is verified against the normalised text kept in memory, so counts are true substring counts.
Ranking is Whoosh BM25F over the jieba words of the clause, of its label+heading and of its
context (document title, parent headings), plus the term's bigrams, read only at the matches.

Facet counts are over all matches with every filter applied, the facet's own included
(Datasette style): the numbers always add up to what selecting that value would show.
"""
from __future__ import annotations

import calendar
import html
import json
import math
import os
import re
import sys
import threading
from array import array
from collections import Counter, OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from datetime import date
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.query import And, Or, Term

from indexer import aliases, analysis, present, query
from indexer.index import jieba_cache, published_version
from indexer.records import (Clause, Document, FacetValue, Hit, QueryError, SearchRequest,
                             SearchResult)

MAX_PER_PAGE = 100
SNIPPET_WIDTH = 120
# Ranking weights of the fields (BM25F); tuned with `python -m indexer relevance`, which moves
# little between 1-5 for headings and 0.25-1 for context (see docs/search.md).
WORDS_BOOST = 1.0
HEADING_BOOST = 3.0
CONTEXT_BOOST = 0.5
BIGRAM_BOOST = 1.0
# Clauses rescored with full BM25F after a quick first ranking of all matches. Rescoring walks
# Whoosh postings, a cost that grows with the corpus; 200 → 100 left the relevance evaluation
# unchanged and cut the ×100 p95 (docs/performance.md).
RESCORE_WINDOW = 100
BM25_K1, BM25_B = 1.2, 0.75       # Whoosh's defaults, for the quick ranking
# A heading without text of its own (二、完善基础研究布局) only points at its children, which say more.
BARE_HEADING_WEIGHT = 0.8
_TERM_CACHE = 512
_DATE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")


class IndexNotFound(Exception):
    """No index is published yet; the message tells how to build one."""


@dataclass
class _Version:
    """One opened index version with its per-docnum arrays; replaced whole on refresh, so a
    request always sees one consistent version."""
    searcher: object
    documents: list[Document]
    document_aliases: dict[str, str]
    alias_table: aliases.AliasTable
    texts: list[str]                    # docnum → normalised label+heading+text
    headings: list[str]                 # docnum → normalised label+heading
    mean_length: float                  # of texts
    contexts: list[str]                 # distinct normalised title + ancestor headings
    context_members: list[list[int]]    # context index → its docnums
    doc_of: array                       # docnum → index into documents
    clause_of: array                    # docnum → index into that document's clauses
    doc_start: list[int]                # document index → its first docnum
    by_id: dict[str, int] = field(default_factory=dict)
    clause_docnum: dict[tuple[str, str], int] = field(default_factory=dict)
    # Whoosh searchers are not thread-safe; the lock also guards the term cache.
    lock: threading.Lock = field(default_factory=threading.Lock)
    term_cache: OrderedDict = field(default_factory=OrderedDict)   # term → its docnums
    outlines: dict[int, list[present.OutlineEntry]] = field(default_factory=dict)  # filled on use

    def breadcrumb(self, docnum: int) -> list[str]:
        """Titles of the clause's parents; each document's outline is worked out once."""
        d = self.doc_of[docnum]
        if d not in self.outlines:
            self.outlines[d] = present.outline(self.documents[d])
        return [present.clause_title(a) for a in self.outlines[d][self.clause_of[docnum]].ancestors]


def _open_version(path: Path, index_dir: Path) -> _Version:
    config_dir = path / "config"
    analysis.configure_jieba(config_dir / "userdict.txt", jieba_cache(index_dir))
    documents = [_document_from_json(d) for d in
                 json.loads((path / "documents.json").read_text(encoding="utf-8"))]
    normalized = json.loads((path / "normalized.json").read_text(encoding="utf-8"))
    texts = normalized["texts"]
    # Siblings share a context; matching each distinct context once keeps question search cheap.
    context_index: dict[str, int] = {}
    context_of = [context_index.setdefault(c, len(context_index)) for c in normalized["contexts"]]
    context_members: list[list[int]] = [[] for _ in context_index]
    for docnum, c in enumerate(context_of):
        context_members[c].append(docnum)
    doc_of, clause_of, doc_start = array("i"), array("i"), []
    for d, document in enumerate(documents):
        doc_start.append(len(doc_of))
        doc_of.extend([d] * len(document.clauses))
        clause_of.extend(range(len(document.clauses)))
    if len(doc_of) != len(texts):
        raise IndexNotFound(f"index version {path} is inconsistent; rebuild it (make build)")
    version = _Version(
        searcher=whoosh_index.open_dir(str(path / "whoosh")).searcher(),
        documents=documents,
        document_aliases=json.loads((path / "document_aliases.json").read_text(encoding="utf-8")),
        alias_table=aliases.load_aliases(path),
        texts=texts, headings=normalized["headings"],
        mean_length=sum(map(len, texts)) / max(len(texts), 1), contexts=list(context_index),
        context_members=context_members, doc_of=doc_of, clause_of=clause_of, doc_start=doc_start,
        by_id={doc.id: i for i, doc in enumerate(documents)})
    version.clause_docnum = {(documents[doc_of[n]].id, documents[doc_of[n]].clauses[clause_of[n]].id): n
                             for n in range(len(doc_of))}
    return version


def _document_from_json(data: dict) -> Document:
    """The Document stored by the build (keys the record types do not know are skipped)."""
    clauses = [Clause(**{k: c[k] for k in _CLAUSE_FIELDS if k in c}) for c in data["clauses"]]
    return Document(**{k: data[k] for k in _DOCUMENT_FIELDS if k in data}, clauses=clauses)


_CLAUSE_FIELDS = [f.name for f in fields(Clause)]
_DOCUMENT_FIELDS = [f.name for f in fields(Document) if f.name != "clauses"]


@dataclass
class _Plan:
    """How a query was understood and what it matched."""
    matched: set[int] | None                 # None: every clause (no positive term)
    groups: list[set[int]]                   # per AND group, the clauses it matched
    variants: list[list[str]]                # per AND group, the normalised strings searched
    expansions: list[str]
    partial: bool = False
    notice: str = ""
    in_context: bool = False                 # a question: words may match the clause's context

    @property
    def terms(self) -> list[str]:
        """Every string searched for, to highlight."""
        return list(dict.fromkeys(t for group in self.variants for t in group))


class Engine:
    """Searches the version `index_dir/current` points at; cheap to keep for a process."""

    def __init__(self, index_dir: Path):
        self.index_dir = Path(index_dir)
        self._swap_lock = threading.Lock()
        self._version: _Version | None = None
        self._link: str | None = None
        self.refresh()

    # --- versions ------------------------------------------------------------------------

    def refresh(self) -> None:
        """Switch to a newly published version, if any (one readlink when nothing changed)."""
        try:
            link = os.readlink(self.index_dir / "current")
        except OSError:
            link = None
        if self._version is not None and link in (self._link, None):
            return      # unchanged, or the link is gone: keep serving what is open
        with self._swap_lock:
            if self._version is not None and link == self._link:
                return
            path = published_version(self.index_dir)
            if path is None:
                raise IndexNotFound(f"尚未建立索引：{self.index_dir}。请先运行 `make build`。 "
                                    f"No index published in {self.index_dir}; run `make build`.")
            # Requests in flight keep the version object they started with.
            self._version = _open_version(path, self.index_dir)
            self._link = link

    def _current(self) -> _Version:
        assert self._version is not None
        return self._version

    # --- documents -----------------------------------------------------------------------

    def documents(self) -> list[Document]:
        return list(self._current().documents)

    def alias_table(self) -> aliases.AliasTable:
        """The synonyms and issuer names the published version was built and is searched with."""
        return self._current().alias_table

    def canonical_id(self, doc_id: str) -> str | None:
        """The canonical id for a canonical or alias document id; None when unknown."""
        return _canonical(self._current(), doc_id)

    def document(self, doc_id: str) -> Document | None:
        v = self._current()
        canonical = _canonical(v, doc_id)
        return v.documents[v.by_id[canonical]] if canonical else None

    def clause(self, doc_id: str, clause_id: str) -> Clause | None:
        v = self._current()
        docnum = v.clause_docnum.get((_canonical(v, doc_id) or "", clause_id))
        return None if docnum is None else self._clause_at(v, docnum)

    @staticmethod
    def _clause_at(v: _Version, docnum: int) -> Clause:
        return v.documents[v.doc_of[docnum]].clauses[v.clause_of[docnum]]

    # --- search --------------------------------------------------------------------------

    def search(self, req: SearchRequest) -> SearchResult:
        _check_paging(req)
        v = self._current()
        plan, ranked, scores, allowed = self._run(v, req, limit=req.page * req.per_page)
        total = len(allowed)
        start = (req.page - 1) * req.per_page
        page = ranked[start:start + req.per_page]
        return SearchResult(
            request=req, total=total,
            hits=[self._hit(v, n, plan.terms, scores.get(n, 0.0)) for n in page],
            facets=_facets(v, allowed), terms=plan.terms, expansions=plan.expansions,
            partial=plan.partial, notice=plan.notice)

    def iter_all(self, req: SearchRequest) -> Iterator[Hit]:
        """Every hit of a search in result order (pages ignored), for export."""
        v = self._current()
        plan, ranked, scores, _ = self._run(v, req, limit=None)
        for n in ranked:
            yield self._hit(v, n, plan.terms, scores.get(n, 0.0))

    def related(self, doc_id: str, clause_id: str, limit: int = 5) -> list[Hit]:
        """Clauses most like this one ("more like this"), other documents first."""
        v = self._current()
        docnum = v.clause_docnum.get((_canonical(v, doc_id) or "", clause_id))
        if docnum is None:
            return []
        with v.lock:
            key_terms = v.searcher.key_terms_from_text("words", v.texts[docnum], numterms=15)
            q = Or([Term("words", word, boost=weight) for word, weight in key_terms])
            found = [(n, score) for n, score in
                     v.searcher.search(q, limit=limit * 8 + 1).items() if n != docnum]
        same_doc = v.doc_of[docnum]
        found.sort(key=lambda item: v.doc_of[item[0]] == same_doc)   # stable: keeps score order
        return [self._hit(v, n, [], score) for n, score in found[:limit]]

    def _run(self, v: _Version, req: SearchRequest, limit: int | None):
        """(plan, ranked docnums, their scores, every allowed match). With sort=date only the
        first `limit` ranked clauses get scores (None: all); by relevance, the clauses beyond
        the rescoring window carry their quick score."""
        allowed_by_filters = _filtered(v, req)
        plan = self._plan(v, query.parse(req.q))
        if plan.matched is None:
            allowed = set(range(len(v.texts))) if allowed_by_filters is None else allowed_by_filters
        else:
            allowed = plan.matched if allowed_by_filters is None else plan.matched & allowed_by_filters
        if req.sort == "date" or not plan.terms:
            ranked = sorted(allowed)
            if req.sort == "date":
                # Stable sort: clauses of one document stay in document order.
                ranked.sort(key=lambda n: v.documents[v.doc_of[n]].date, reverse=True)
            shown = ranked if limit is None else ranked[:limit]
            return plan, ranked, self._scores(v, plan, set(shown)) if plan.terms else {}, allowed
        terms_found = {n: sum(n in g for g in plan.groups) for n in allowed} if plan.partial else {}

        def order(score_of: dict[int, float]):
            if plan.partial:    # the clauses with most terms first
                return lambda n: (-terms_found[n], -score_of[n], n)
            return lambda n: (-score_of[n], n)

        window, rest, quick = allowed, [], {}
        if len(allowed) > RESCORE_WINDOW:
            # Full BM25F costs Python work per (term, clause): order every match by a quick
            # substring BM25 and rescore only the best. The window does not depend on the page,
            # so pages (and the export) follow one order.
            quick = self._quick_scores(v, plan, allowed)
            by_quick = sorted(allowed, key=order(quick))
            window, rest = set(by_quick[:RESCORE_WINDOW]), by_quick[RESCORE_WINDOW:]
        scores = self._scores(v, plan, window)
        ranked = sorted(window, key=order(scores)) + rest
        scores.update((n, quick[n]) for n in rest)
        return plan, ranked, scores, allowed

    def _quick_scores(self, v: _Version, plan: _Plan, docnums: set[int]) -> dict[int, float]:
        """BM25 of each group's best variant counted as substring occurrences in the clause's
        normalised text and heading: cheap, and close enough to choose what to rescore."""
        scores = dict.fromkeys(docnums, 0.0)
        for group in plan.variants:
            best = dict.fromkeys(docnums, 0.0)
            for term in group:
                matches = self._matches(v, term) & docnums
                idf = math.log(1 + (len(v.texts) - len(matches) + 0.5) / (len(matches) + 0.5))
                for n in matches:
                    text, tf_heading = v.texts[n], v.headings[n].count(term)
                    tf = text.count(term)
                    norm = BM25_K1 * (1 - BM25_B + BM25_B * len(text) / v.mean_length)
                    score = idf * (tf * (BM25_K1 + 1) / (tf + norm)
                                   + HEADING_BOOST * tf_heading * (BM25_K1 + 1) / (tf_heading + BM25_K1))
                    best[n] = max(best[n], score)
            for n, score in best.items():
                scores[n] += score
        return scores

    def _scores(self, v: _Version, plan: _Plan, docnums: set[int]) -> dict[int, float]:
        """Relevance of `docnums`: summed over the AND groups, the best of a group's variants,
        a variant scoring the mean BM25F of its bigrams plus the mean of its words' field
        scores (so a long synonym does not outweigh a short one by its length alone)."""
        ordered = sorted(docnums)
        cache: dict[tuple[str, str], dict[int, float]] = {}

        def field_scores(fieldname: str, text: str) -> dict[int, float]:
            if (fieldname, text) not in cache:
                cache[fieldname, text] = self._term_scores(v, fieldname, text, ordered)
            return cache[fieldname, text]

        pieces = {t: (_bigrams_of(t), analysis.words(t)) for group in plan.variants for t in group}

        def variant_score(term: str, docnum: int) -> float:
            pairs, words = pieces[term]
            score = sum(field_scores("bigrams", p).get(docnum, 0.0) for p in pairs) * \
                BIGRAM_BOOST / max(len(pairs), 1)
            for word in words:
                score += (WORDS_BOOST * field_scores("words", word).get(docnum, 0.0)
                          + HEADING_BOOST * field_scores("heading", word).get(docnum, 0.0)
                          + CONTEXT_BOOST * field_scores("context", word).get(docnum, 0.0)
                          ) / len(words)
            return score

        scores = {}
        for docnum in ordered:
            score = sum(max(variant_score(t, docnum) for t in group) for group in plan.variants)
            scores[docnum] = score * (1.0 if self._clause_at(v, docnum).text else BARE_HEADING_WEIGHT)
        return scores

    @staticmethod
    def _term_scores(v: _Version, fieldname: str, text: str, ordered: list[int]) -> dict[int, float]:
        """BM25F score of one term at each of the (sorted) docnums that hold it; the postings
        are read only there (skip_to), so the cost follows the matches, not the posting list."""
        found: dict[int, float] = {}
        with v.lock:
            if (fieldname, text) not in v.searcher.reader():
                return found
            postings = v.searcher.postings(fieldname, text)
            for docnum in ordered:
                if postings.id() < docnum:
                    postings.skip_to(docnum)
                    if not postings.is_active():
                        break
                if postings.id() == docnum:
                    found[docnum] = postings.score()
        return found

    def _plan(self, v: _Version, parsed: query.ParsedQuery) -> _Plan:
        expansions: list[str] = []
        groups, variants = self._groups(v, parsed.groups, expansions, in_context=False)
        excluded = set().union(*(self._matches(v, t)
                                 for t in self._variants(v, parsed.excluded, [])))
        notice = ""
        in_context = False
        sentence = parsed.sentence()
        if sentence and not groups[0]:
            words = query.sentence_words(sentence.typed)
            if words and words != [sentence.text]:
                expansions, in_context = [], True
                groups, variants = self._groups(v, [[query.Term(w, w)] for w in words],
                                                expansions, in_context=True)
                notice = (f"没有条款包含完整的“{sentence.typed}”，已按词语检索：{' '.join(words)}。 "
                          f"No clause contains the whole text; searching its words instead.")
        if not groups:
            return _Plan(None if not excluded else set(range(len(v.texts))) - excluded,
                         [], [], expansions, notice=notice)
        matched = set.intersection(*groups) - excluded
        if matched or len(groups) == 1:
            return _Plan(matched, groups, variants, expansions, notice=notice,
                         in_context=in_context)
        notice += ("没有同时包含全部词语的条款，以下按包含词语的多少显示部分匹配。 "
                   "No clause contains all the terms; showing the best partial matches.")
        return _Plan(set().union(*groups) - excluded, groups, variants, expansions, partial=True,
                     notice=notice.strip(), in_context=in_context)

    def _groups(self, v: _Version, groups: list[list[query.Term]], expansions: list[str],
                in_context: bool) -> tuple[list[set[int]], list[list[str]]]:
        """Per AND group the clauses it matches and the strings searched for.

        With `in_context` (a question's words), a word may also stand in the clause's context,
        its document title or a parent heading, rather than in the clause: 提名制 under
        科技奖励制度 answers 国家科技奖励怎么实行提名制."""
        matched: list[set[int]] = []
        searched: list[list[str]] = []
        for group in groups:
            variants = self._variants(v, group, expansions)
            searched.append(variants)
            found: set[int] = set()
            for term in variants:
                found |= self._matches(v, term)
                if in_context:
                    found |= self._context_matches(v, term)
            matched.append(found)
        return matched, searched

    @staticmethod
    def _variants(v: _Version, group: list[query.Term], expansions: list[str]) -> list[str]:
        """The normalised strings a group of terms matches: each unquoted term widened with its
        synonyms (added ones recorded in `expansions`), quoted terms as typed."""
        found: list[str] = []
        for term in group:
            names = [term.typed] if term.quoted else v.alias_table.expand(term.text)
            for name in names:
                norm = analysis.normalize(name)
                if norm and norm not in found:
                    found.append(norm)
                    if norm != term.text and name not in expansions:
                        expansions.append(name)
        return found

    @staticmethod
    def _matches(v: _Version, term: str) -> set[int]:
        """Docnums of the clauses whose normalised text contains `term` (cached per version)."""
        with v.lock:
            found = v.term_cache.get(term)
            if found is not None:
                v.term_cache.move_to_end(term)
                return found
            pairs = _bigrams_of(term)
            if pairs:
                every_pair = And([Term("bigrams", pair) for pair in pairs])
                candidates = list(v.searcher.docs_for_query(every_pair))
            else:
                # One character: scanning the texts in memory beats expanding a bigram prefix.
                candidates = range(len(v.texts))
            found = frozenset(n for n in candidates if analysis.contains(v.texts[n], term))
            v.term_cache[term] = found
            if len(v.term_cache) > _TERM_CACHE:
                v.term_cache.popitem(last=False)
            return found

    @staticmethod
    def _context_matches(v: _Version, term: str) -> set[int]:
        """Docnums of the clauses whose context (title, ancestor headings) contains `term`."""
        return {n for c, context in enumerate(v.contexts) if analysis.contains(context, term)
                for n in v.context_members[c]}

    def _hit(self, v: _Version, docnum: int, terms: list[str], score: float) -> Hit:
        document = v.documents[v.doc_of[docnum]]
        clause = self._clause_at(v, docnum)
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
            doc_type=document.doc_type, score=float(score))


def _bigrams_of(term: str) -> list[str]:
    return sorted(set(analysis.bigrams(term)))


def _check_paging(req: SearchRequest) -> None:
    if not isinstance(req.page, int) or req.page < 1:
        raise QueryError(f"页码必须 ≥ 1（收到 {req.page}）。 page must be at least 1.")
    if not isinstance(req.per_page, int) or not 1 <= req.per_page <= MAX_PER_PAGE:
        raise QueryError(f"每页条数必须在 1 到 {MAX_PER_PAGE} 之间（收到 {req.per_page}）。 "
                         f"per_page must be between 1 and {MAX_PER_PAGE}.")
    if req.sort not in ("relevance", "date"):
        raise QueryError(f"排序只能是 relevance 或 date（收到 {req.sort!r}）。 "
                         f"sort must be relevance or date.")


def _period(value: str) -> tuple[str, str] | None:
    """First and last day (YYYY-MM-DD) of a YYYY, YYYY-MM or YYYY-MM-DD period; None if invalid."""
    match = _DATE.fullmatch(value.strip())
    if not match:
        return None
    year, month, day = (int(p) if p else None for p in match.groups())
    try:
        first = date(year, month or 1, day or 1)
        last = date(year, month or 12, day or calendar.monthrange(year, month or 12)[1])
    except ValueError:
        return None
    return first.isoformat(), last.isoformat()


def _bound(value: str | None, name: str, end: int) -> str | None:
    if not value:
        return None
    period = _period(value)
    if period is None:
        raise QueryError(f"{name} 日期格式应为 YYYY、YYYY-MM 或 YYYY-MM-DD（收到 {value!r}）。 "
                         f"{name} must be YYYY, YYYY-MM or YYYY-MM-DD.")
    return period[end]


def _canonical(v: _Version, doc_id: str) -> str | None:
    return doc_id if doc_id in v.by_id else v.document_aliases.get(doc_id)


def _filtered(v: _Version, req: SearchRequest) -> set[int] | None:
    """Docnums that pass every filter of the request (OR inside a facet, AND across);
    None when the request has no filter."""
    lo, hi = _bound(req.date_from, "date_from", 0), _bound(req.date_to, "date_to", 1)
    if lo and hi and lo > hi:
        raise QueryError(f"起始日期晚于截止日期（{req.date_from} > {req.date_to}）。 "
                         f"date_from is after date_to.")
    if not (lo or hi or req.issuers or req.years or req.themes or req.doc_types or req.doc_id):
        return None
    issuers = {v.alias_table.canonical_issuer(i) for i in req.issuers}
    doc_id = _canonical(v, req.doc_id) if req.doc_id else None
    themes = set(req.themes)
    allowed: set[int] = set()
    for d, document in enumerate(v.documents):
        if (req.doc_id and document.id != doc_id) \
                or (issuers and not issuers & set(document.issuers)) \
                or (req.years and _year(document) not in req.years) \
                or (req.doc_types and document.doc_type not in req.doc_types):
            continue
        if lo or hi:
            period = _period(document.date)     # undated documents fall outside any range
            if period is None or (lo and period[1] < lo) or (hi and period[0] > hi):
                continue
        first_docnum = v.doc_start[d]
        numbers = range(first_docnum, first_docnum + len(document.clauses))
        if themes:
            numbers = [n for n, c in zip(numbers, document.clauses) if themes & set(c.themes)]
        allowed.update(numbers)
    return allowed


def _year(document: Document) -> int | None:
    return int(document.date[:4]) if document.date[:4].isdigit() else None


def _facets(v: _Version, matched: set[int]) -> dict[str, list[FacetValue]]:
    """Counts of issuer, year, theme and type over all matched clauses, in one pass."""
    per_document = Counter(v.doc_of[n] for n in matched)
    themes: Counter = Counter()
    for n in matched:
        themes.update(Engine._clause_at(v, n).themes)
    issuers: Counter = Counter()
    years: Counter = Counter()
    types: Counter = Counter()
    for d, count in per_document.items():
        document = v.documents[d]
        for issuer in set(document.issuers):
            issuers[issuer] += count
        if _year(document) is not None:
            years[str(_year(document))] += count
        if document.doc_type:
            types[document.doc_type] += count

    def by_count(counter: Counter) -> list[FacetValue]:
        return [FacetValue(value=value, count=count) for value, count in
                sorted(counter.items(), key=lambda item: (-item[1], item[0]))]
    return {"issuer": by_count(issuers),
            "year": [FacetValue(value=y, count=years[y]) for y in sorted(years)],
            "theme": by_count(themes), "type": by_count(types)}


# --- command line ------------------------------------------------------------------------

def search_command(args) -> int:
    req = SearchRequest(q=args.query, issuers=args.issuer, years=args.year, themes=args.theme,
                        doc_types=args.doc_type, date_from=args.date_from, date_to=args.date_to,
                        doc_id=args.doc_id, sort=args.sort, page=args.page, per_page=args.per_page)
    try:
        result = Engine(Path(args.index)).search(req)
    except (QueryError, IndexNotFound) as error:
        print(error, file=sys.stderr)
        return 2
    print(f"{result.total} clauses" + (" (partial matches)" if result.partial else ""))
    if result.notice:
        print(result.notice)
    if result.expansions:
        print("synonyms: " + ", ".join(result.expansions))
    for name, values in result.facets.items():
        print(f"{name}: " + "  ".join(f"{f.value} ({f.count})" for f in values[:12]))
    print()
    for rank, hit in enumerate(result.hits, (req.page - 1) * req.per_page + 1):
        where = " > ".join([hit.doc_title, *hit.breadcrumb, f"{hit.label} {hit.heading}".strip()])
        print(f"{rank:>3}. {hit.score:7.2f}  {hit.doc_id}#{hit.clause_id}  {where}")
        print(f"     {html.unescape(re.sub(r'</?mark>', '**', hit.snippet))}")
    return 0
