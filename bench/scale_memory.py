"""Peak memory of a process tree plus named daemons, sampled from /proc (Linux only).

What is counted, and why:
- the **tree** of one root process: the root and every descendant alive at a sample (the build
  process, its parse workers, and the `indexer`/`indextool` it runs), found by walking the
  parent pids of /proc/*/stat at each sample;
- the **daemons** (the `searchd` nodes by pid), which hold the shards the build rotates in;
- per process **PSS** (`/proc/PID/smaps_rollup`): resident pages, a page shared by k processes
  counted 1/k in each, so a forked worker's copy-on-write pages are not counted twice and
  the sum is the memory the whole build really occupies. RSS is summed too (the upper bound
  `ps` would show). Page cache (the index files read through it) is not process memory and is
  not counted.

Sampling every INTERVAL_S misses spikes shorter than that; the build's phases last seconds to
minutes. Reading smaps_rollup walks the process's page tables: 126 ms for a 2.6 GB build
process on the loaded 2-core machine, so at a fixed 0.25 s the sampler took ~20% of a core
from the build it measured (×1000 run). The pause after a sample is therefore at least
OVERHEAD_FACTOR × the sample's own time (≤ 5% of a core); `longest_pause_s` records it. When `cap_mb` is given and the sum exceeds it, the sampler kills the root's process
group (the caller starts the root with start_new_session=True) and records it: a runaway build
must not take the shared machine's memory.
"""
from __future__ import annotations

import os
import signal
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.memory import tree

# At least 0.25 s between samples: the build's phases last seconds to minutes, so a shorter
# interval would only add load on the shared 2 cores. And at least 20 × the time a sample took
# (a sample of a 2.6 GB process took 126 ms here): the sampler stays under 5% of one core.
INTERVAL_S = 0.25
OVERHEAD_FACTOR = 20


@dataclass
class MemoryPeak:
    total_pss_mb: float = 0.0       # tree + daemons at the sample where their sum was highest
    tree_pss_mb: float = 0.0        # highest of the tree alone
    daemons_pss_mb: float = 0.0     # highest of the daemons alone
    total_rss_mb: float = 0.0       # same sums with RSS (shared pages counted in each process)
    processes: int = 0              # most processes seen in one sample
    samples: int = 0
    killed_at_cap: bool = False
    longest_pause_s: float = 0.0    # the longest gap between two samples
    at_s: float = 0.0               # seconds after sampling started, at the highest total
    at_peak: list = field(default_factory=list)     # [process name, PSS MB] then, largest first
    counted: str = ("PSS of the build process tree (build, parse workers, indexer, indextool) "
                    "+ the searchd nodes, summed per sample")


def usage_kb(pid: int) -> tuple[int, int]:
    """(PSS, RSS) of one process in KiB; (0, 0) once it is gone."""
    pss = rss = 0
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                pss = int(line.split()[1])
            elif line.startswith("Rss:"):
                rss = int(line.split()[1])
    except (OSError, ValueError):
        return 0, 0
    return pss, rss


def _name(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return "?"


@dataclass
class Sampler:
    """Samples in a thread from start() until stop(); `peak` holds the result."""
    root: int
    daemons: list[int] = field(default_factory=list)
    cap_mb: float | None = None
    peak: MemoryPeak = field(default_factory=MemoryPeak)

    def __post_init__(self):
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def start(self) -> Sampler:
        self._started = time.perf_counter()
        self._thread.start()
        return self

    def stop(self) -> MemoryPeak:
        self._stop.set()
        self._thread.join()
        return self.peak

    def sample(self) -> None:
        pids = tree(self.root)
        tree_use = [usage_kb(p) for p in pids]
        daemon_use = [usage_kb(p) for p in self.daemons]
        tree_pss, daemons_pss = sum(u[0] for u in tree_use) / 1024, sum(u[0] for u in daemon_use) / 1024
        total_rss = sum(u[1] for u in tree_use + daemon_use) / 1024
        p = self.peak
        p.samples += 1
        p.processes = max(p.processes, sum(1 for u in tree_use if u[1]) + len(self.daemons))
        p.tree_pss_mb, p.daemons_pss_mb = max(p.tree_pss_mb, tree_pss), max(p.daemons_pss_mb, daemons_pss)
        if tree_pss + daemons_pss > p.total_pss_mb:
            p.total_pss_mb, p.at_s = tree_pss + daemons_pss, round(time.perf_counter() - self._started, 1)
            p.at_peak = sorted(([_name(pid), round(u[0] / 1024)] for pid, u in
                                zip(pids + self.daemons, tree_use + daemon_use) if u[0]),
                               key=lambda entry: -entry[1])
        p.total_rss_mb = max(p.total_rss_mb, total_rss)
        if self.cap_mb and tree_pss + daemons_pss > self.cap_mb and not p.killed_at_cap:
            p.killed_at_cap = True
            try:
                os.killpg(self.root, signal.SIGKILL)
            except OSError:
                pass

    def _loop(self) -> None:
        while not self._stop.is_set():
            started = time.perf_counter()
            self.sample()
            pause = max(INTERVAL_S, OVERHEAD_FACTOR * (time.perf_counter() - started))
            self.peak.longest_pause_s = max(self.peak.longest_pause_s, pause)
            self._stop.wait(pause)
