"""Handing memory the build has freed back to the system (glibc's `malloc_trim`).

Why: buffers of 128 KB – 32 MB (arrays, lists, long strings) come from glibc's heap rather
than a mapping of their own once glibc has raised its mapping threshold, which it does each
time such a mapped buffer is freed; and glibc gives freed heap memory back only from the top
of the heap. A stage that frees many such buffers while it allocates others — `echoes._ordered`
frees the pairs of one similarity at a time (~330 MB in all at ×1000) while the published
arrays grow in mappings of their own (~410 MB) — so holds both: measured on ×1000's parse
cache, the build process rose 3.70 → 4.09 GB over the ordering. `malloc_trim(0)` returns the
free pages inside the heap as well, so the freed buffers stop counting. Elsewhere (not glibc)
`trim` does nothing.
"""
from __future__ import annotations

import ctypes

try:
    _MALLOC_TRIM = ctypes.CDLL(None).malloc_trim     # the process' own C library
except (AttributeError, OSError):
    _MALLOC_TRIM = None

TRIM_EVERY = 64 << 20       # bytes freed between two trims (a trim walks the whole heap)


def trim() -> None:
    """Give the heap's free pages back to the system, where the C library can."""
    if _MALLOC_TRIM is not None:
        _MALLOC_TRIM(0)


class Freed:
    """Counts what a stage frees and trims each time TRIM_EVERY more bytes were freed."""

    def __init__(self) -> None:
        self.pending = 0

    def add(self, size: int) -> None:
        self.pending += size
        if self.pending >= TRIM_EVERY:
            trim()
            self.pending = 0
