"""The build's memory of earlier builds: per-file parse results, so an unchanged file is not
parsed again.

Rules, and why:

- An entry is the pipeline's whole per-file output (documents before ids, warnings, the
  clauses' normalised texts, the dedupe fingerprints, per clause its analytics inputs:
  its words before stop words and its echo sketch, indexer/analytics_files.py, and per
  document the citations it makes, indexer/links/extract.py), pickled. It is keyed by the file's
  corpus path and bytes (`file_key`): the path because a document records its source file,
  the bytes because they are all a parser reads.
- Entries live under index_dir/cache/parse/<PARSER_VERSION>/. PARSER_VERSION (`parser_version`)
  hashes the code of the indexer package and the config files parsing depends on
  (aliases.toml, themes.toml, userdict.txt; any other file of the config folder, stopwords.txt
  included: the build takes the stop words out of the cached words) and the
  versions of the libraries whose output it keeps: change any of them and every entry is invalid,
  because a changed parser may read the same bytes differently. Hashing all of the package's
  code rather than a hand-kept version number errs on the safe side: an edit to a search
  module also invalidates the cache, but a forgotten bump can never serve stale clauses.
- Writes are atomic (a temp file renamed into place), so a killed build leaves either a
  complete entry or none; an entry that cannot be read counts as missing. After a build,
  entries no current file uses and folders of other parser versions are removed (`prune`),
  so the cache holds one corpus' worth of entries.
- One more entry holds the pairs of documents duplicate folding compared, by text digest
  (dedupe.Comparisons), so a rebuild compares only pairs involving a new or changed document.
  (The citation graph is resolved over the whole corpus on every build: a new document may
  resolve an old citation; only the extraction is per file.)
- The cache sits beside versions/ and outside any version: versions stay self-contained,
  and removing the cache folder only makes the next build a full one.
"""
from __future__ import annotations

import hashlib
import os
import pickle
import shutil
from importlib import metadata
from pathlib import Path

from indexer import aliases, config

# The config files the parse reads; any other file in a config folder is hashed too, so a
# config file added later (validity.toml …) can never be left out.
CONFIG_FILES = ("aliases.toml", "themes.toml", "userdict.txt")
# Libraries whose output the parse keeps: their versions enter PARSER_VERSION too.
LIBRARIES = ("jieba", "OpenCC", "pypinyin", "beautifulsoup4", "Markdown", "charset-normalizer",
             "PyYAML", "pdfplumber", "pdfminer.six", "python-docx", "Whoosh")
FOLDER = "cache"
# Bump when the shape of a cache entry changes (pipeline.FileResult).
# 2: per document the clauses' analytics inputs (analytics_files.DocumentInputs).
# 3: per document its extracted citations (they were a separate memo entry, "link-references").
ENTRY_FORMAT = 3
COMPARISONS = "dedupe-comparisons"     # one more entry: the pairs duplicate folding compared


def parser_version(corpus_dir: Path) -> str:
    """A hash of the indexer's code and of the config files the parse depends on."""
    digest = hashlib.sha256(f"entry {ENTRY_FORMAT}\n".encode())
    for name in LIBRARIES:
        digest.update(f"{name}={_library_version(name)}\n".encode())
    package = config.REPO / "indexer"
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode() + b"\0")
        digest.update(path.read_bytes())
    for name in sorted(set(CONFIG_FILES) | _config_names(corpus_dir)):
        digest.update(name.encode() + b"\0")
        digest.update(aliases.config_file(corpus_dir, name).read_bytes())
    return digest.hexdigest()[:24]


def _library_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return ""


def _config_names(corpus_dir: Path) -> set[str]:
    folders = (Path(corpus_dir) / "config", config.REPO / "corpus" / "config")
    return {p.name for folder in folders if folder.is_dir() for p in folder.iterdir() if p.is_file()}


def file_key(name: str, data: bytes) -> str:
    """The cache key of one corpus file: its path in the corpus and its bytes."""
    digest = hashlib.sha256(name.encode() + b"\0")
    digest.update(data)
    return digest.hexdigest()


class ParseCache:
    """Per-file parse results of one parser version, in `folder`."""

    def __init__(self, index_dir: Path, version: str):
        self.root = Path(index_dir) / FOLDER / "parse"
        self.folder = self.root / version

    def has(self, key: str) -> bool:
        return (self.folder / f"{key}.pickle").is_file()

    def get(self, key: str):
        try:
            with open(self.folder / f"{key}.pickle", "rb") as f:
                return pickle.load(f)
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
            return None     # missing or unreadable (a renamed record type): parse again

    def put(self, key: str, entry) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        temp = self.folder / f"{key}.{os.getpid()}.tmp"
        with open(temp, "wb") as f:
            pickle.dump(entry, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temp, self.folder / f"{key}.pickle")

    def read_comparisons(self) -> dict:
        """Duplicate folding's compared pairs (dedupe.Comparisons) of the last build."""
        return self.get(COMPARISONS) or {}

    def write_comparisons(self, pairs: dict) -> None:
        self.put(COMPARISONS, pairs)

    def prune(self, keep: set[str]) -> None:
        """Remove the entries of files no longer in the corpus and other parser versions."""
        if self.root.is_dir():
            for other in self.root.iterdir():
                if other != self.folder:
                    shutil.rmtree(other, ignore_errors=True)
        if self.folder.is_dir():
            for path in self.folder.iterdir():
                if path.name.removesuffix(".pickle") not in keep | {COMPARISONS}:
                    path.unlink(missing_ok=True)

