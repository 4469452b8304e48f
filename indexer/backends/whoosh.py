"""The embedded backend: a Whoosh index of character bigrams and jieba words, in process.

Matching is exact: the bigram field narrows the candidates for a string, and every candidate
is verified against the normalised clause text held by the version (`analysis.contains`), so
counts are true substring counts. A one-character string is scanned in memory instead.
Ranking is indexer/rank.py (BM25F read from Whoosh postings only at the matches); facets and
filters are counted in memory by indexer/facets.py.

Build side: `write` indexes every clause in docnum order. Whoosh indexes in pure Python, one
posting at a time, so a large corpus is cut into consecutive parts written as segments by
parallel processes and listed in part order, so docnums still follow clause order. The
segment listing uses Whoosh's private writer API (`_close_segment`, `_commit_toc`,
`_finalize_segment`), which is why requirements.txt pins Whoosh exactly; the docnum check
after writing guards it.
"""
from __future__ import annotations

import os
import threading
from collections import OrderedDict
from pathlib import Path

from tqdm import tqdm
from whoosh import index as whoosh_index
from whoosh.fields import STORED, TEXT, Schema
from whoosh.query import And, Or, Term
from whoosh.writing import SegmentWriter

from indexer import analysis, facets, rank
from indexer.parallel import parallel_map
from indexer.backends.base import FilterSpec, MatchSpec, Ranked

FOLDER = "whoosh"
# Term → docnums cache per version: a query mix repeats its terms, and a term's matches
# cost a bigram intersection plus verification.
TERM_CACHE = 512


class WhooshLayoutError(Exception):
    """The segments written do not number the clauses in order."""


def schema() -> Schema:
    """Clause fields. bigrams (own text) find candidates for any substring; the word fields
    rank (BM25F, boosts given at query time): words of the own text, of the own label+heading,
    and of the context (document title and ancestor headings)."""
    return Schema(
        ordinal=STORED,
        bigrams=TEXT(analyzer=analysis.BigramTokenizer(), phrase=False),
        words=TEXT(analyzer=analysis.WordTokenizer(), phrase=False),
        heading=TEXT(analyzer=analysis.WordTokenizer(), phrase=False),
        context=TEXT(analyzer=analysis.WordTokenizer(), phrase=False),
    )


# --- build ------------------------------------------------------------------------------------

# Below this many clauses one writer in this process is faster than starting others.
PARALLEL_MIN_CLAUSES = 4000
# A Whoosh writer holds its postings in memory up to WRITER_LIMIT_MB, then sorts them out to
# temp files and merges those in pure Python, which doubled the time of a large segment; a
# segment of at most SEGMENT_MAX_CLAUSES stays in memory (measured: ~1 GB per writer).
WRITER_LIMIT_MB = 1024
SEGMENT_MAX_CLAUSES = 20000


def write(version: Path, normalized: dict[str, list[str]], show_progress: bool) -> None:
    """Index the clauses (normalised texts, headings, contexts in docnum order)."""
    folder = Path(version) / FOLDER
    folder.mkdir()
    ix = whoosh_index.create_in(str(folder), schema())
    clauses = list(zip(normalized["texts"], normalized["headings"], normalized["contexts"]))
    parts = segment_parts(len(clauses), _segment_count(len(clauses)))
    jobs = [(str(folder), start, clauses[start:end]) for start, end in parts]
    segments = []
    with tqdm(total=len(clauses), desc="index", unit="clause", disable=not show_progress) as bar, \
            parallel_map(min(len(jobs), os.cpu_count() or 1)) as map_each:
        for (start, end), segment in zip(parts, map_each(_write_segment, jobs)):
            segments.append(segment)
            bar.update(end - start)
    writer = ix.writer()            # holds the index lock while the segment list is written
    writer._close_segment()
    writer._commit_toc(segments)
    writer._finish()
    with ix.searcher() as searcher:
        if searcher.doc_count() != len(clauses) or any(
                searcher.stored_fields(n)["ordinal"] != n for start, end in parts for n in (start, end - 1)):
            raise WhooshLayoutError("索引文档编号与条款顺序不一致 / Whoosh docnums do not follow clause order")


def _segment_count(clauses: int) -> int:
    if clauses < PARALLEL_MIN_CLAUSES:
        return 1
    return max(os.cpu_count() or 1, -(-clauses // SEGMENT_MAX_CLAUSES))


def segment_parts(count: int, parts: int) -> list[tuple[int, int]]:
    """`parts` consecutive (start, end) ranges of nearly equal size covering range(count)."""
    bounds = [count * i // parts for i in range(parts + 1)]
    return [(start, end) for start, end in zip(bounds, bounds[1:]) if end > start]


def _write_segment(job: tuple[str, int, list[tuple[str, str, str]]]):
    """Write a job's clauses (normalised text, heading, context), numbered from its first
    ordinal, as one segment of the index in its folder, not yet listed; returns the segment."""
    folder, first, clauses = job
    ix = whoosh_index.open_dir(folder)
    # _lk=False: the segments are written side by side; the caller lists them under the lock.
    # Not _finish(): the writers share one temp folder, which the caller's writer removes.
    writer = SegmentWriter(ix, _lk=False, limitmb=WRITER_LIMIT_MB)
    for ordinal, (text, heading, context) in enumerate(clauses, first):
        writer.add_document(ordinal=ordinal, bigrams=text, words=text, heading=heading, context=context)
    return writer._finalize_segment()


# --- search -----------------------------------------------------------------------------------

def open(version) -> "WhooshBackend":   # noqa: A001 - the backend entry point's name
    return WhooshBackend(version)


class WhooshBackend:
    """Matching, counting and ranking over one opened version (see base.SearchBackend)."""

    def __init__(self, version):
        self.v = version
        self.searcher = whoosh_index.open_dir(str(Path(version.path) / FOLDER)).searcher()
        self.mean_length = sum(map(len, version.texts)) / max(len(version.texts), 1)
        # Siblings share a context; matching each distinct context once keeps questions cheap.
        index: dict[str, int] = {}
        self.context_members: list[list[int]] = []
        for docnum, context in enumerate(version.contexts):
            if context not in index:
                index[context] = len(index)
                self.context_members.append([])
            self.context_members[index[context]].append(docnum)
        self.distinct_contexts = list(index)
        # Whoosh searchers are not thread-safe; the lock also guards the term cache.
        self.lock = threading.Lock()
        self.term_cache: OrderedDict[str, frozenset[int]] = OrderedDict()

    def close(self) -> None:
        self.searcher.close()

    # --- matching ---------------------------------------------------------------------------

    def matches(self, term: str) -> frozenset[int]:
        """Docnums of the clauses whose normalised text contains `term` (cached)."""
        with self.lock:
            found = self.term_cache.get(term)
            if found is not None:
                self.term_cache.move_to_end(term)
                return found
            pairs = rank.bigrams_of(term)
            if pairs:
                every_pair = And([Term("bigrams", pair) for pair in pairs])
                candidates = list(self.searcher.docs_for_query(every_pair))
            else:
                # One character: scanning the texts in memory beats expanding a bigram prefix.
                candidates = range(len(self.v.texts))
            texts = self.v.texts
            found = frozenset(n for n in candidates if analysis.contains(texts[n], term))
            self.term_cache[term] = found
            if len(self.term_cache) > TERM_CACHE:
                self.term_cache.popitem(last=False)
            return found

    def context_matches(self, term: str) -> set[int]:
        """Docnums of the clauses whose context (title, ancestor headings) contains `term`."""
        return {n for c, context in enumerate(self.distinct_contexts)
                if analysis.contains(context, term) for n in self.context_members[c]}

    def _group_sets(self, match: MatchSpec) -> list[set[int]]:
        found = []
        for group in match.groups:
            docnums: set[int] = set()
            for term in group:
                docnums |= self.matches(term)
                if match.in_context:
                    docnums |= self.context_matches(term)
            found.append(docnums)
        return found

    def _matched(self, match: MatchSpec, groups: list[set[int]]) -> set[int]:
        excluded = set().union(*(self.matches(t) for t in match.excluded))
        if not groups:
            return set(range(len(self.v.texts))) - excluded
        combined = set().union(*groups) if match.partial else set.intersection(*groups)
        return combined - excluded

    def _filtered(self, filters: FilterSpec | None) -> set[int] | None:
        """Docnums passing every filter; None when there is none."""
        if filters is None or not filters.active:
            return None
        allowed: set[int] = set()
        for d, document in enumerate(self.v.documents):
            if not facets.document_passes(document, filters):
                continue
            numbers = self.v.docnums_of(d)
            if filters.themes:
                numbers = [n for n, c in zip(numbers, document.clauses)
                           if filters.themes & set(c.themes)]
            allowed.update(numbers)
        return allowed if filters.docnums is None else allowed & filters.docnums

    def _allowed(self, match: MatchSpec, filters: FilterSpec | None) -> tuple[set[int], list[set[int]]]:
        groups = self._group_sets(match)
        matched = self._matched(match, groups)
        passing = self._filtered(filters)
        return (matched if passing is None else matched & passing), groups

    def count(self, match: MatchSpec, filters: FilterSpec | None = None) -> int:
        return len(self._allowed(match, filters)[0])

    # --- ranking ----------------------------------------------------------------------------

    def search(self, match: MatchSpec, filters: FilterSpec, *, sort: str, offset: int,
               limit: int | None, facets: bool = True) -> Ranked:
        allowed, groups = self._allowed(match, filters)
        end = None if limit is None else offset + limit
        variants = [list(g) for g in match.groups]
        if sort in ("date", "date_asc") or not variants:
            ranked = sorted(allowed)
            if sort in ("date", "date_asc"):
                # Stable sort: clauses of one document stay in document order either way.
                dates = [d.date for d in self.v.documents]
                ranked.sort(key=lambda n: dates[self.v.doc_of[n]], reverse=sort == "date")
            page = ranked[offset:end]
            scores = self._full_scores(variants, set(page)) if variants else {}
        else:
            found = {n: sum(n in g for g in groups) for n in allowed} if match.partial else None
            ranked, scores = rank.rank(
                variants, allowed, texts=self.v.texts, headings=self.v.headings,
                mean_length=self.mean_length, matches=self.matches,
                field_scores=self._term_scores, bare=self._bare, groups_found=found)
            page = ranked[offset:end]
        doc_of = self.v.doc_of
        return Ranked(total=len(allowed), documents=len({doc_of[n] for n in allowed}), docnums=page, scores=[scores.get(n, 0.0) for n in page],
                      facets=self._facets(allowed) if facets else {})

    def _facets(self, allowed: set[int]) -> dict[str, dict[str, int]]:
        return facets.count(self.v.documents, self.v.doc_of, self.v.clause_of, allowed)

    def _bare(self, docnum: int) -> bool:
        return not self.v.clause_at(docnum).text

    def _full_scores(self, variants: list[list[str]], docnums: set[int]) -> dict[int, float]:
        return rank.full_scores(variants, docnums, self._term_scores, self._bare)

    def _term_scores(self, fieldname: str, text: str, ordered: list[int]) -> dict[int, float]:
        """BM25F score of one token at each of the (sorted) docnums that hold it; the postings
        are read only there (skip_to), so the cost follows the matches, not the posting list."""
        found: dict[int, float] = {}
        with self.lock:
            if (fieldname, text) not in self.searcher.reader():
                return found
            postings = self.searcher.postings(fieldname, text)
            for docnum in ordered:
                if postings.id() < docnum:
                    postings.skip_to(docnum)
                    if not postings.is_active():
                        break
                if postings.id() == docnum:
                    found[docnum] = postings.score()
        return found

    def related(self, docnum: int, limit: int) -> list[tuple[int, float]]:
        """"More like this": the clause's key words as a weighted OR, other documents first."""
        with self.lock:
            key_terms = self.searcher.key_terms_from_text("words", self.v.texts[docnum], numterms=15)
            q = Or([Term("words", word, boost=weight) for word, weight in key_terms])
            found = [(n, score) for n, score in
                     self.searcher.search(q, limit=limit * 8 + 1).items() if n != docnum]
        same_doc = self.v.doc_of[docnum]
        found.sort(key=lambda item: self.v.doc_of[item[0]] == same_doc)   # stable: keeps score order
        return found[:limit]
