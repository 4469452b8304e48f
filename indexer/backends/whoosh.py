"""The embedded backend: a Whoosh index of jieba words, and bigram postings beside it, in process.

Matching is exact: the bigram postings (indexer/backends/bigram_postings.py) narrow the
candidates for a string to the clauses holding all of its character bigrams, and every
candidate is verified against the normalised clause text held by the version
(`analysis.contains`), so counts are true substring counts. A one-character string is scanned
in memory instead. Ranking is indexer/rank.py (BM25F read from Whoosh postings only at the
matches; the bigrams' BM25F from their postings, with Whoosh's formulas and statistics, so
the scores are the ones a Whoosh bigram field gave, to the bit); facets and filters are
counted in memory by indexer/facets.py.

Why the bigrams are not a Whoosh field (issue 12): Whoosh indexes in pure Python, one
posting at a time, and the bigrams were 55% of ~17 M postings at ×100, kept only to find
candidates. Written as arrays per segment they cost a dict pass; read by bisection in mapped
files they skip Whoosh's per-segment posting readers. Measured at ×100 in one session on the
shared 2-core VM (load average 5–11 from other agents; CPU seconds of all processes): the
Whoosh write went from 163 to 79 CPU s (507 → 165 s wall), the full build from 354 to 266 CPU s,
the add-one rebuild's index part from 5.3 to 2.2 CPU s, and the query mix's first round from
2.2 to 1.5 CPU s, with every answer and score identical.

Build side: `write` indexes every clause in docnum order. The clauses are cut into
consecutive parts at content-defined document boundaries (`document_parts`), written as
segments by parallel processes and listed in part order, so docnums still follow clause
order; each writer also writes its part's bigram postings as `<segment id>.bigrams` beside
the segment (docnums from 0; the reader adds the segment's first docnum). A part whose
content key (its clauses' texts and the parser version) equals one of the previous version's
segments is not written: that segment's files, its bigram postings with them, are hard-linked
into the new version and listed in its place (`segments.json` records each listed segment's
key). Reused or written, a segment holds the same postings, and BM25 statistics are summed
over segments, so an incremental build gives the index a full build gives. A rebuild's small
write (`BACKGROUND_MIN_CLAUSES` up to `PARALLEL_MIN_CLAUSES` clauses, typically the one segment
an added or changed document falls in) runs in one spawned writer while the build writes its
JSON files and analytics (`start_write(background=True)`, finished by `PendingWrite.finish`):
the same segment, written beside the rest of the publish instead of before it. The segment
listing uses Whoosh's private writer API (`_close_segment`, `_commit_toc`,
`_finalize_segment`, `_flush_segment`, `_segments`), which is why requirements.txt pins
Whoosh exactly; the docnum check after writing guards it (each segment stores its clauses'
ordinals from 0, and its bigram postings count its clauses). A version from before the
bigram postings (store FORMAT 2) counts as missing, so it is rebuilt in full, never half read.

What a part's write costs now (cProfile, 2,028 clauses of ×100): Whoosh's add_postings at
the segment's end ~40% (of which the field length it read back per posting, 17%: now read
once per clause and field, `_SegmentWriter`: −15–25% of a part's CPU written alone with
jieba warm, not visible in a loaded full build: 81 CPU s against 79),
jieba segmentation ~17%, Whoosh's per-posting pool and format code ~25%, the bigram postings
file ~6%. The rest of the full build (parse, folding, analytics) is now larger than this phase.
"""
from __future__ import annotations

import builtins
import hashlib
import json
import multiprocessing
import os
import threading
import zlib
from collections import OrderedDict
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from tqdm import tqdm
from whoosh import index as whoosh_index
from whoosh.fields import STORED, TEXT, Schema
from whoosh.filedb.filestore import FileStorage
from whoosh.query import Or, Term
from whoosh.writing import SegmentWriter

from indexer import analysis, facets, rank, store
from indexer.parallel import parallel_map
from indexer.backends import bigram_postings
from indexer.backends.base import UNORDERED, FilterSpec, MatchSpec, Ranked

FOLDER = "whoosh"
# Term → docnums cache per version: a query mix repeats its terms, and a term's matches
# cost a bigram intersection plus verification.
TERM_CACHE = 512


class WhooshLayoutError(Exception):
    """The segments written do not number the clauses in order."""


def schema() -> Schema:
    """Clause fields: the word fields rank (BM25F, boosts given at query time): words of the
    own text, of the own label+heading, and of the context (document title and ancestor
    headings). The bigrams of the own text are not a field: see BIGRAMS."""
    return Schema(
        ordinal=STORED,
        words=TEXT(analyzer=analysis.WordTokenizer(), phrase=False),
        heading=TEXT(analyzer=analysis.WordTokenizer(), phrase=False),
        context=TEXT(analyzer=analysis.WordTokenizer(), phrase=False),
    )


# --- build ------------------------------------------------------------------------------------

# Segments are cut at document boundaries chosen by the documents themselves (content-defined
# chunking, as rsync and backup tools cut files): after a document whose id hashes to
# 0 mod BOUNDARY_EVERY once the segment holds SEGMENT_MIN_CLAUSES, or at SEGMENT_MAX_CLAUSES.
# Adding, changing or removing a document then changes the one segment it falls in (rarely
# two), every other segment keeps its clauses and is reused from the previous version, and a
# full build cuts the same segments, so the two give the same index.
# Measured (×100, 75,500 clauses, 2 cores): a 20,000-clause segment took ~1 GB per writer
# (WRITER_LIMIT_MB) and ~40 s; segments of ~2,000–3,000 clauses write at the same rate per
# clause with ~150 MB per writer, and one rewritten segment costs a few seconds.
SEGMENT_MIN_CLAUSES = 1500
SEGMENT_MAX_CLAUSES = 5000
BOUNDARY_EVERY = 32         # documents; the seed averages ~38 clauses per document
# A Whoosh writer holds its postings in memory up to WRITER_LIMIT_MB, then sorts them out to
# temp files and merges those in pure Python (a third of the writer's time when it happens);
# a segment of SEGMENT_MAX_CLAUSES stays well below it.
WRITER_LIMIT_MB = 512
# Below this many clauses to write, one writer in this process beats starting others.
PARALLEL_MIN_CLAUSES = 4000
# From this many (and below PARALLEL_MIN_CLAUSES), a rebuild writes them in one spawned process
# while it writes its JSON files and analytics (`start_write(background=True)`): starting a
# writer (imports, jieba's dictionary) costs ~1 s of its own, a segment of ~1,000 clauses about
# as much to write. A ×100 add-one rebuild's segment of ~2,600 clauses took ~3 s here.
BACKGROUND_MIN_CLAUSES = 1000
SEGMENTS_FILE = "segments.json"     # per listed segment: its content key and Whoosh segment id
# A segment's bigram postings (indexer/backends/bigram_postings.py): the file beside its own,
# named <segment id>.bigrams, so Whoosh counts it as one of the segment's files.
BIGRAMS = ".bigrams"
# The name of the bigram "field" in ranking (rank.full_scores asks for it as for a Whoosh field).
BIGRAM_FIELD = "bigrams"


def write(version: Path, normalized: dict[str, list[str]], show_progress: bool,
          documents: list[tuple[str, int]] | None = None, previous: Path | None = None,
          salt: str = "", jieba_setup: tuple[Path, Path] | None = None) -> int:
    """Index the clauses (normalised texts, headings, contexts in docnum order) of
    `documents` ((id, clause count) in order; None: one document per clause), reusing the
    segments of the `previous` version whose content key is unchanged. `salt` enters every
    key (the parser version: analysers and user dictionary); `jieba_setup` is the
    (user dictionary, cache folder) a writer process loads. Returns the segments reused."""
    return start_write(version, normalized, show_progress, documents, previous, salt,
                       jieba_setup).finish()


def start_write(version: Path, normalized: dict[str, list[str]], show_progress: bool,
                documents: list[tuple[str, int]] | None = None, previous: Path | None = None,
                salt: str = "", jieba_setup: tuple[Path, Path] | None = None,
                background: bool = False) -> PendingWrite:
    """`write`, finished by the returned PendingWrite's `finish()`. With `background`, a
    small write (BACKGROUND_MIN_CLAUSES to PARALLEL_MIN_CLAUSES clauses: an add-one
    rebuild's one or two segments) goes to one spawned writer process and this returns at
    once, so the caller does other work meanwhile; else the segments are written here."""
    folder = Path(version) / FOLDER
    folder.mkdir()
    ix = whoosh_index.create_in(str(folder), schema())
    count = len(normalized["texts"])
    sizes = documents if documents is not None else [(str(n), 1) for n in range(count)]
    parts = document_parts(sizes)
    keys = [_part_key(normalized, start, end, salt) for start, end in parts]
    old = _previous_segments(previous)
    segments: list = [None] * len(parts)
    for i, key in enumerate(keys):
        if key in old:
            segments[i] = _link_segment(old[key], Path(previous) / FOLDER, folder)
    todo = [i for i, seg in enumerate(segments) if seg is None]
    jobs = [(str(folder), _part_clauses(normalized, *parts[i]), jieba_setup) for i in todo]
    pending = PendingWrite(ix, folder, parts, keys, segments, todo, count)
    clauses = sum(len(j[1]) for j in jobs)
    if background and jieba_setup and BACKGROUND_MIN_CLAUSES <= clauses < PARALLEL_MIN_CLAUSES:
        pending.pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))
        pending.futures = [pending.pool.submit(_write_segment, job) for job in jobs]
        return pending
    writers = 1 if clauses < PARALLEL_MIN_CLAUSES else os.cpu_count() or 1
    with tqdm(total=clauses, desc="index", unit="clause", disable=not show_progress) as bar, \
            parallel_map(min(len(jobs), writers), fresh=True) as map_each:
        for i, segment in zip(todo, map_each(_write_segment, jobs)):
            segments[i] = segment
            bar.update(parts[i][1] - parts[i][0])
    return pending


class PendingWrite:
    """An index write whose segments are written (or being written in the background):
    `finish` lists them, checks the layout, and returns the number of segments reused;
    `abandon` (on error) waits for a background writer to stop."""

    def __init__(self, ix, folder: Path, parts: list[tuple[int, int]], keys: list[str],
                 segments: list, todo: list[int], count: int):
        self.ix, self.folder, self.parts, self.keys = ix, folder, parts, keys
        self.segments, self.todo, self.count = segments, todo, count
        self.pool: ProcessPoolExecutor | None = None
        self.futures: list = []

    def finish(self) -> int:
        if self.pool is not None:
            try:
                for i, future in zip(self.todo, self.futures):
                    self.segments[i] = future.result()
            finally:
                self.abandon()
        _list_segments(self.ix, self.segments)
        _check_layout(self.ix, self.parts, self.count)
        _write_json(self.folder / SEGMENTS_FILE,
                    [{"key": k, "segid": s.segid} for k, s in zip(self.keys, self.segments)])
        return len(self.parts) - len(self.todo)

    def abandon(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None


def document_parts(documents: list[tuple[str, int]]) -> list[tuple[int, int]]:
    """Consecutive (start, end) clause ranges covering the documents, cut at content-defined
    document boundaries (see SEGMENT_MIN_CLAUSES)."""
    parts, start, end = [], 0, 0
    for doc_id, clauses in documents:
        end += clauses
        size = end - start
        if size >= SEGMENT_MAX_CLAUSES or (
                size >= SEGMENT_MIN_CLAUSES and zlib.crc32(doc_id.encode()) % BOUNDARY_EVERY == 0):
            parts.append((start, end))
            start = end
    if end > start:
        parts.append((start, end))
    return parts


def _part_clauses(normalized: dict[str, list[str]], start: int, end: int) -> list[tuple[str, str, str]]:
    return list(zip(normalized["texts"][start:end], normalized["headings"][start:end],
                    normalized["contexts"][start:end]))


def _part_key(normalized: dict[str, list[str]], start: int, end: int, salt: str) -> str:
    """What a segment holds: its clauses' three texts, and the analysers (salt)."""
    digest = hashlib.sha256(f"{salt}\0{end - start}\0".encode())
    for name in ("texts", "headings", "contexts"):
        for text in normalized[name][start:end]:
            digest.update(text.encode() + b"\0")
    return digest.hexdigest()


def _previous_segments(previous: Path | None) -> dict[str, object]:
    """Content key → Whoosh segment of the previous version (none when it has no key list)."""
    if previous is None or not (Path(previous) / FOLDER / SEGMENTS_FILE).is_file():
        return {}
    listed = json.loads((Path(previous) / FOLDER / SEGMENTS_FILE).read_text(encoding="utf-8"))
    by_id = {s.segid: s for s in whoosh_index.open_dir(str(Path(previous) / FOLDER))._segments()}
    return {entry["key"]: by_id[entry["segid"]] for entry in listed if entry["segid"] in by_id}


def _link_segment(segment, source: Path, target: Path):
    """The previous version's segment with its bigram postings, hard-linked into this
    version's folder (a published version's files are never written again), else copied."""
    for name in {*segment.list_files(FileStorage(str(source))), _bigram_file(segment)}:
        store.link_or_copy(source / name, target / name)
    return segment


def _list_segments(ix, segments: list) -> None:
    writer = ix.writer()            # holds the index lock while the segment list is written
    writer._close_segment()
    writer._commit_toc(segments)
    writer._finish()


def _check_layout(ix, parts: list[tuple[int, int]], count: int) -> None:
    """Each segment sits at its part's docnums: its stored ordinals run 0… from the part's
    first docnum, and its bigram postings number its clauses."""
    with ix.searcher() as searcher:
        if searcher.doc_count() != count or any(
                searcher.stored_fields(n)["ordinal"] != n - start
                for start, end in parts for n in (start, end - 1)):
            raise WhooshLayoutError("索引文档编号与条款顺序不一致 / Whoosh docnums do not follow clause order")
    _bigram_postings(ix, count).close()


def _bigram_postings(ix, count: int) -> bigram_postings.BigramPostings:
    """The bigram postings of the index's segments, in docnum order, checked against them."""
    segments = ix._segments()
    postings = bigram_postings.BigramPostings([Path(ix.storage.folder) / _bigram_file(s) for s in segments])
    if [p.docs for p in postings.parts] != [s.doc_count_all() for s in segments] or postings.docs != count:
        postings.close()
        raise WhooshLayoutError("二元组索引与分段不一致 / bigram postings do not match the segments")
    return postings


def _write_json(path: Path, data) -> None:
    with builtins.open(path, "w", encoding="utf-8") as f:
        json.dump(data, f)


def _write_segment(job: tuple[str, list[tuple[str, str, str]], tuple[Path, Path] | None]):
    """Write a job's clauses (normalised text, heading, context), numbered from 0, as one
    segment of the index in its folder, not yet listed; returns the segment. A spawned
    writer loads the user dictionary first (in this process it is loaded already)."""
    folder, clauses, jieba_setup = job
    if jieba_setup:
        analysis.configure_jieba(*jieba_setup)
    ix = whoosh_index.open_dir(folder)
    # _lk=False: the segments are written side by side; the caller lists them under the lock.
    # Not _finish(): the writers share one temp folder, which the caller's writer removes.
    writer = _SegmentWriter(ix, _lk=False, limitmb=WRITER_LIMIT_MB)
    for ordinal, (text, heading, context) in enumerate(clauses):
        writer.add_document(ordinal=ordinal, words=text, heading=heading, context=context)
    segment = writer._finalize_segment()
    bigram_postings.write(Path(folder) / _bigram_file(segment), (text for text, _, _ in clauses))
    return segment


class _SegmentWriter(SegmentWriter):
    """Whoosh's segment writer, with field lengths read once per clause and field when the
    postings are written: Whoosh asks its per-document reader for the length at every
    posting (for block statistics), a column read in Python that was 17% of a part's write
    time. Same lengths, same segment files."""

    def _flush_segment(self):       # SegmentWriter._flush_segment with the lengths cached
        self.perdocwriter.close()
        lengths = self.per_document_reader() if self.codec.length_stats else None
        self.fieldwriter.add_postings(self.schema, lengths and _CachedLengths(lengths),
                                      self.pool.iter_postings())
        self.fieldwriter.close()
        if lengths:
            lengths.close()


class _CachedLengths:
    def __init__(self, reader):
        self.reader = reader
        self.known: dict[tuple[int, str], int | None] = {}

    def doc_field_length(self, docnum: int, fieldname: str, default: int = 0) -> int | None:
        key = (docnum, fieldname)
        if key not in self.known:
            self.known[key] = self.reader.doc_field_length(docnum, fieldname, default)
        return self.known[key]


def _bigram_file(segment) -> str:
    return segment.segment_id() + BIGRAMS


# --- search -----------------------------------------------------------------------------------

def open(version) -> "WhooshBackend":   # noqa: A001 - the backend entry point's name
    return WhooshBackend(version)


class WhooshBackend:
    """Matching, counting and ranking over one opened version (see base.SearchBackend)."""

    def __init__(self, version):
        self.v = version
        ix = whoosh_index.open_dir(str(Path(version.path) / FOLDER))
        self.bigrams = _bigram_postings(ix, len(version.texts))
        self.searcher = ix.searcher()
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
        self.bigrams.close()

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
                candidates = self.bigrams.candidates(pairs)
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

    def found(self, matches: list[MatchSpec]) -> list[bool]:
        return [bool(self._allowed(match, None)[0]) for match in matches]

    # --- ranking ----------------------------------------------------------------------------

    def search(self, match: MatchSpec, filters: FilterSpec, *, sort: str, offset: int,
               limit: int | None, facets: bool = True) -> Ranked:
        allowed, groups = self._allowed(match, filters)
        end = None if limit is None else offset + limit
        variants = [list(g) for g in match.groups]
        if sort in ("date", "date_asc", UNORDERED) or not variants:
            ranked = sorted(allowed)
            if sort in ("date", "date_asc"):
                # Stable sort: clauses of one document stay in document order either way.
                dates = [d.date for d in self.v.documents]
                ranked.sort(key=lambda n: dates[self.v.doc_of[n]], reverse=sort == "date")
            page = ranked[offset:end]
            scores = self._full_scores(variants, set(page)) if variants and sort != UNORDERED else {}
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
        if fieldname == BIGRAM_FIELD:
            return self._bigram_scores(text, ordered)
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

    def _bigram_scores(self, pair: str, ordered: list[int]) -> dict[int, float]:
        weighting = self.searcher.weighting
        return self.bigrams.bm25_scores(pair, ordered, self.v.texts, weighting.B, weighting.K1)

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
