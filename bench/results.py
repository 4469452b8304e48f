"""What one benchmark run measures, as records that go to JSON and back unchanged."""
from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field

from bench.queries import KINDS, QUERY_MIX

KIND_OF = {q.label: q.kind for q in QUERY_MIX}


@dataclass
class Latency:
    median_ms: float
    p95_ms: float
    samples: int

    @classmethod
    def of(cls, samples_ms: list[float]) -> Latency:
        """Median and nearest-rank 95th percentile (no interpolation beyond the samples)."""
        if not samples_ms:
            return cls(0.0, 0.0, 0)
        ordered = sorted(samples_ms)
        p95 = ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]
        return cls(statistics.median(ordered), p95, len(ordered))


@dataclass
class CorpusStats:
    """What the pipeline made of a scaled corpus: proof that copies are distinct documents."""
    files: int
    bytes: int
    documents: int
    clauses: int
    text_chars: int             # label + heading + text of every clause
    duplicates: int             # documents folded into another as copies
    warnings: int
    distinct_titles: int
    distinct_doc_numbers: int   # documents with a 文号, counted once per 文号
    issuers: int                # distinct issuer facet values
    years: int                  # distinct year facet values


@dataclass
class BuildTimes:
    pipeline_s: float           # load → clean → split → structure → tag (jieba for themes) → ids → dedupe
    engine_s: float             # index.publish: normalise, jieba + bigrams, Whoosh add + commit, JSON
    index_bytes: int
    peak_rss_mb: float                  # the build process itself
    worker_peak_rss_mb: float = 0.0     # the largest of its worker processes (parallel parse/index)
    all_peak_rss_mb: float = 0.0        # all its processes together (bench/memory.py)
    cpu_s: float = 0.0                  # CPU time of all its processes (user + system)


@dataclass
class RebuildTimes:
    """`python -m indexer build` after the full build, reusing what did not change."""
    seconds: float
    reused: str                         # what the build report says it reused
    peak_rss_mb: float                  # the build process itself
    all_peak_rss_mb: float = 0.0        # all its processes together
    cpu_s: float = 0.0                  # CPU time of all its processes: on a shared machine,
                                        # what the build would take alone (one process busy)


@dataclass
class QueryRun:
    """One engine's run of the query mix in its own process."""
    open_s: float                           # opening the index before the first query
    first_ms: dict[str, float]              # query label → its first (uncached) execution
    repeat_ms: dict[str, list[float]]       # query label → executions after the warm-up
    totals: dict[str, int]                  # query label → matching clauses
    rss_mb: float                           # resident memory after the mix
    peak_rss_mb: float

    def latency(self) -> Latency:
        return Latency.of([t for times in self.repeat_ms.values() for t in times])

    def first_latency(self) -> Latency:
        return Latency.of(list(self.first_ms.values()))

    def by_kind(self) -> dict[str, Latency]:
        return {kind: Latency.of([t for label, times in self.repeat_ms.items()
                                  if KIND_OF.get(label) == kind for t in times])
                for kind in KINDS}


@dataclass
class BaselineBuildTimes:
    segment_s: float
    insert_s: float
    bytes: int
    peak_rss_mb: float


@dataclass
class ScaleResult:
    scale: int
    corpus: CorpusStats
    build: BuildTimes
    cesou: QueryRun
    baseline_build: BaselineBuildTimes
    baseline: QueryRun
    http: Latency | None = None             # /api/search through waitress, client-side
    rebuilds: dict[str, RebuildTimes] = field(default_factory=dict)   # REBUILDS name → times
    profiled: bool = False                  # timings taken under cProfile (slower)
    notes: list[str] = field(default_factory=list)

