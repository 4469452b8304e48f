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
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager


@contextmanager
def parallel_map(workers: int, fresh: bool = False, ahead: int | None = None):
    """A `map` (results in order) run in this process for one worker, else over `workers`
    processes: forked (inheriting what this process loaded), or spawned when `fresh`. With
    `ahead`, at most `ahead` jobs a worker are submitted and not yet taken, and jobs are drawn
    from their iterable only as they go (`Executor.map` draws and submits every job at once:
    a generator of jobs that carry data would all be made, and held, before the first result).
    Without it every job is submitted at once, so a worker never waits for a slow job ahead of
    it in the results' order (the parse: its files differ in size; a window of two a worker
    made it ~40 % longer: 300 files of ×1000, 28.5 → 40.2 s)."""
    if workers <= 1:
        yield map
        return
    context = multiprocessing.get_context("spawn" if fresh else "fork")
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        if ahead is None:
            yield pool.map
        else:
            yield lambda function, jobs: _ahead(pool, function, jobs, ahead * workers)


def _ahead(pool: ProcessPoolExecutor, function: Callable, jobs: Iterable, limit: int) -> Iterator:
    """`function` over `jobs`, results in order, with at most `limit` jobs submitted and not
    yet taken."""
    pending: deque = deque()
    for job in jobs:
        pending.append(pool.submit(function, job))
        if len(pending) >= limit:
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()
