"""Offline build: parse the corpus and publish a new index version atomically.

The folder layout and the JSON form of the records are indexer/store.py's.

Links (issue 14): every publish runs `links.link_corpus` over the whole corpus — never an
incremental update (only the extraction of a document's citations is per file: done by the parse
workers and kept in the parse cache), so adding a document that cites an old one grows the old one's 被引用 list —
with today's date (validity is as of the build: rebuild to refresh it), the editor's
validity.toml and the issuer names of aliases.toml. The graph is written as citations.json, and
each Document carries its status (`Document.validity`) so filters and facets treat it like any
other document metadata. A broken validity.toml fails the build with a message naming the file
and the entry, as a broken aliases.toml does: a status the editor set must never be silently
dropped. An override naming a document the corpus does not hold is only a warning (the
document may simply not be collected yet).

A build writes a new version beside the served one and switches `current` only when the version
is complete, so a crash or Ctrl-C leaves the served index untouched. The current and the previous
version are kept (a serving process may still read the previous one); anything else, including
partial versions of killed builds, is removed by the next build.

A build costs what changed since the previous one (`--full` reuses nothing):

- Nothing the build reads changed (each corpus file's name and bytes, and the parser version:
  indexer code and config files; recorded as the manifest's `inputs`): the previous version's
  files are hard-linked into a new version, published the same way (`_republish`).
- Else files whose bytes and parser version are unchanged come from the parse cache
  (indexer/cache.py), only the others are parsed; ids and duplicate folding run over the whole
  corpus as always, so they are what a full build gives; and Whoosh segments whose clauses are
  unchanged are hard-linked from the previous version (indexer/backends/whoosh.py); a small
  segment write goes on in a process of its own while this one writes the version's JSON
  files and analytics (`_start_whoosh`). The version's JSON files are written whole every
  time (documents.json and normalized.json ~1 s together at ×100).
- The analytics (word sets, echoes: indexer/analytics_files.py) are assembled from per-clause
  inputs the parse cache keeps, so only new or changed files are segmented and sketched; echo
  pairs between two unchanged clauses come from the previous version's echo_state.bin, and
  only pairs involving a new or changed clause are checked. Both equal a full build's.
- The original files the documents came from (indexer/originals.py) are hard-linked from the
  previous version when unchanged, else copied from the corpus.
- Hard links are safe because no file of a published version is ever written again; reuse only
  reads the previous version, so a killed incremental build leaves it as it was.
- The Sphinx backend (CESOU_BACKEND) gets only the change too: added and changed documents'
  clauses go into the served slot's RT delta, removed and changed ones are hidden there, under
  a generation number the published version does not see yet (indexer/sphinx/build.py); a
  large change, `--full`, or a cluster that no longer holds the published version re-feeds
  the other slot in full.
"""
from __future__ import annotations

import dataclasses
import gc
import os
import shutil
import time
from collections import defaultdict
from collections.abc import Callable
from datetime import date, datetime, timezone
from pathlib import Path

from tqdm import tqdm

from indexer import aliases, analysis, analytics_files, config, links, originals, pipeline, store
from indexer.backends import whoosh
from indexer.clausetext import clause_context, clause_text, concatenated, document_texts
from indexer.links import CitationGraph
from indexer.links.extract import extract_document
from indexer.links.model import Reference
from indexer.links.validity import CONFIG_NAME as VALIDITY_CONFIG
from indexer.records import Corpus, Document
from indexer.sphinx.build import publish_sphinx
from indexer.store import BuildError, build_lock, jieba_cache, published_version, write_json

__all__ = ["BuildError", "BuildReport", "build", "build_lock", "clause_context", "clause_text",
           "publish"]


@dataclasses.dataclass
class BuildReport:
    build_id: str
    version_dir: Path
    documents: int
    clauses: int
    duplicates: dict[str, str]           # alias document id → canonical id
    warnings: dict[str, list[str]]       # corpus file → messages
    seconds: float
    reused: str = ""                     # what came from the previous build, for the summary

    def summary(self) -> str:
        lines = [f"published {self.build_id}: {self.documents} documents, {self.clauses} clauses, "
                 f"{len(self.duplicates)} duplicates, "
                 f"{sum(map(len, self.warnings.values()))} warnings, {self.seconds:.1f} s"
                 + (f" (reused: {self.reused})" if self.reused else "")]
        lines += [f"  duplicate {alias} → {canonical}" for alias, canonical in self.duplicates.items()]
        for source, messages in self.warnings.items():
            lines.append(f"  {source}:")
            lines += [f"    {m}" for m in messages]
        return "\n".join(lines)


def build(corpus_dir: Path, index_dir: Path, show_progress: bool = True,
          full: bool = False) -> BuildReport:
    """Run the pipeline on `corpus_dir` and publish the result as the current index version,
    reusing the previous build's work unless `full` (see the module docstring)."""
    corpus_dir, index_dir = Path(corpus_dir), Path(index_dir)
    if not corpus_dir.is_dir():
        raise BuildError(f"语料目录不存在：{corpus_dir}  Corpus folder not found: {corpus_dir}")
    links.load_overrides(corpus_dir)    # a broken validity.toml fails now, not after the parse
    with build_lock(index_dir):
        started = time.monotonic()
        scanned = pipeline.scan(corpus_dir)
        inputs = pipeline.build_inputs(*scanned)
        previous = published_version(index_dir)
        if not full and previous and not config.backend() and _manifest(previous).get("inputs") == inputs:
            return _republish(previous, corpus_dir, index_dir, started)
        # Before the pipeline: its tag stage segments with jieba too.
        analysis.configure_jieba(aliases.config_file(corpus_dir, "userdict.txt"), jieba_cache(index_dir))
        with tqdm(desc="parse", unit="step", disable=not show_progress) as bar:
            def progress(message: str) -> None:
                bar.set_postfix_str(message[:60])
                bar.update()
            parsed = pipeline.parse_corpus(corpus_dir, progress, cache_dir=index_dir,
                                           scanned=scanned, reuse=not full)
        # The parsed corpus lives until the build ends: kept out of the cyclic collector, whose
        # full passes over it (~0.2–0.5 s each at ×100) recur as the publish allocates.
        # Measured on a ×100 add-one rebuild: 15.8 → 14.4 s.
        # Handed back to the collector when the build returns, so a process that builds more
        # than once (tests, a long-lived caller) does not keep each build's cycles for good.
        gc.freeze()
        try:
            return publish(parsed.corpus, corpus_dir, index_dir, show_progress, started,
                           normalized=parsed.normalized(), inputs=inputs,
                           previous=None if full else previous, analytics=parsed.analytics,
                           references=parsed.references)
        finally:
            gc.unfreeze()


def _manifest(version: Path) -> dict:
    try:
        return store.read_json(version / store.MANIFEST)
    except (OSError, ValueError):
        return {}


def publish(corpus: Corpus, corpus_dir: Path, index_dir: Path, show_progress: bool = False,
            started: float | None = None, normalized: dict[str, list[str]] | None = None,
            inputs: dict | None = None, previous: Path | None = None,
            analytics: list[analytics_files.DocumentInputs] | None = None,
            references: list[list[Reference]] | None = None) -> BuildReport:
    """Write `corpus` as a new version and make it current. The caller holds build_lock.
    `normalized` is normalized_clauses(corpus.documents) when the caller has it already;
    `inputs` (what the corpus was built from) lets the next build skip an unchanged corpus;
    index segments and echo pairs of the `previous` version whose content is unchanged are
    reused; `analytics` and `references` are the documents' analytics inputs and extracted
    citations when the parse computed them."""
    started = time.monotonic() if started is None else started
    corpus, graph, link_warnings = link(corpus, corpus_dir, date.today(), references)
    version = _new_version(index_dir)
    build_id = version.name
    try:
        (version / store.CONFIG).mkdir()
        for name in ("aliases.toml", "userdict.txt"):
            shutil.copyfile(aliases.config_file(corpus_dir, name), version / store.CONFIG / name)
        analysis.configure_jieba(version / store.CONFIG / "userdict.txt", jieba_cache(index_dir))
        if normalized is None:
            normalized = normalized_clauses(corpus.documents)
        reused, kept_warnings = _write_files(version, corpus, corpus_dir, graph, normalized,
                                             analytics, inputs, previous, show_progress)
        report = BuildReport(
            build_id=build_id, version_dir=version, documents=len(corpus.documents),
            clauses=len(normalized["texts"]), duplicates=dict(corpus.aliases),
            warnings=_merged(_warnings_by_file(corpus), link_warnings, kept_warnings), seconds=0.0,
            reused=(reused if isinstance(reused, str) else f"{reused} index segments") if reused else "")
        _sync_tree(version)     # everything on disk before the manifest declares it complete
        write_json(version / store.MANIFEST, {
            "format": store.FORMAT, "build_id": build_id, "corpus": str(corpus_dir.resolve()),
            "documents": report.documents, "clauses": report.clauses,
            "duplicates": report.duplicates, "warnings": report.warnings,
            **({"inputs": inputs} if inputs else {})})
        _sync_dir(version)
    except BaseException:
        shutil.rmtree(version, ignore_errors=True)   # Ctrl-C or error: leave no partial version
        raise
    _make_current(index_dir, version)
    report.seconds = time.monotonic() - started
    return report


def _write_files(version: Path, corpus: Corpus, corpus_dir: Path, graph: CitationGraph,
                 normalized: dict, analytics: list[analytics_files.DocumentInputs] | None,
                 inputs: dict | None, previous: Path | None, show_progress: bool
                 ) -> tuple[int | str, dict[str, list[str]]]:
    """The version's files but the manifest: the backend's, the JSON files, the originals and
    the analytics. Returns what the backend reused (`publish`'s report) and the originals'
    warnings."""
    # Whoosh first: a small write (a rebuild's changed segment) runs in a process of its own
    # while this one writes the JSON files and the analytics (whoosh.start_write).
    salt = (inputs or {}).get("parser_version", "")
    whoosh_write = None if config.backend() else _start_whoosh(
        version, corpus, normalized, show_progress, previous, salt)
    try:
        store.write_documents(version, corpus.documents)
        kept_warnings = originals.write(
            version, corpus_dir, (d.source for d in corpus.documents), (inputs or {}).get("files", {}),
            previous, _manifest(previous).get("inputs", {}).get("files") if previous else None)
        store.write_normalized(version, normalized)
        write_json(version / store.DOCUMENT_ALIASES, corpus.aliases)
        def the_rest() -> None:
            store.write_citations(version, graph)
            analytics_files.write(version, corpus_dir, corpus.documents, normalized["texts"],
                                  inputs=analytics, previous=previous)
        if whoosh_write is None:    # the cluster's shards are indexed while the rest is written
            reused = _write_sphinx(version, corpus, normalized, previous, meanwhile=the_rest)
            return reused, kept_warnings
        the_rest()
        return whoosh_write.finish(), kept_warnings
    finally:
        if whoosh_write is not None:
            whoosh_write.abandon()      # an error meanwhile: the writer stops before cleanup


def link(corpus: Corpus, corpus_dir: Path, today: date,
         references: list[list[Reference]] | None = None
         ) -> tuple[Corpus, CitationGraph, dict[str, list[str]]]:
    """The citation graph of `corpus` as of `today`, the corpus with each document's validity
    set from it, and warnings about validity.toml entries naming no document of the corpus.
    `references` are the documents' extracted citations, in their order (the parse's); without
    them they are extracted here."""
    overrides = links.load_overrides(corpus_dir)
    extracted = ({d.id: found for d, found in zip(corpus.documents, references, strict=True)}
                 if references is not None else None)
    graph = links.link_corpus(corpus.documents, corpus.aliases, overrides, today=today,
                              issuer_names=aliases.load_aliases(corpus_dir).issuers,
                              extract=(lambda d: extracted[d.id]) if extracted is not None
                              else extract_document)
    documents = [dataclasses.replace(d, validity=str(graph.validity[d.id].status))
                 for d in corpus.documents]
    known = {d.id for d in documents}
    unknown = [f"[{doc_id}]：语料中没有这个文件，此条未使用 / no such document, entry unused"
               for doc_id in overrides if doc_id not in known]
    warnings = {VALIDITY_CONFIG: unknown} if unknown else {}
    return dataclasses.replace(corpus, documents=documents), graph, warnings


def _new_version(index_dir: Path) -> Path:
    build_id = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%f")
    version = index_dir / "versions" / build_id
    version.mkdir(parents=True)
    return version


def _make_current(index_dir: Path, version: Path) -> None:
    previous = published_version(index_dir)
    _switch_current(index_dir, version)
    _remove_stale(index_dir / "versions", keep={version, previous})


def _republish(previous: Path, corpus_dir: Path, index_dir: Path, started: float) -> BuildReport:
    """Nothing the build reads has changed: publish the previous version's files again
    (hard links, so nothing is copied) as a new version, by the same atomic switch."""
    manifest = _manifest(previous)
    version = _new_version(index_dir)
    try:
        for path in sorted(previous.rglob("*")):
            target = version / path.relative_to(previous)
            if path.is_dir():
                target.mkdir()
            elif path.name != store.MANIFEST:
                store.link_or_copy(path, target)
        _sync_tree(version)
        write_json(version / store.MANIFEST, {**manifest, "build_id": version.name,
                                              "corpus": str(corpus_dir.resolve())})
        _sync_dir(version)
    except BaseException:
        shutil.rmtree(version, ignore_errors=True)
        raise
    _make_current(index_dir, version)
    return BuildReport(build_id=version.name, version_dir=version, documents=manifest["documents"],
                       clauses=manifest["clauses"], duplicates=manifest["duplicates"],
                       warnings=manifest["warnings"], seconds=time.monotonic() - started, reused="all")


def _write_sphinx(version: Path, corpus: Corpus, normalized: dict, previous: Path | None,
                  meanwhile: Callable[[], None]) -> str:
    """The configured SphinxQL cluster's side of the version, served before this returns: the
    change since the published version written into its slot's RT delta, or a full re-feed of
    the other slot when there is no `previous` (--full), the change is large or the cluster
    does not hold the published version (indexer/sphinx/build.py decides; returns what it did).
    `meanwhile`, the rest of the version's files, is written while the shards are indexed."""
    return "sphinx " + publish_sphinx(config.backend(), version, corpus.documents, normalized,
                                      incremental=previous is not None, meanwhile=meanwhile)


def _start_whoosh(version: Path, corpus: Corpus, normalized: dict, show_progress: bool,
                  previous: Path | None, salt: str) -> whoosh.PendingWrite:
    """The embedded Whoosh index of the version, reusing the `previous` version's unchanged
    segments; a small write goes on in the background until the PendingWrite's `finish()`
    (which returns the number of segments reused)."""
    sizes = [(d.id, len(d.clauses)) for d in corpus.documents]
    # Without a parser version a segment's key cannot tell old analysers from new: no reuse.
    return whoosh.start_write(version, normalized, show_progress, documents=sizes,
                              previous=previous if salt else None, salt=salt,
                              jieba_setup=(version / store.CONFIG / "userdict.txt",
                                           jieba_cache(version.parent.parent)),
                              background=True)


def normalized_clauses(documents: list[Document]) -> dict[str, list[str]]:
    """Per clause in docnum order, what every backend matches and ranks on: its normalised
    label+heading+text, label+heading, and context."""
    return concatenated([document_texts(document) for document in documents])


def _warnings_by_file(corpus: Corpus) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = defaultdict(list)
    for warning in corpus.warnings:
        grouped[warning.source].append(warning.message)
    return dict(grouped)


def _merged(*found: dict[str, list[str]]) -> dict[str, list[str]]:
    """Warnings by file name from several stages, each file's in stage order."""
    merged: dict[str, list[str]] = defaultdict(list)
    for warnings in found:
        for name, messages in warnings.items():
            merged[name].extend(messages)
    return dict(merged)


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
