"""Process parallelism shared by the parse (pipeline) and the index writers (backends).

Two ways to start workers, and why: the parse forks (`fresh=False`) early, while this process
is still small, so workers inherit jieba's loaded dictionary and the config for free. The
index writers start when this process holds the whole parsed corpus; forked there, each
worker's memory counts that corpus again as soon as reference counting touches its pages
(measured at ×100: ~1.3 GB RSS per forked writer), so they are spawned (`fresh=True`) and
load only what their job names.
"""
from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager


@contextmanager
def parallel_map(workers: int, fresh: bool = False):
    """A `map` (results in order) run in this process for one worker, else over `workers`
    processes: forked (inheriting what this process loaded), or spawned when `fresh`."""
    if workers <= 1:
        yield map
        return
    context = multiprocessing.get_context("spawn" if fresh else "fork")
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        yield pool.map
