"""Peak memory of a process and everything it starts, sampled from /proc.

getrusage cannot give it: RUSAGE_CHILDREN's ru_maxrss is the largest single child, not the sum
of processes alive at the same time. So the benchmark samples, every INTERVAL_S, the resident
memory (VmRSS) of the worker and all its descendants and keeps the largest sum. Sums of RSS
count pages shared by forked processes once per process: an upper bound, which is what a
"fits on the machine" target needs. A peak shorter than the interval can be missed.
"""
from __future__ import annotations

import os
import threading
from pathlib import Path

INTERVAL_S = 0.2


def _children() -> dict[int, list[int]]:
    found: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue                    # ended meanwhile
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        found.setdefault(parent, []).append(int(entry))
    return found


def tree(root: int) -> list[int]:
    """`root` and its living descendants (bench/scale_memory.py samples the same tree)."""
    children, found, todo = _children(), [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += children.get(pid, [])
    return found


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_rss_mb(root: int) -> float:
    """Resident memory of `root` and all its descendants now, in MB."""
    return sum(_rss_kb(pid) for pid in tree(root)) / 1024


class PeakSampler:
    """`with PeakSampler(pid) as peak: …` then `peak.mb`: the largest tree_rss_mb seen."""

    def __init__(self, pid: int):
        self.pid, self.mb = pid, 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.mb = max(self.mb, tree_rss_mb(self.pid))
            self._stop.wait(INTERVAL_S)

    def __enter__(self) -> PeakSampler:
        if Path("/proc").is_dir():
            self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()
