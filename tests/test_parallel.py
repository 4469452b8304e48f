"""indexer.parallel: results in order, and with `ahead` a parallel map that takes its jobs as it
goes (a generator of jobs that carry data is never made all at once)."""
from __future__ import annotations

from indexer.parallel import parallel_map


def square(n: int) -> int:
    return n * n


def test_results_come_in_order_in_this_process_and_in_others():
    for workers, fresh, ahead in ((1, False, None), (2, False, None), (2, True, None), (2, False, 1)):
        with parallel_map(workers, fresh=fresh, ahead=ahead) as map_each:
            assert list(map_each(square, range(20))) == [n * n for n in range(20)]


def test_jobs_are_taken_only_a_few_ahead_of_the_results():
    drawn = []

    def jobs():
        for n in range(50):
            drawn.append(n)
            yield n

    with parallel_map(2, ahead=3) as map_each:
        results = map_each(square, jobs())
        assert next(results) == 0
        assert len(drawn) <= 3 * 2
        assert list(results) == [n * n for n in range(1, 50)]
    assert len(drawn) == 50
