"""One measurement in a fresh process: `python -m bench.worker {build,rebuild,search,baseline} …`.

Each measurement runs in its own process so its peak memory (getrusage) and its warm caches
belong to it alone. The last line of stdout is the result as JSON; bench/__main__.py reads it.
With --profile FILE the measured part runs under cProfile: FILE gets the raw stats and
FILE.txt the top functions by cumulative and by own time.
"""
from __future__ import annotations

import argparse
import cProfile
import io
import json
import pickle
import pstats
import resource
import sys
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path

from bench import baseline
from bench.queries import QUERY_MIX, WARM_UP
from bench.results import BaselineBuildTimes, BuildTimes, CorpusStats, QueryRun, RebuildTimes
from indexer import aliases, analysis, config, index, pipeline, store
from indexer.records import Corpus

PROFILE_LINES = 30


def build(args) -> dict:
    """A full build (nothing reused, but the parse cache filled, as `build --full` does), with
    the pipeline and the index timed apart; the parsed corpus is pickled for the baseline."""
    corpus_dir, index_dir = Path(args.corpus), Path(args.index)
    # As index.build does: jieba loads its dictionary before the pipeline's tag stage uses it.
    analysis.configure_jieba(aliases.config_file(corpus_dir, "userdict.txt"), store.jieba_cache(index_dir))
    with _profiled(args.profile):
        started = time.perf_counter()
        parsed_corpus = pipeline.parse_corpus(corpus_dir, cache_dir=index_dir, reuse=False)
        corpus = parsed_corpus.corpus
        parsed = time.perf_counter()
        with index.build_lock(index_dir):
            report = index.publish(corpus, corpus_dir, index_dir, normalized=parsed_corpus.normalized(),
                                   inputs=parsed_corpus.manifest_inputs(),
                                   analytics=parsed_corpus.analytics)
        built = time.perf_counter()
    if args.corpus_pickle:      # bench.scale reads the published store instead
        with open(args.corpus_pickle, "wb") as f:
            pickle.dump(corpus, f, protocol=pickle.HIGHEST_PROTOCOL)
    times = BuildTimes(pipeline_s=parsed - started, engine_s=built - parsed,
                       index_bytes=_folder_bytes(report.version_dir), peak_rss_mb=_peak_rss_mb(),
                       worker_peak_rss_mb=_peak_rss_mb(resource.RUSAGE_CHILDREN), cpu_s=_cpu_s())
    files = [p for p in corpus_dir.glob("*") if p.is_file()]
    return {"build": asdict(times),
            "corpus": asdict(corpus_stats(corpus, len(files), sum(p.stat().st_size for p in files)))}


def rebuild(args) -> dict:
    """`python -m indexer build` as an administrator runs it after the full build: reusing
    what did not change."""
    with _profiled(args.profile):
        report = index.build(Path(args.corpus), Path(args.index), show_progress=False)
    return {"rebuild": asdict(RebuildTimes(seconds=report.seconds, reused=report.reused,
                                           peak_rss_mb=_peak_rss_mb(), cpu_s=_cpu_s()))}


def corpus_stats(corpus: Corpus, files: int, size: int) -> CorpusStats:
    documents = corpus.documents
    return CorpusStats(
        files=files, bytes=size, documents=len(documents),
        clauses=sum(len(d.clauses) for d in documents),
        text_chars=sum(len(index.clause_text(c)) for d in documents for c in d.clauses),
        duplicates=len(corpus.aliases), warnings=len(corpus.warnings),
        distinct_titles=len({d.title for d in documents}),
        distinct_doc_numbers=len({d.doc_number for d in documents if d.doc_number}),
        issuers=len({i for d in documents for i in d.issuers}),
        years=len({d.date[:4] for d in documents if d.date[:4].isdigit()}))


def search(args) -> dict:
    """The query mix through Engine.search, the function behind the site and /api/search."""
    from indexer.search import Engine

    opened = time.perf_counter()
    engine = Engine(Path(args.index), config.backend())    # CESOU_BACKEND, as the site does
    open_s = time.perf_counter() - opened
    run = _run_mix(lambda q: engine.search(q.request()).total, args.rounds, args.profile)
    run.open_s = open_s
    return {"cesou": asdict(run)}


def baseline_run(args) -> dict:
    """Build the FTS5 database from the pickled corpus, then run the same query mix on it."""
    corpus_dir = Path(args.corpus)
    analysis.configure_jieba(aliases.config_file(corpus_dir, "userdict.txt"), store.jieba_cache(Path(args.index)))
    corpus = _load_corpus(args)
    made = baseline.build(corpus, Path(args.db))
    del corpus
    opened = time.perf_counter()
    engine = baseline.Baseline(Path(args.db), aliases.load_aliases(corpus_dir))
    open_s = time.perf_counter() - opened
    run = _run_mix(lambda q: engine.search(q.request()).total, args.rounds, args.profile)
    run.open_s = open_s
    times = BaselineBuildTimes(segment_s=made.segment_s, insert_s=made.insert_s, bytes=made.bytes,
                               peak_rss_mb=_peak_rss_mb())
    return {"baseline_build": asdict(times), "baseline": asdict(run)}


def _load_corpus(args) -> Corpus:
    """The parsed corpus: the build's pickle, else the published store's documents (a
    Sphinx build, bench.scale, keeps no pickle: it would count in the build's memory)."""
    if args.corpus_pickle:
        with open(args.corpus_pickle, "rb") as f:
            return pickle.load(f)
    return Corpus(documents=store.read_documents(store.published_version(Path(args.index))),
                  aliases={}, warnings=[])


def _run_mix(search_one: Callable, rounds: int, profile: str | None) -> QueryRun:
    for q in WARM_UP:
        search_one(q)
    first, repeat, totals = {}, {q.label: [] for q in QUERY_MIX}, {}
    with _profiled(profile):
        for q in QUERY_MIX:
            first[q.label], totals[q.label] = _timed(search_one, q)
        for _ in range(rounds):
            for q in QUERY_MIX:
                repeat[q.label].append(_timed(search_one, q)[0])
    return QueryRun(open_s=0.0, first_ms=first, repeat_ms=repeat, totals=totals,
                    rss_mb=_rss_mb(), peak_rss_mb=_peak_rss_mb())


def _timed(function: Callable, argument) -> tuple[float, object]:
    started = time.perf_counter()
    value = function(argument)
    return (time.perf_counter() - started) * 1000, value


@contextmanager
def _profiled(path: str | None):
    if not path:
        yield
        return
    profiler = cProfile.Profile()
    profiler.enable()
    try:
        yield
    finally:
        profiler.disable()
        profiler.dump_stats(path)
        text = io.StringIO()
        stats = pstats.Stats(profiler, stream=text)
        for order in ("cumulative", "tottime"):
            stats.sort_stats(order).print_stats(PROFILE_LINES)
        Path(path + ".txt").write_text(text.getvalue(), encoding="utf-8")


def _folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in Path(folder).rglob("*") if p.is_file())


def _peak_rss_mb(who: int = resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024   # KiB on Linux


def _cpu_s() -> float:
    """User + system CPU seconds of this process and its (waited-for) children so far."""
    usages = [resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    return sum(u.ru_utime + u.ru_stime for u in usages)


def _rss_mb() -> float:
    """Current resident memory (what a long-running server keeps), from /proc."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return _peak_rss_mb()


COMMANDS = {"build": build, "rebuild": rebuild, "search": search, "baseline": baseline_run}


def main(argv: list[str] | None = None) -> int:
    top = argparse.ArgumentParser(prog="python -m bench.worker", description=__doc__)
    top.add_argument("command", choices=COMMANDS)
    top.add_argument("--corpus", required=True)
    top.add_argument("--index", required=True)
    top.add_argument("--corpus-pickle")
    top.add_argument("--db")
    top.add_argument("--rounds", type=int, default=5)
    top.add_argument("--profile")
    args = top.parse_args(argv)
    result = COMMANDS[args.command](args)
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
