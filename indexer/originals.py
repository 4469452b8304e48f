"""The original files, as received: kept with each index version, served at /d/<doc_id>/source.

A researcher citing a clause wants to check it against the file it came from (the PDF as the
ministry published it, the saved web page), and the corpus folder is the administrator's
working copy: it changes between builds. So every published version keeps the bytes its
documents were parsed from, under `originals/` (store.ORIGINALS) by their corpus-relative
names, and a page always offers the file that version was built from.

Rules, and why:
- **Only files that gave documents.** A file that was skipped (unsupported, damaged, scanned)
  has no page to link from.
- **What was parsed, not what is there now.** A file is copied only if its bytes still have the
  key the build scanned (cache.file_key); a file changed during the build is left out with a
  warning rather than served as the original of a text it did not give.
- **Unchanged files cost nothing.** A file whose key equals the previous version's is
  hard-linked from that version (a version's files are never written again once published),
  so an incremental build copies only what changed; a republish links the whole version.
- **A name never leaves the folder.** `path_of` serves only a regular file inside the version's
  `originals/` (a stored name cannot come from a request, but the check is cheap).
"""
from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from indexer import store
from indexer.cache import file_key

CHANGED_DURING_BUILD = "文件在构建过程中被修改，本版本未保存其原始文件 / changed during the build: original not kept"


def write(version: Path, corpus_dir: Path, sources: Iterable[str], files: dict[str, str],
          previous: Path | None = None, previous_files: dict[str, str] | None = None
          ) -> dict[str, list[str]]:
    """Keep the original of every name in `sources` (corpus-relative) in `version`. `files` are
    this build's file keys by name, `previous_files` the previous version's; returns warnings
    by file name."""
    target_root = Path(version) / store.ORIGINALS
    previous_files = previous_files or {}
    warnings: dict[str, list[str]] = {}
    for name in sorted(set(sources)):
        key = files.get(name)
        if key is None:
            continue                # a document not read from a corpus file (tests' corpora)
        target = target_root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        kept = Path(previous) / store.ORIGINALS / name if previous is not None else None
        if kept is not None and previous_files.get(name) == key and kept.is_file():
            store.link_or_copy(kept, target)
            continue
        try:
            data = (Path(corpus_dir) / name).read_bytes()
        except OSError:
            data = None
        if data is None or file_key(name, data) != key:
            warnings.setdefault(name, []).append(CHANGED_DURING_BUILD)
            continue
        target.write_bytes(data)
    return warnings


def path_of(version: Path, name: str) -> Path | None:
    """The kept original of corpus file `name` in `version`, or None (none kept, or a name
    that would lead outside the version's originals folder)."""
    root = (Path(version) / store.ORIGINALS).resolve()
    path = (root / name).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        return None
    return path
