"""The offline pipeline up to the index: load → clean → split → structure → tag → ids → dedupe.

One bad file never stops the corpus: whatever goes wrong while reading it becomes a
BuildWarning naming the file, and every other file still builds.
"""
from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from indexer.aliases import AliasTable, load_aliases
from indexer.clean import clean
from indexer.dedupe import fold_duplicates
from indexer.identify import assign_document_ids
from indexer.load import load_corpus
from indexer.parallel import parallel_map
from indexer.provenance import is_press_summary
from indexer.records import (BuildWarning, Clause, Corpus, Document, DocumentMeta,
                             DraftDocument, SourceFile)
from indexer.split import split
from indexer.structure import build_clauses
from indexer.tag import Taxonomy, load_taxonomy, tag_documents


def build_corpus(corpus_dir: Path, progress: Callable[[str], None] | None = None) -> Corpus:
    """Every document of the corpus folder, with clauses, themes, ids and duplicates folded,
    ordered by date then id."""
    corpus_dir = Path(corpus_dir)
    report = progress or (lambda message: None)
    aliases = load_aliases(corpus_dir)
    taxonomy = load_taxonomy(corpus_dir)
    sources, warnings = load_corpus(corpus_dir)
    documents: list[Document] = []
    jobs = [(source, aliases, taxonomy) for source in sources]
    with parallel_map(_worker_count(sources)) as map_each:
        for source, (found, source_warnings) in zip(sources, map_each(_read_one, jobs)):
            warnings.extend(source_warnings)
            if found is not None:
                report(f"{source.name}: {len(found)} document(s)")
                documents.extend(found)

    assign_document_ids(documents)
    documents, duplicates = fold_duplicates(documents)
    for alias, kept in sorted(duplicates.items()):
        report(f"{alias} is a copy of {kept}")
    documents.sort(key=lambda d: (d.date, d.id))
    return Corpus(documents=documents, aliases=duplicates, warnings=warnings)


# Below this much text, parsing in this process is faster than starting others.
PARALLEL_MIN_CHARS = 1_000_000


def _worker_count(sources: list[SourceFile]) -> int:
    if len(sources) < 2 or sum(len(source.text) for source in sources) < PARALLEL_MIN_CHARS:
        return 1
    return min(len(sources), os.cpu_count() or 1)


def _read_one(job: tuple[SourceFile, AliasTable, Taxonomy]) -> tuple[list[Document] | None, list[BuildWarning]]:
    """read_source for one file: its documents (None when it could not be parsed) and warnings."""
    source, aliases, taxonomy = job
    warnings: list[BuildWarning] = []
    try:
        return read_source(source, aliases, taxonomy, warnings), warnings
    except Exception as error:  # one unreadable file must not stop the others
        warnings.append(BuildWarning(source=source.name, message=f"could not be parsed: {_describe(error)}"))
        return None, warnings


def read_source(source: SourceFile, aliases: AliasTable, taxonomy: Taxonomy,
                warnings: list[BuildWarning]) -> list[Document]:
    """The tagged documents of one source file (ids not assigned yet); problems go to
    `warnings`. Themes the source states (front matter, 主题分类) replace the inferred ones."""
    drafts = split(clean(source, aliases), source, aliases)
    if not drafts:
        warnings.append(BuildWarning(source=source.name, message="no text found: nothing to index"))
    if len(drafts) > 1 and _states_metadata(source.meta):
        warnings.append(BuildWarning(
            source=source.name, message=f"stated metadata ignored: the file holds {len(drafts)} documents"))
    documents = []
    for draft in drafts:
        clauses = build_clauses(draft)
        if not (draft.consumed or draft.date or draft.doc_number or any(c.label for c in clauses)):
            warnings.append(BuildWarning(
                source=source.name,
                message=f"no recognisable structure (no title line, date, 文号 or numbered "
                        f"clauses): “{draft.title}” is indexed as one unstructured document"))
        documents.append(_document(draft, clauses, source.meta))
    tag_documents(documents, taxonomy)
    if len(documents) == 1 and source.meta.themes:
        document = documents[0]
        document.themes = list(source.meta.themes)
        document.theme_terms = {t: document.theme_terms.get(t, []) for t in document.themes}
    return documents


def _states_metadata(meta: DocumentMeta) -> bool:
    """True when the source states metadata that overrides the parsed kind (not just where it
    came from: a source address and attachments hold for every document of a file)."""
    return any((meta.title, meta.doc_number, meta.issuers, meta.date, meta.doc_type, meta.themes))


def _document(draft: DraftDocument, clauses: list[Clause], meta: DocumentMeta) -> Document:
    """The Document of a draft; the file's source address and attachments go to each."""
    return Document(id="", title=draft.title, doc_number=draft.doc_number,
                    issuers=draft.issuers, date=draft.date, doc_type=draft.doc_type,
                    source=draft.source, clauses=clauses, source_url=meta.source_url or "",
                    attachments=list(meta.attachments),
                    press_summary=is_press_summary(draft.doc_number, clauses))


def _describe(error: Exception) -> str:
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
