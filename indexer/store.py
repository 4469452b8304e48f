"""The on-disk index layout and the one JSON form of the records.

Layout of the index folder:

    index_dir/build.lock             flock'ed by the one running build
    index_dir/current -> versions/X  the served version; replaced by one atomic rename
    index_dir/versions/X/            documents.json, document_aliases.json,
                                     citations.json (the citation graph: references,
                                     被引用, validity, titles cited but not held; a version
                                     without it, from before issue 14, reads as an empty graph),
                                     normalized.json (per clause: text, heading, context),
                                     config/ (the alias table, jieba user dictionary and
                                     stop words the version was built with, so queries are
                                     analysed like the index), word_stats.json,
                                     echo_state.bin, echo_index.bin and
                                     echo_common.json (analytics,
                                     indexer/analytics_files.py),
                                     the backend's own files (whoosh/),
                                     originals/ (the corpus files the documents were
                                     parsed from, as received: indexer/originals.py),
                                     manifest.json (written last: marks it complete)
    index_dir/jieba/                 jieba's prefix-dictionary cache

A version is complete when its manifest names the current FORMAT; anything else counts as
missing, so a reader never opens a half-written or older version.

Records ⇄ JSON: `document_to_dict` / `document_from_dict` are the only conversion of a
`Document` (with its clauses), `graph_to_dict` / `graph_from_dict` of the citation graph;
the export's JSON Lines shape is a fixed projection of it
(`export_dict`), and a `Hit` is `hit_to_dict`. A new record field is one edit in records.py,
carried everywhere by these functions (tests/test_store.py round-trips them).
"""
from __future__ import annotations

import fcntl
import json
import os
import shutil
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, fields
from pathlib import Path

from indexer.links.model import (CitationGraph, CitedBy, Reference, Relation, Status,
                                 UnresolvedTitle, Validity)
from indexer.records import Attachment, Clause, Document, Hit

# Bump when the version layout changes: older versions then count as missing. 3: Whoosh
# segments without a bigrams field, each with its .bigrams postings file (issue 12).
FORMAT = 3
MANIFEST = "manifest.json"
DOCUMENTS = "documents.json"
NORMALIZED = "normalized.json"
DOCUMENT_ALIASES = "document_aliases.json"
CITATIONS = "citations.json"
CONFIG = "config"
# Analytics precomputed by the build (indexer/analytics_files.py); a version without them
# computes them on first use instead, so they are not part of FORMAT.
WORD_STATS = "word_stats.json"
ECHOES = "echoes.json"                 # read only from versions published before ECHO_INDEX
# What the next build reuses of the echoes (echoes.EchoState, binary; was echo_state.json,
# which a build no longer reads: a version with only that one gets every pair checked again).
ECHO_STATE = "echo_state.bin"
ECHO_INDEX = "echo_index.bin"          # each clause's echoes, read in place (echoes.EchoIndex)
ECHO_COMMON = "echo_common.json"     # clauses whose wording is too common to pair (echoes.common_wording)
# The original files (indexer/originals.py); a version without them serves no originals, so
# they are not part of FORMAT either.
ORIGINALS = "originals"

# The export's JSON Lines shape (README "Command-line reference"): a stable public contract,
# so its keys and their order are listed here rather than following the record's fields.
EXPORT_DOCUMENT_KEYS = ("id", "title", "doc_number", "issuers", "date", "doc_type", "themes",
                        "source", "source_url", "attachments", "aliases", "press_summary")
EXPORT_CLAUSE_KEYS = ("id", "label", "heading", "text", "parent", "fields")

_CLAUSE_ORDER = tuple(f.name for f in fields(Clause))
_DOCUMENT_ORDER = tuple(f.name for f in fields(Document))
_CLAUSE_FIELDS = frozenset(_CLAUSE_ORDER)
_DOCUMENT_FIELDS = frozenset(_DOCUMENT_ORDER) - {"clauses"}


# --- records ⇄ JSON ---------------------------------------------------------------------------

def document_to_dict(document: Document) -> dict:
    """Every field of a document and its clauses, as JSON-ready data, in field order. The
    dicts are new; their list and dict values are the record's own (read them, do not change
    them): `dataclasses.asdict` copied every value recursively and took 6 of a ×100 add-one
    rebuild's 23 seconds writing documents.json."""
    data = {name: getattr(document, name) for name in _DOCUMENT_ORDER}
    data["attachments"] = [asdict(a) for a in document.attachments]
    data["clauses"] = [{name: getattr(c, name) for name in _CLAUSE_ORDER} for c in document.clauses]
    return data


def document_from_dict(data: dict) -> Document:
    """The Document `document_to_dict` wrote; keys the record types do not know are skipped,
    so a store written by a newer build still opens."""
    clauses = [Clause(**{k: v for k, v in c.items() if k in _CLAUSE_FIELDS})
               for c in data["clauses"]]
    known = {k: v for k, v in data.items() if k in _DOCUMENT_FIELDS}
    known["attachments"] = [Attachment(**a) for a in known.get("attachments", [])]
    return Document(**known, clauses=clauses)


def export_dict(document: Document) -> dict:
    """A document as one line of `python -m indexer export`."""
    data = document_to_dict(document)
    return {**{k: data[k] for k in EXPORT_DOCUMENT_KEYS},
            "clauses": [{k: c[k] for k in EXPORT_CLAUSE_KEYS} for c in data["clauses"]]}


def hit_to_dict(hit: Hit, url: str) -> dict:
    """A search hit as the API's JSON object (and the CSV row's source): every field, the
    clause's permalink, the score rounded for reading."""
    return {**asdict(hit), "url": url, "score": round(hit.score, 4)}


def graph_to_dict(graph: CitationGraph) -> dict:
    """The whole citation graph as JSON-ready data (every field of every record)."""
    return {"references": {d: [asdict(r) for r in refs] for d, refs in graph.references.items()},
            "cited_by": {d: [asdict(c) for c in entries] for d, entries in graph.cited_by.items()},
            "validity": {d: asdict(v) for d, v in graph.validity.items()},
            "unresolved": [asdict(u) for u in graph.unresolved]}


def graph_from_dict(data: dict) -> CitationGraph:
    """The CitationGraph `graph_to_dict` wrote, relations and statuses as their enums."""
    return CitationGraph(
        references={d: [Reference(**{**r, "relation": Relation(r["relation"])}) for r in refs]
                    for d, refs in data.get("references", {}).items()},
        cited_by={d: [CitedBy(**{**c, "relation": Relation(c["relation"])}) for c in entries]
                  for d, entries in data.get("cited_by", {}).items()},
        validity={d: Validity(**{**v, "status": Status(v["status"])})
                  for d, v in data.get("validity", {}).items()},
        unresolved=[UnresolvedTitle(**{**u, "citing": tuple(map(tuple, u["citing"]))})
                    for u in data.get("unresolved", [])])


def write_citations(version: Path, graph: CitationGraph) -> None:
    write_json(Path(version) / CITATIONS, graph_to_dict(graph))


def read_citations(version: Path) -> CitationGraph:
    """The version's citation graph; an empty one for a version built before it existed."""
    path = Path(version) / CITATIONS
    return graph_from_dict(read_json(path)) if path.exists() else CitationGraph()


# --- the build lock ---------------------------------------------------------------------------

class BuildError(Exception):
    """A build that cannot run; the message is shown to the administrator as is."""


def link_or_copy(source: Path, target: Path) -> None:
    """`target` as a hard link to `source` where the file system allows it, else a copy. Safe
    between versions because no file of a published version is ever written again."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


@contextmanager
def build_lock(folder: Path):
    """Hold folder/build.lock for the duration (an index folder, or a Sphinx cluster folder
    that builds feed); a second build fails at once."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "build.lock", "a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BuildError(f"另一个构建正在运行，请等它结束后再试。 Another build is already "
                             f"running on {folder}; wait for it to finish.") from None
        yield


# --- versions ---------------------------------------------------------------------------------

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


def current_link(index_dir: Path) -> str | None:
    """Where `current` points (one readlink), to notice a new version cheaply."""
    try:
        return os.readlink(Path(index_dir) / "current")
    except OSError:
        return None


def read_json(path: Path):
    return json.loads(Path(path).read_text(encoding="utf-8"))


def write_json(path: Path, data) -> None:
    """Write and fsync: the manifest that follows must never describe unwritten data."""
    write_text_parts(path, [json.dumps(data, ensure_ascii=False)])


def write_text_parts(path: Path, parts: Iterable[str]) -> None:
    """Write the strings `parts` one after the other (UTF-8), and fsync, as write_json: a large
    file without its whole text in memory at once."""
    write_bytes(path, (part.encode("utf-8") for part in parts))


def write_bytes(path: Path, data: bytes | Iterable[bytes]) -> None:
    """Write `data` (bytes, or bytes-like parts one after the other) and fsync, as write_json:
    the one writer of a version's files."""
    with open(path, "wb") as f:
        for part in ([data] if isinstance(data, bytes) else data):
            f.write(part)
        f.flush()
        os.fsync(f.fileno())


def read_documents(version: Path) -> list[Document]:
    return [document_from_dict(d) for d in read_json(Path(version) / DOCUMENTS)]


def write_documents(version: Path, documents: list[Document]) -> None:
    """documents.json, one document at a time: json.dumps runs in C on each, where json.dump
    of the whole list goes through its Python chunk encoder (×100: 6–9 s before, ~1–3 s
    now), and memory holds one document's JSON, not the corpus'."""
    write_text_parts(Path(version) / DOCUMENTS, _json_array(document_to_dict(d) for d in documents))


def write_normalized(version: Path, normalized: dict[str, list[str]]) -> None:
    """normalized.json, as json.dumps writes it, a thousand strings at a time: at ×1000 its
    ~190 M characters were one string and then its UTF-8 (~1 GB held while it was written)."""
    write_text_parts(Path(version) / NORMALIZED, json_parts(normalized))


def json_parts(mapping: dict, chunk: int = 1000) -> Iterator[str]:
    """json.dumps(mapping, ensure_ascii=False) in parts (the same text: tests/test_store.py),
    each list value a thousand items at a time: a large file or header, such as normalized.json
    or an echo state's, without its whole text held twice (str, then bytes) at once."""
    yield "{"
    for n, (key, value) in enumerate(mapping.items()):
        yield (", " if n else "") + json.dumps(key, ensure_ascii=False) + ": "
        if not isinstance(value, list):
            yield json.dumps(value, ensure_ascii=False)
            continue
        yield "["
        for start in range(0, len(value), chunk):
            yield ((", " if start else "")
                   + json.dumps(value[start:start + chunk], ensure_ascii=False)[1:-1])
        yield "]"
    yield "}"


def _json_array(items):
    yield "["
    for n, item in enumerate(items):
        yield ("," if n else "") + json.dumps(item, ensure_ascii=False)
    yield "]"
