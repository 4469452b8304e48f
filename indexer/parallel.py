"""Process parallelism shared by the parse (pipeline) and the index writers (backends)."""
from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager


@contextmanager
def parallel_map(workers: int):
    """A `map` (results in order) run in this process for one worker, else over `workers`
    forked processes, which inherit what this process loaded (jieba's dictionary, config)."""
    if workers <= 1:
        yield map
        return
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
        yield pool.map
