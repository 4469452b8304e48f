"""The analytics a build precomputes into a version folder, and reading them back.

Two results cost too much to compute per request at the benchmark's ×100 scale, so the build
writes them beside the documents (indexer/index.py `publish` calls `write`):

- `word_stats.json` (store.WORD_STATS): every clause's jieba word set (co-occurrence,
  indexer/analytics/cooccur.py), segmented in parallel with the version's dictionary and the
  corpus' stop words (config/stopwords.txt, copied into the version like the other config
  files, so a version always scores with the list it was built with);
- `echoes.json` (store.ECHOES): every pair of near-identical clauses in different documents
  (indexer/analytics/echoes.py), from the normalised texts the index already computed.

An opened version (indexer/version.py) reads them once, on first use. A version published
without them (an older build) computes them then instead: slower the first time, never wrong.
"""
from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from pathlib import Path

from indexer import aliases, store
from indexer.analytics import cooccur, echoes
from indexer.parallel import parallel_map
from indexer.records import Document

STOPWORDS = "stopwords.txt"


def write(version: Path, corpus_dir: Path, documents: Sequence[Document],
          texts: Sequence[str]) -> None:
    """Copy the stop words into the version's config, then write the word sets and the echoes.
    `texts` are the normalised clause texts in docnum order (index.normalized_clauses)."""
    source = aliases.config_file(corpus_dir, STOPWORDS)
    if source.exists():
        shutil.copyfile(source, Path(version) / store.CONFIG / STOPWORDS)
    store.write_json(Path(version) / store.WORD_STATS, word_stats(version, documents).to_json())
    pairs = echoes.find_echoes(echoes.echo_inputs(documents, texts))
    store.write_json(Path(version) / store.ECHOES, echoes.echoes_to_json(pairs))


def word_stats(version: Path, documents: Sequence[Document]) -> cooccur.WordStats:
    """Segment every clause, in as many processes as there are cores (jieba is loaded already)."""
    chunks = -(-len(documents) // cooccur.BUILD_CHUNK)
    with parallel_map(max(1, min(chunks, os.cpu_count() or 1))) as map_each:
        return cooccur.WordStats.build(documents, cooccur.load_stopwords(version), map_each)


def read_word_stats(version: Path, documents: Sequence[Document]) -> cooccur.WordStats:
    path = Path(version) / store.WORD_STATS
    if path.exists():
        return cooccur.WordStats.from_json(store.read_json(path))
    return cooccur.WordStats.build(documents, cooccur.load_stopwords(version))


def read_echoes(version: Path, documents: Sequence[Document],
                texts: Sequence[str]) -> list[echoes.EchoPair]:
    path = Path(version) / store.ECHOES
    if path.exists():
        return echoes.echoes_from_json(store.read_json(path))
    return echoes.find_echoes(echoes.echo_inputs(documents, texts))
