"""The offline pipeline up to the index: load → clean → split → structure → tag → ids → dedupe.

One bad file never stops the corpus: whatever goes wrong while reading it becomes a
BuildWarning naming the file, and every other file still builds.

Two phases, and why: load → tag (plus the clauses' normalised texts, what each clause
contributes to the build's analytics — its words and its echo sketch, indexer/analytics_files.py
`document_inputs` — and the citations each document makes, indexer/links/extract.py) looks at
one file only, so it runs per file, in parallel, and its result
(`FileResult`) can be kept in the parse cache (indexer/cache.py) and reused while the file's
bytes and the parser are unchanged;
ids and duplicate folding look at the whole corpus, so they run once, in this process, on
every build. A file is read one at a time (hashing, then parsing in a worker), so memory
holds the parsed documents, never every file's raw text at once.
"""
from __future__ import annotations

import gc
import os
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from indexer import analytics_files
from indexer import cache as parse_cache
from indexer.analytics import cooccur
from indexer.aliases import AliasTable, load_aliases
from indexer.clausetext import DocumentTexts, concatenated, document_texts
from indexer.clean import clean
from indexer.dedupe import Comparisons, Fingerprint, fingerprint, fold_duplicates
from indexer.identify import assign_document_ids
from indexer.links.extract import extract_document
from indexer.links.model import Reference
from indexer.load import (RESOURCE_FOLDER_NOTE, LoadError, corpus_files, load_file,
                          resource_folders)
from indexer.parallel import parallel_map
from indexer.provenance import is_press_summary
from indexer.records import (BuildWarning, Clause, Corpus, Document, DocumentMeta,
                             DraftDocument, SourceFile)
from indexer.split import split
from indexer.structure import build_clauses
from indexer.tag import Taxonomy, load_taxonomy, tag_documents


@dataclass
class FileResult:
    """One file's share of the pipeline, before ids: its documents (None when it could not
    be read), its warnings, and per document the clauses' normalised texts, its dedupe
    fingerprint, its clauses' analytics inputs and the citations in it (`doc` left empty:
    ids are given later, corpus-wide)."""
    documents: list[Document] | None
    warnings: list[BuildWarning]
    texts: list[DocumentTexts] = field(default_factory=list)
    prints: list[Fingerprint] = field(default_factory=list)
    analytics: list[analytics_files.DocumentInputs] = field(default_factory=list)
    references: list[list[Reference]] = field(default_factory=list)


@dataclass
class CorpusFile:
    path: Path
    name: str           # path relative to the corpus folder
    key: str            # cache.file_key: its name and bytes
    size: int


@dataclass
class ParsedCorpus:
    """The corpus, its documents' normalised texts, analytics inputs and citations (same
    order; the citations carry their document's id), and what it was built from."""
    corpus: Corpus
    texts: list[DocumentTexts]
    analytics: list[analytics_files.DocumentInputs]
    references: list[list[Reference]]
    inputs: dict[str, str]      # corpus file name → cache key
    parser_version: str
    reused: int = 0             # files taken from the parse cache

    def normalized(self) -> dict[str, list[str]]:
        return concatenated(self.texts)

    def manifest_inputs(self) -> dict:
        """What the build read, as the version's manifest records it (see build_inputs)."""
        return _inputs(self.parser_version, dict(self.inputs))


def build_inputs(parser_version: str, files: list[CorpusFile]) -> dict:
    """What a build reads: the parser version, each corpus file's cache key, and the day
    (validity — 尚未施行, 已失效 — is worked out as of the build day). A build whose inputs
    equal the published version's has nothing to do but publish it again."""
    return _inputs(parser_version, {f.name: f.key for f in files})


def _inputs(parser_version: str, files: dict[str, str]) -> dict:
    return {"parser_version": parser_version, "files": files, "date": date.today().isoformat()}


def build_corpus(corpus_dir: Path, progress: Callable[[str], None] | None = None) -> Corpus:
    """Every document of the corpus folder, with clauses, themes, ids and duplicates folded,
    ordered by date then id."""
    return parse_corpus(corpus_dir, progress).corpus


def scan(corpus_dir: Path) -> tuple[str, list[CorpusFile]]:
    """The parser version and every corpus file with its cache key (each file read once)."""
    version = parse_cache.parser_version(corpus_dir)
    files = []
    for path in corpus_files(corpus_dir):
        name = path.relative_to(corpus_dir).as_posix()
        data = path.read_bytes()
        files.append(CorpusFile(path, name, parse_cache.file_key(name, data), len(data)))
    return version, files


def parse_corpus(corpus_dir: Path, progress: Callable[[str], None] | None = None,
                 cache_dir: Path | None = None, scanned: tuple[str, list[CorpusFile]] | None = None,
                 reuse: bool = True) -> ParsedCorpus:
    """build_corpus, with each file's result kept in the parse cache of the index folder
    `cache_dir` when one is given, and taken from it when `reuse` (else every file is parsed)."""
    corpus_dir = Path(corpus_dir)
    report = progress or (lambda message: None)
    version, files = scanned or scan(corpus_dir)
    store = parse_cache.ParseCache(cache_dir, version) if cache_dir else None
    cooccur.clear_segment_cache()       # words segmented under an earlier dictionary
    results, reused = _file_results(corpus_dir, files, store, reuse, report)
    warnings = [w for r in results for w in r.warnings] + [
        BuildWarning(source=name, message=RESOURCE_FOLDER_NOTE.format(count=count))
        for name, count in resource_folders(corpus_dir).items()]
    pairs = [(d, t, a, refs) for r in results if r.documents
             for d, t, a, refs in zip(r.documents, r.texts, r.analytics, r.references, strict=True)]
    documents = [d for d, _, _, _ in pairs]
    assign_document_ids(documents)
    compared = Comparisons(store.read_comparisons() if store and reuse else None)
    kept, duplicates = fold_duplicates(documents, [p for r in results for p in r.prints], compared,
                                       workers=os.cpu_count() or 1)
    for alias, original in sorted(duplicates.items()):
        report(f"{alias} is a copy of {original}")
    kept_ids = {id(d) for d in kept}
    pairs = sorted((p for p in pairs if id(p[0]) in kept_ids), key=lambda p: (p[0].date, p[0].id))
    if store:
        store.write_comparisons(compared.remembered())
        store.prune({f.key for f in files})
    return ParsedCorpus(
        corpus=Corpus(documents=[d for d, _, _, _ in pairs], aliases=duplicates, warnings=warnings),
        texts=[t for _, t, _, _ in pairs], analytics=[a for _, _, a, _ in pairs],
        references=[[replace(r, doc=d.id) for r in refs] for d, _, _, refs in pairs],
        inputs={f.name: f.key for f in files},
        parser_version=version, reused=reused)


def _file_results(corpus_dir: Path, files: list[CorpusFile], store: parse_cache.ParseCache | None,
                  reuse: bool, report: Callable[[str], None]) -> tuple[list[FileResult], int]:
    """Each file's FileResult, in file order: from the cache, else parsed (in parallel); and
    how many came from the cache."""
    cached = [store and reuse and store.has(f.key) for f in files]
    results: list[FileResult | None] = [None] * len(files)
    missing = [i for i, hit in enumerate(cached) if not hit]
    aliases, taxonomy = load_aliases(corpus_dir), load_taxonomy(corpus_dir)
    jobs = [(files[i], aliases, taxonomy, store) for i in missing]
    # Parse first, while this process is small (its workers are forked), then read the cache.
    with parallel_map(_worker_count([files[i] for i in missing])) as map_each:
        for i, result in zip(missing, map_each(_read_one, jobs)):
            results[i] = result
            report(f"{files[i].name}: {len(result.documents or [])} document(s)")
    # Unpickling allocates millions of objects and no garbage: the cyclic collector's passes
    # over them were half of the cache read (×100, 500 entries: ~1.9 → ~0.9 s). What was read
    # lives as long as the build, so it is frozen out of the collector (index.build freezes
    # the whole parsed corpus after the parse anyway).
    collecting = gc.isenabled()
    gc.disable()
    try:
        for i, hit in enumerate(cached):
            if hit:
                results[i] = store.get(files[i].key) or _read_one((files[i], aliases, taxonomy, store))
    finally:
        if collecting:
            gc.freeze()
            gc.enable()
    return results, len(files) - len(missing)


# Below this much text, parsing in this process is faster than starting others
# (1 M characters, about 3 MB of UTF-8 Chinese).
PARALLEL_MIN_BYTES = 3_000_000


def _worker_count(files: list[CorpusFile]) -> int:
    if len(files) < 2 or sum(f.size for f in files) < PARALLEL_MIN_BYTES:
        return 1
    return min(len(files), os.cpu_count() or 1)


def _read_one(job: tuple[CorpusFile, AliasTable, Taxonomy, parse_cache.ParseCache | None]) -> FileResult:
    """Load and read_source one file, with its clauses' normalised texts; the result goes to
    the parse cache folder when one is given."""
    file, aliases, taxonomy, store = job
    warnings: list[BuildWarning] = []
    result = FileResult(None, warnings)
    try:
        source = load_file(file.path, file.name, aliases)
    except LoadError as error:
        warnings.append(BuildWarning(source=file.name, message=f"skipped: {error.problem}"))
        source = None
    if source is not None:
        warnings.extend(BuildWarning(source=file.name, message=m) for m in source.warnings)
        try:
            result.documents = read_source(source, aliases, taxonomy, warnings)
            result.texts = [document_texts(d) for d in result.documents]
            result.prints = [fingerprint(d) for d in result.documents]
            result.analytics = [analytics_files.document_inputs(d, t)
                                for d, t in zip(result.documents, result.texts)]
            # Citations depend on the document alone (its id only names the citing side), so
            # they are extracted here, in parallel, and cached with the file.
            result.references = [extract_document(d) for d in result.documents]
        except Exception as error:  # one unreadable file must not stop the others
            warnings.append(BuildWarning(source=source.name, message=f"could not be parsed: {_describe(error)}"))
            result.documents, result.texts, result.prints, result.analytics = None, [], [], []
            result.references = []
    if store is not None:
        store.put(file.key, result)
    return result


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
