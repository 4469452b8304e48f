"""Offline build: parse the corpus and publish a new index version atomically.

Layout of the index folder:

    index_dir/build.lock             flock'ed by the one running build
    index_dir/current -> versions/X  the served version; replaced by one atomic rename
    index_dir/versions/X/            whoosh/, documents.json, document_aliases.json,
                                     normalized.json (per clause: text, heading, context),
                                     config/ (the alias table and jieba user dictionary the
                                     version was built with, so queries are analysed like the
                                     index), manifest.json (written last: marks it complete)
    index_dir/jieba/                 jieba's prefix-dictionary cache

A build writes a new version beside the served one and switches `current` only when the version
is complete, so a crash or Ctrl-C leaves the served index untouched. The current and the previous
version are kept (a serving process may still read the previous one); anything else, including
partial versions of killed builds, is removed by the next build.
"""
from __future__ import annotations

import dataclasses
import fcntl
import json
import os
import shutil
import sys
import time
from collections import defaultdict
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from tqdm import tqdm
from whoosh import index as whoosh_index
from whoosh.fields import STORED, TEXT, Schema
from whoosh.writing import SegmentWriter

from indexer import aliases, analysis, present
from indexer.records import Clause, Corpus, Document

FORMAT = 2     # bump when the version layout changes: older versions then count as missing
MANIFEST = "manifest.json"


class BuildError(Exception):
    """A build that cannot run; the message is shown to the user as is."""


@dataclasses.dataclass
class BuildReport:
    build_id: str
    version_dir: Path
    documents: int
    clauses: int
    duplicates: dict[str, str]           # alias document id → canonical id
    warnings: dict[str, list[str]]       # corpus file → messages
    seconds: float

    def summary(self) -> str:
        lines = [f"published {self.build_id}: {self.documents} documents, {self.clauses} clauses, "
                 f"{len(self.duplicates)} duplicates, "
                 f"{sum(map(len, self.warnings.values()))} warnings, {self.seconds:.1f} s"]
        lines += [f"  duplicate {alias} → {canonical}" for alias, canonical in self.duplicates.items()]
        for source, messages in self.warnings.items():
            lines.append(f"  {source}:")
            lines += [f"    {m}" for m in messages]
        return "\n".join(lines)


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


def clause_text(clause: Clause) -> str:
    """What a clause is matched on: its own label, heading and text (children excluded)."""
    return " ".join(p for p in (clause.label, clause.heading, clause.text) if p)


def clause_context(document: Document, ancestors: list[Clause]) -> str:
    """Where a clause stands: its document's title and its ancestors' titles."""
    return " ".join([document.title, *map(present.clause_title, ancestors)])


def jieba_cache(index_dir: Path) -> Path:
    return Path(index_dir) / "jieba"


def published_version(index_dir: Path) -> Path | None:
    """The complete version `current` points at, or None when nothing usable is published
    (no link, a partial version, or one written in an older format)."""
    manifest = Path(index_dir) / "current" / MANIFEST
    try:
        complete = json.loads(manifest.read_text(encoding="utf-8")).get("format") == FORMAT
    except (OSError, ValueError):
        return None
    return manifest.parent.resolve() if complete else None


@contextmanager
def build_lock(index_dir: Path):
    """Hold index_dir/build.lock for the duration; a second build fails at once."""
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / "build.lock", "a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BuildError(f"另一个构建正在运行，请等它结束后再试。 Another build is already "
                             f"running on {index_dir}; wait for it to finish.") from None
        yield


def build(corpus_dir: Path, index_dir: Path, show_progress: bool = True) -> BuildReport:
    """Run the pipeline on `corpus_dir` and publish the result as the current index version."""
    from indexer import pipeline   # the pipeline is only needed by builds, not by searches

    corpus_dir, index_dir = Path(corpus_dir), Path(index_dir)
    if not corpus_dir.is_dir():
        raise BuildError(f"语料目录不存在：{corpus_dir}  Corpus folder not found: {corpus_dir}")
    with build_lock(index_dir):
        started = time.monotonic()
        # Before the pipeline: its tag stage segments with jieba too.
        analysis.configure_jieba(aliases.config_file(corpus_dir, "userdict.txt"), jieba_cache(index_dir))
        with tqdm(desc="parse", unit="step", disable=not show_progress) as bar:
            def progress(message: str) -> None:
                bar.set_postfix_str(message[:60])
                bar.update()
            corpus = pipeline.build_corpus(corpus_dir, progress=progress)
        return publish(corpus, corpus_dir, index_dir, show_progress, started)


def publish(corpus: Corpus, corpus_dir: Path, index_dir: Path, show_progress: bool = False,
            started: float | None = None) -> BuildReport:
    """Write `corpus` as a new version and make it current. The caller holds build_lock."""
    started = time.monotonic() if started is None else started
    build_id = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%f")
    versions = index_dir / "versions"
    version = versions / build_id
    version.mkdir(parents=True)
    try:
        (version / "config").mkdir()
        for name in ("aliases.toml", "userdict.txt"):
            shutil.copyfile(aliases.config_file(corpus_dir, name), version / "config" / name)
        analysis.configure_jieba(version / "config" / "userdict.txt", jieba_cache(index_dir))
        normalized = _write_whoosh(corpus.documents, version / "whoosh", show_progress)
        _write_json(version / "documents.json", [_document_record(d) for d in corpus.documents])
        _write_json(version / "normalized.json", normalized)
        _write_json(version / "document_aliases.json", corpus.aliases)
        report = BuildReport(
            build_id=build_id, version_dir=version, documents=len(corpus.documents),
            clauses=len(normalized["texts"]), duplicates=dict(corpus.aliases),
            warnings=_warnings_by_file(corpus), seconds=0.0)
        _sync_tree(version)     # everything on disk before the manifest declares it complete
        _write_json(version / MANIFEST, {
            "format": FORMAT, "build_id": build_id, "corpus": str(corpus_dir.resolve()),
            "documents": report.documents, "clauses": report.clauses,
            "duplicates": report.duplicates, "warnings": report.warnings})
        _sync_dir(version)
    except BaseException:
        shutil.rmtree(version, ignore_errors=True)   # Ctrl-C or error: leave no partial version
        raise
    previous = published_version(index_dir)
    _switch_current(index_dir, version)
    _remove_stale(versions, keep={version, previous})
    report.seconds = time.monotonic() - started
    return report


def _write_whoosh(documents: list[Document], folder: Path, show_progress: bool) -> dict[str, list[str]]:
    """Index every clause in document order; returns the normalised texts, headings and contexts
    of the clauses, whose list position is the clause's Whoosh docnum.

    Whoosh indexes in pure Python, one posting at a time, so a large corpus is cut into
    consecutive parts written as segments by parallel processes; the segments are listed in
    part order, so docnums still follow clause order."""
    from indexer.pipeline import parallel_map   # as in build: searches never need the pipeline

    folder.mkdir()
    ix = whoosh_index.create_in(str(folder), schema())
    normalized = normalized_clauses(documents)
    texts = normalized["texts"]
    clauses = list(zip(texts, normalized["headings"], normalized["contexts"]))
    parts = _parts(len(clauses), _segment_count(len(clauses)))
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
        if searcher.doc_count() != len(texts) or any(
                searcher.stored_fields(n)["ordinal"] != n for start, end in parts for n in (start, end - 1)):
            raise BuildError("索引文档编号与条款顺序不一致 / Whoosh docnums do not follow clause order")
    return normalized


def normalized_clauses(documents: list[Document]) -> dict[str, list[str]]:
    """Per clause in docnum order (documents in order, each one's outline): its normalised
    label+heading+text, label+heading and context. Every backend indexes these same strings."""
    texts: list[str] = []
    headings: list[str] = []
    contexts: list[str] = []
    for document in documents:
        for entry in present.outline(document):
            clause = entry.clause
            texts.append(analysis.normalize(clause_text(clause)))
            headings.append(analysis.normalize(f"{clause.label} {clause.heading}"))
            contexts.append(analysis.normalize(clause_context(document, entry.ancestors)))
    return {"texts": texts, "headings": headings, "contexts": contexts}


# Below this many clauses one writer in this process is faster than starting others.
PARALLEL_MIN_CLAUSES = 4000
# A Whoosh writer holds its postings in memory up to WRITER_LIMIT_MB, then sorts them out to
# temp files and merges those in pure Python, which doubled the time of a large segment; a
# segment of at most SEGMENT_MAX_CLAUSES stays in memory (measured: ~1 GB per writer).
WRITER_LIMIT_MB = 1024
SEGMENT_MAX_CLAUSES = 20000


def _segment_count(clauses: int) -> int:
    if clauses < PARALLEL_MIN_CLAUSES:
        return 1
    return max(os.cpu_count() or 1, -(-clauses // SEGMENT_MAX_CLAUSES))


def _parts(count: int, parts: int) -> list[tuple[int, int]]:
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


def _document_record(document: Document) -> dict:
    """The export's JSON shape plus what search needs back: clause kind and themes."""
    from indexer.report import document_to_json

    record = document_to_json(document)
    record["theme_terms"] = document.theme_terms
    for entry, clause in zip(record["clauses"], document.clauses):
        entry.update(kind=clause.kind, themes=clause.themes, theme_terms=clause.theme_terms)
    return record


def _write_json(path: Path, data) -> None:
    with open(path, "w", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False)
        f.flush()
        os.fsync(f.fileno())


def _warnings_by_file(corpus: Corpus) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = defaultdict(list)
    for warning in corpus.warnings:
        grouped[warning.source].append(warning.message)
    return dict(grouped)


def _switch_current(index_dir: Path, version: Path) -> None:
    # A relative link keeps the index folder movable; os.replace makes the switch atomic.
    # One fixed temp name (the caller holds the build lock): the link a killed publish left
    # behind is simply replaced by the next one.
    temp = index_dir / "current.tmp"
    if temp.is_symlink() or temp.exists():
        temp.unlink()
    os.symlink(version.relative_to(index_dir), temp)
    os.replace(temp, index_dir / "current")
    _sync_dir(index_dir)


def _sync_tree(folder: Path) -> None:
    """fsync every file and folder under `folder` (Whoosh itself does not)."""
    for path in sorted(folder.rglob("*"), reverse=True):
        if path.is_file():
            with open(path, "rb") as f:
                os.fsync(f.fileno())
        else:
            _sync_dir(path)
    _sync_dir(folder)


def _sync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove_stale(versions: Path, keep: set[Path | None]) -> None:
    keep_names = {p.name for p in keep if p}
    for folder in versions.iterdir():
        if folder.name not in keep_names:
            shutil.rmtree(folder, ignore_errors=True)


def build_command(args) -> int:
    corpus_dir, index_dir = Path(args.corpus), Path(args.index)
    if args.if_missing and published_version(index_dir):
        print(f"index already published at {published_version(index_dir)}; nothing to do")
        return 0
    try:
        report = build(corpus_dir, index_dir, show_progress=True)
    except (BuildError, ValueError, OSError) as error:
        # ValueError: a broken config file; OSError: an unwritable index folder. Both name it.
        print(f"build failed: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("build interrupted; the published index is unchanged", file=sys.stderr)
        return 130
    print(report.summary())
    return 0
