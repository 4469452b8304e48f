"""`python -m indexer build`, made to stop at a chosen point so a test can SIGKILL it there.

    python tests/reliability_paused_build.py STAGE MARKER GO -- build --corpus C --index I

The pause points hook only public seams, never the index module's internals, so they hold
whatever the build's own code looks like:
  parsing  after the pipeline has cleaned its first source file (indexer.clean.clean)
  indexing after Whoosh has taken its third clause (whoosh SegmentWriter.add_document)
  publish  just before the `current` link is swapped (os.replace / os.rename onto `current`)
At the pause the build writes MARKER and waits until GO exists (then carries on normally),
or until the test kills it.
"""
from __future__ import annotations

import functools
import os
import sys
import time
from pathlib import Path

# Run as a script from tests/: the indexer package lives one folder up.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

PAUSE_LIMIT = 300     # seconds: never outlive a test run that forgot to kill us


def main(argv: list[str]) -> int:
    stage, marker, go, separator, *build_argv = argv
    if separator != "--":
        raise SystemExit(__doc__)
    pause = functools.partial(_pause, stage, Path(marker), Path(go))
    HOOKS[stage](pause)
    from indexer.__main__ import main as indexer_main   # after the hooks, so they are the ones imported
    return indexer_main(build_argv)


def _pause(stage: str, marker: Path, go: Path) -> None:
    marker.write_text(f"{stage} {os.getpid()}\n", encoding="utf-8")
    deadline = time.monotonic() + PAUSE_LIMIT
    while not go.exists():
        if time.monotonic() > deadline:
            os._exit(3)
        time.sleep(0.05)


def _once_after(count: int, pause):
    """A function to call on every event that pauses exactly once, at the count-th event."""
    seen = 0

    def event():
        nonlocal seen
        seen += 1
        if seen == count:
            pause()
    return event


def hook_parsing(pause) -> None:
    import indexer.clean as clean_module
    original, event = clean_module.clean, _once_after(1, pause)

    @functools.wraps(original)
    def clean(*args, **kwargs):
        result = original(*args, **kwargs)
        event()
        return result
    clean_module.clean = clean


def hook_indexing(pause) -> None:
    from whoosh.writing import SegmentWriter
    original, event = SegmentWriter.add_document, _once_after(3, pause)

    @functools.wraps(original)
    def add_document(self, **fields):
        result = original(self, **fields)
        event()
        return result
    SegmentWriter.add_document = add_document


def hook_publish(pause) -> None:
    event = _once_after(1, pause)
    for name in ("replace", "rename"):
        original = getattr(os, name)

        def swap(src, dst, *args, _original=original, **kwargs):
            if Path(os.fsdecode(dst)).name == "current":
                event()
            return _original(src, dst, *args, **kwargs)
        setattr(os, name, swap)


HOOKS = {"parsing": hook_parsing, "indexing": hook_indexing, "publish": hook_publish}

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
