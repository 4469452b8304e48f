"""indexer/heap.py: freed heap memory is given back, and a stage trims as it frees."""
from __future__ import annotations

from array import array

import pytest

from indexer import heap


def resident_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


@pytest.mark.skipif(heap._MALLOC_TRIM is None, reason="not glibc: trim does nothing")
def test_trim_gives_back_buffers_freed_inside_the_heap():
    """The case of `echoes._ordered`: once glibc has raised its mapping threshold (a mapped
    buffer of up to 32 MB was freed), 1 MB arrays come from the heap, and freeing them between
    live ones leaves the process as large until the heap is trimmed."""
    mapped = bytes(30 << 20)                    # a mapped 30 MB buffer, freed
    del mapped
    # 1 MB buffers, each with a live 128 KB one after it (freed buffers are holes, not top).
    buffers = [(array("q", [1]) * (1 << 17), array("q", [1]) * (1 << 14)) for _ in range(80)]
    pins = [pin for _, pin in buffers]
    full = resident_mb()
    buffers.clear()
    freed = resident_mb()
    heap.trim()
    assert full - freed < 20 and freed - resident_mb() > 60, (full, freed, resident_mb())
    del pins


def test_a_stage_trims_each_time_enough_was_freed(monkeypatch):
    trims = []
    monkeypatch.setattr(heap, "trim", lambda: trims.append(1))
    freed = heap.Freed()
    for _ in range(10):
        freed.add(heap.TRIM_EVERY // 4)
    assert len(trims) == 2 and freed.pending == 2 * heap.TRIM_EVERY // 4
