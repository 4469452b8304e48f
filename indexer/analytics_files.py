"""The analytics a build precomputes into a version folder, and reading them back.

Two results cost too much to compute per request at the benchmark's ×100 scale, so the build
writes them beside the documents (indexer/index.py `publish` calls `write`):

- `word_stats.json` (store.WORD_STATS): every clause's jieba word set (co-occurrence,
  indexer/analytics/cooccur.py) with the corpus' stop words taken out (config/stopwords.txt,
  copied into the version like the other config files, so a version always scores with the
  list it was built with);
- `echo_state.bin` (store.ECHO_STATE, `echoes.EchoState`): every pair of near-identical
  clauses in different documents (indexer/analytics/echoes.py), with what the next build needs
  to check only the pairs that involve a new or changed clause; the export streams the pairs
  from it. And `echo_index.bin` (store.ECHO_INDEX, `echoes.EchoIndex`): each clause's echoes,
  read in place by the clause page. (Builds before it wrote echoes.json, read only from such
  versions: at ×1000's ~48 M pairs it was 2.9 GB, and a serving process that read it to show
  one clause's echoes held tens of GB.)

Where the work happens, and why: what one clause contributes — its words before stop words
(`cooccur.segment`) and its echo sketch (`echoes.sketch`: skeleton digest, band keys, shingle
count) — depends on that clause alone, so the parse workers compute it per file
(`document_inputs`, called by indexer/pipeline.py) and the parse cache keeps it with the file's
documents. A rebuild therefore segments and sketches only new or changed files; `write` then
assembles the word sets (numbering the words, taking out the stop words) and the echoes
(incrementally from the `previous` version's state when there is one) without segmenting or
sketching again. Both give exactly what a full build gives (tests/test_incremental.py).

An opened version (indexer/version.py) reads them once, on first use. A version published
without them (an older build) computes them then instead: slower the first time, never wrong.
"""
from __future__ import annotations

import mmap
import os
import shutil
from array import array
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from indexer import aliases, heap, store
from indexer.analytics import cooccur, echoes
from indexer.clausetext import DocumentTexts
from indexer.parallel import parallel_map
from indexer.records import Document

STOPWORDS = "stopwords.txt"


@dataclass
class DocumentInputs:
    """What each clause of one document contributes to the analytics, in clause order."""
    words: list[str]                        # cooccur.segment of its normalised text
    sketches: list[echoes.Sketch | None]    # echoes.sketch (None: too short to echo)


def document_inputs(document: Document, texts: DocumentTexts | Sequence[str]) -> DocumentInputs:
    """A document's DocumentInputs from its clauses' normalised texts (label, heading and text:
    `DocumentTexts.texts`, or that list itself). Needs jieba's dictionary loaded."""
    normalised = texts.texts if isinstance(texts, DocumentTexts) else texts
    return DocumentInputs(
        words=[cooccur.segment(t) for t in normalised],
        sketches=[echoes.sketch(echoes.without_label(t, c.label))
                  for c, t in zip(document.clauses, normalised, strict=True)])


def write(version: Path, corpus_dir: Path, documents: Sequence[Document], texts: Sequence[str],
          inputs: Sequence[DocumentInputs] | None = None, previous: Path | None = None) -> None:
    """Copy the stop words into the version's config, then write the word sets and the echoes.
    `texts` are the normalised clause texts in docnum order (index.normalized_clauses);
    `inputs` each document's DocumentInputs (computed here, in parallel, when not given),
    emptied as they are used (`_write_echoes`); `previous` the previous version, whose echoes
    are reused where nothing changed."""
    source = aliases.config_file(corpus_dir, STOPWORDS)
    if source.exists():
        shutil.copyfile(source, Path(version) / store.CONFIG / STOPWORDS)
    if inputs is None:
        inputs = compute_inputs(documents, texts)
    stats = cooccur.WordStats.assemble(
        (((d.id, c.id), words) for d, found in zip(documents, inputs, strict=True)
         for c, words in zip(d.clauses, found.words, strict=True)),
        cooccur.load_stopwords(version))
    store.write_text_parts(Path(version) / store.WORD_STATS, stats.json_parts())
    del stats
    _write_echoes(Path(version), documents, texts, inputs, previous)


def _write_echoes(version: Path, documents: Sequence[Document], texts: Sequence[str],
                  inputs: Sequence[DocumentInputs], previous: Path | None) -> None:
    """The echo state, its per-clause index and the common wordings, holding as little at a
    time as it can: this is where a ×1000 build peaked (~0.5 GB over the parsed collection).
    The word lists are emptied first (~320 MB of strings at ×1000: the echoes need the
    sketches only), the sketches once the echo table holds them, the table once the state is
    made; the state once written, and the index is then made from the file (`StatePairs`).
    Measured on ×1000's parse cache (3.3 GB loaded; docs/scale-out.md, *The echo step holds
    less*): the build process's peak in this step 4,243 → 3,755 MB, moved from the index (made
    while the state was held) to the ordering of the pairs."""
    for found in inputs:
        found.words.clear()
    heap.trim()     # what the word sets and the files before them freed (~85 MB at ×1000)
    table, docnums, docnum = echoes.EchoClauses(), array("i"), 0
    for d, found in zip(documents, inputs):
        for c, sketch in zip(d.clauses, found.sketches, strict=True):
            text = texts[docnum]
            if table.add(d.id, c.id, d.date, sketch, text, echoes.label_length(text, c.label)):
                docnums.append(docnum)
            docnum += 1
        found.sketches.clear()
    # The bucket cap is read here, at build time, not bound as a default (tests lower it).
    state = echoes.compute_state(table, previous=read_echo_state(previous) if previous else None,
                                 max_bucket=echoes.MAX_BUCKET)
    del table
    store.write_bytes(version / store.ECHO_STATE, state.to_parts())
    common = echoes.common_wording(state, echoes.MAX_BUCKET)
    del state
    store.write_bytes(version / store.ECHO_INDEX,
                      echoes.index_parts(echoes.StatePairs(version / store.ECHO_STATE), docnums, docnum))
    store.write_json(version / store.ECHO_COMMON, common)


def compute_inputs(documents: Sequence[Document], texts: Sequence[str]) -> list[DocumentInputs]:
    """Every document's DocumentInputs, in as many processes as there are cores (for a caller
    that did not get them from the parse; jieba is loaded already)."""
    jobs, start = [], 0
    for i in range(0, len(documents), cooccur.BUILD_CHUNK):
        chunk = documents[i:i + cooccur.BUILD_CHUNK]
        end = start + sum(len(d.clauses) for d in chunk)
        jobs.append((chunk, texts[start:end]))
        start = end
    if start != len(texts):
        raise ValueError(f"{len(texts)} texts for {start} clauses")
    cooccur.clear_segment_cache()       # words cached under an earlier dictionary
    with parallel_map(max(1, min(len(jobs), os.cpu_count() or 1))) as map_each:
        return [found for chunk in map_each(_chunk_inputs, jobs) for found in chunk]


def _chunk_inputs(job: tuple[Sequence[Document], Sequence[str]]) -> list[DocumentInputs]:
    documents, texts = job
    found, start = [], 0
    for d in documents:
        found.append(document_inputs(d, texts[start:start + len(d.clauses)]))
        start += len(d.clauses)
    return found


def read_echo_state(version: Path) -> echoes.EchoState | None:
    """The echo state a version was published with, or None (none, unreadable, or of another
    format: a version published before echo_state.bin, whose echo_state.json is not read)."""
    try:
        return echoes.EchoState.from_bytes((Path(version) / store.ECHO_STATE).read_bytes())
    except OSError:
        return None


def read_common_wording(version: Path) -> dict[tuple[str, str], int]:
    """(doc_id, clause_id) → about how many clauses share its wording, for the clauses whose
    wording is too common to list its echoes (none for a version published without the file)."""
    path = Path(version) / store.ECHO_COMMON
    if not path.exists():
        return {}
    return {(doc_id, clause_id): holders for doc_id, clause_id, holders in store.read_json(path)}


def read_word_stats(version: Path, documents: Sequence[Document]) -> cooccur.WordStats:
    path = Path(version) / store.WORD_STATS
    if path.exists():
        return cooccur.WordStats.from_json(store.read_json(path))
    return cooccur.WordStats.build(documents, cooccur.load_stopwords(version))


def read_echo_pairs(version: Path, documents: Sequence[Document],
                    texts: Sequence[str]) -> Iterator[echoes.EchoPair]:
    """Every echo of the version, most similar first, one at a time: from its echo state
    (10 bytes a pair while read); a version published before echo_state.bin from its
    echoes.json; one with neither computes them."""
    state = read_echo_state(version)
    if state is not None:
        yield from state.pairs()
        return
    path = Path(version) / store.ECHOES
    if path.exists():
        yield from echoes.echoes_from_json(store.read_json(path))
        return
    yield from echoes.find_echoes(echoes.echo_inputs(documents, texts))


def read_echo_index(version: Path) -> echoes.EchoIndex | None:
    """The version's per-clause echo index, mapped into memory (read in place), or None for a
    version published without one (or with one that is not readable)."""
    try:
        with open(Path(version) / store.ECHO_INDEX, "rb") as f:
            mapped = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    except (OSError, ValueError):       # no file, or an empty one (mmap refuses length 0)
        return None
    try:
        return echoes.EchoIndex(mapped)
    except ValueError:
        mapped.close()
        return None
