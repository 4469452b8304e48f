"""python -m bench.scale [--scales 100,1000] [--out bench/out/scale.json]  (also: make bench)

Issue 13's scale acceptance: Cesou on a 2-shard Sphinx cluster against SQLite FTS5 doing the
same job on the same clauses, in the same run on the same machine (and Whoosh at ×100).

Rules, and why:
- **One cluster per run**: `start_cluster` under `--work`/scale-cluster (127.0.0.1, free ports),
  stopped at the end — also on an error or Ctrl-C — by its pid files. Every scale builds into
  its own index folder; the first build of a folder feeds slot a, the added-document rebuild
  slot b (indexer/sphinx/build.py).
- **Every measurement in its own process** (`bench.worker`, as bench/__main__.py does), with
  CESOU_BACKEND and CESOU_CLUSTER_DIR set for the Sphinx ones and removed for Whoosh, so each
  engine's memory and caches are its own.
- **Build, end to end**: the wall time of `bench.worker build` from process start to exit —
  imports, parsing (load → tag, dedupe), normalising, feeding the shards, `indexer`, global
  IDF, rotation, waiting until every shard serves, the store's JSON — with pipeline and engine
  parts as the worker times them. No pickle is written (the FTS5 baseline reads the store).
- **Peak memory of the whole build**: bench/scale_memory.py (PSS of the build's process tree plus the
  searchd nodes, sampled every 0.25 s or less often, so that sampling stays under 5% of a core);
  `--memory-cap-mb` kills a build above it.
- **Queries**: the fixed mix of bench/queries.py through `Engine.search` on the Sphinx backend
  (top 10 + snippets + four facets over all matches), then FTS5 built from the same published
  store and run on the same mix; at `--whoosh-scales` (default 100) Whoosh is built from the
  same corpus and run here too (not read from another run).
- **Adding one document**: a new document file (a rewritten copy of one seed document, with a
  marker sentence found nowhere else) is written into the corpus, `python -m indexer build`
  runs with CESOU_BACKEND set, and the clock stops when a fresh `Engine` (what the site's next
  request opens) finds the marker; the time includes the rebuild and opening the new version.
- JSON is written after every step, so a run cut short keeps what it measured.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from bench import generate, scale_report
from bench.__main__ import OUT, BenchError, _commit, _scales, machine
from bench.scale_memory import MemoryPeak, Sampler, usage_kb
from bench.results import BaselineBuildTimes, BuildTimes, CorpusStats, QueryRun
from indexer import config
from indexer.aliases import load_aliases
from indexer.records import SearchRequest
from indexer.sphinx import cluster

SHARDS = 2
# A build above this (PSS of the tree + searchd) is killed: the 4 GB target with room to
# measure how far it overshoots, far below the shared 24 GB machine's free memory.
MEMORY_CAP_MB = 12_000
# The seed file copied as the added document: one document, the smallest seed file (30 KB).
ADDED_SEED = "中国科学院率先行动计划暨全面深化改革纲要-2014.txt"
# Characters found in no seed file (grep), so the quoted marker matches the added clause only.
MARKER = "篁竺筠箫"
MARKER_SENTENCE = f"开展{MARKER}试点。"
VISIBLE_POLL_S = 120.0


@dataclass
class SphinxBuild:
    wall_s: float               # process start to exit: everything the build does
    pipeline_s: float           # load → tag, ids, dedupe
    engine_s: float             # normalise, feed, indexer, global IDF, rotate, wait, store JSON
    index_bytes: int            # the slot's shard files (both shards)
    feed_bytes: int             # the TSV feed files of the slot
    memory: MemoryPeak


@dataclass
class AddOne:
    document: str
    rebuild_s: float            # `python -m indexer build`, process start to exit
    visible_s: float | None     # file written → a fresh Engine finds the marker (None: never)
    open_s: float               # opening the new version (part of visible_s)
    memory: MemoryPeak | None = None


@dataclass
class ScaleRun:
    scale: int
    corpus: CorpusStats | None = None
    build: SphinxBuild | None = None
    sphinx: QueryRun | None = None
    searchd_mb: float = 0.0     # PSS of the searchd nodes after the mix
    fts5_build: BaselineBuildTimes | None = None
    fts5: QueryRun | None = None
    whoosh_build: BuildTimes | None = None
    whoosh: QueryRun | None = None
    add_one: AddOne | None = None
    notes: list[str] = field(default_factory=list)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.scale", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--scales", type=_scales, default=[100, 1000],
                   help="comma-separated copy counts of the seed corpus (default 100,1000)")
    p.add_argument("--out", type=Path, default=OUT / "scale.json", help="JSON results file")
    p.add_argument("--corpus", type=Path, default=config.corpus_dir(), help="seed corpus folder")
    p.add_argument("--work", type=Path, default=OUT,
                   help="folder for scaled corpora, indexes, the cluster (default bench/out)")
    p.add_argument("--rounds", type=int, default=5, help="timed rounds of the query mix (default 5)")
    p.add_argument("--whoosh-scales", type=lambda t: _scales(t) if t.strip() else [], default=[100],
                   help="scales also built and queried with Whoosh (default 100; '' for none)")
    p.add_argument("--shards", type=int, default=SHARDS, help="Sphinx shards (default 2)")
    p.add_argument("--timeout", type=float, default=None,
                   help="stop a step that runs longer than this many seconds")
    p.add_argument("--memory-cap-mb", type=float, default=MEMORY_CAP_MB,
                   help=f"kill a build whose memory exceeds this (default {MEMORY_CAP_MB})")
    p.add_argument("--profile", action="store_true",
                   help="run the Sphinx build and query mix under cProfile (stats in --work; slower)")
    args = p.parse_args(argv)
    if args.rounds < 1 or args.shards < 1:
        p.error("--rounds and --shards must be at least 1")
    if not args.corpus.is_dir():
        p.error(f"seed corpus folder not found: {args.corpus}")
    return args


# --- processes -------------------------------------------------------------------------------

def environment(layout: cluster.Layout | None) -> dict[str, str]:
    """The environment of a measured process: the Sphinx backend set, or removed (Whoosh)."""
    env = {k: v for k, v in os.environ.items() if k not in (cluster.ENV_BACKEND, "CESOU_CLUSTER_DIR")}
    env["PYTHONWARNINGS"] = "ignore::DeprecationWarning"
    if layout is not None:
        env[cluster.ENV_BACKEND] = str(layout.url())
        env["CESOU_CLUSTER_DIR"] = str(layout.root)
    return env


def searchd_pids(layout: cluster.Layout) -> list[int]:
    return [pid for k in range(len(layout.nodes)) if (pid := cluster.node_pid(layout, k))]


def run_process(argv: list[str], env: dict, timeout: float | None,
                sampler: tuple[list[int], float] | None = None) -> tuple[str, float, MemoryPeak | None]:
    """Run argv in its own process group; (stdout, wall seconds, memory peak when `sampler`
    = (daemon pids, cap MB) is given). BenchError when it fails, times out or hits the cap."""
    started = time.perf_counter()
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               cwd=config.REPO, env=env, start_new_session=True)
    watch = Sampler(process.pid, sampler[0], sampler[1]).start() if sampler else None
    try:
        out, err = process.communicate(timeout=timeout)
    except BaseException as error:          # timeout or Ctrl-C: never leave the build running
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        if isinstance(error, subprocess.TimeoutExpired):
            raise BenchError(f"{' '.join(argv[2:4])} did not finish within {timeout:.0f} s") from None
        raise
    finally:
        peak = watch.stop() if watch else None
    wall = time.perf_counter() - started
    if peak is not None and peak.killed_at_cap:
        raise BenchError(f"{' '.join(argv[2:4])} killed: memory above {sampler[1]:.0f} MB")
    if process.returncode != 0:
        raise BenchError(f"{' '.join(argv[2:4])} failed (exit {process.returncode}):\n{err.strip()[-2000:]}")
    return out, wall, peak


def worker(command: str, arguments: list[str], env: dict, timeout: float | None,
           sampler=None) -> tuple[dict, float, MemoryPeak | None]:
    out, wall, peak = run_process([sys.executable, "-m", "bench.worker", command, *arguments],
                                  env, timeout, sampler)
    return json.loads(out.strip().splitlines()[-1]), wall, peak


# --- one scale -------------------------------------------------------------------------------

def _profile(args, phase: str, scale: int) -> list[str]:
    return ["--profile", str(args.work / f"scale-profile-{phase}-x{scale}.prof")] if args.profile else []


def sphinx_build(run: ScaleRun, args, layout: cluster.Layout, corpus_dir: Path, index_dir: Path) -> None:
    common = ["--corpus", str(corpus_dir), "--index", str(index_dir)]
    built, wall, peak = worker("build", common + _profile(args, "build", run.scale),
                               environment(layout), args.timeout,
                               sampler=(searchd_pids(layout), args.memory_cap_mb))
    slot = json.loads((index_dir / "current" / "sphinx.json").read_text(encoding="utf-8"))["slot"]
    run.corpus = CorpusStats(**built["corpus"])
    run.build = SphinxBuild(
        wall_s=wall, pipeline_s=built["build"]["pipeline_s"], engine_s=built["build"]["engine_s"],
        index_bytes=_bytes(layout.root / "data", f"{layout.name}_{slot}_*"),
        feed_bytes=_bytes(layout.root / "feed", f"{layout.name}_{slot}_*"), memory=peak)


def _bytes(folder: Path, pattern: str) -> int:
    return sum(p.stat().st_size for p in folder.glob(pattern) if p.is_file())


def sphinx_queries(run: ScaleRun, args, layout: cluster.Layout, corpus_dir: Path, index_dir: Path) -> None:
    common = ["--corpus", str(corpus_dir), "--index", str(index_dir), "--rounds", str(args.rounds)]
    searched, _, _ = worker("search", common + _profile(args, "search", run.scale),
                            environment(layout), args.timeout)
    run.sphinx = QueryRun(**searched["cesou"])
    run.searchd_mb = sum(usage_kb(pid)[0] for pid in searchd_pids(layout)) / 1024


def fts5(run: ScaleRun, args, corpus_dir: Path, index_dir: Path) -> None:
    """FTS5 over the clauses of the published store (the same documents the shards hold)."""
    db = args.work / f"scale-fts5-x{run.scale}.sqlite"
    common = ["--corpus", str(corpus_dir), "--index", str(index_dir), "--db", str(db),
              "--rounds", str(args.rounds)]
    base, _, _ = worker("baseline", common, environment(None), args.timeout)
    run.fts5_build = BaselineBuildTimes(**base["baseline_build"])
    run.fts5 = QueryRun(**base["baseline"])


def whoosh(run: ScaleRun, args, corpus_dir: Path) -> None:
    """Whoosh, the embedded default, on the same corpus (built and queried here)."""
    index_dir = args.work / f"scale-whoosh-x{run.scale}"
    common = ["--corpus", str(corpus_dir), "--index", str(index_dir), "--rounds", str(args.rounds)]
    built, _, _ = worker("build", common, environment(None), args.timeout)
    searched, _, _ = worker("search", common, environment(None), args.timeout)
    run.whoosh_build, run.whoosh = BuildTimes(**built["build"]), QueryRun(**searched["cesou"])


def added_document(seed_dir: Path, scale: int) -> tuple[str, str]:
    """(file name, text): copy number `scale` of ADDED_SEED — a copy no scale up to `scale`
    holds — with MARKER_SENTENCE after the first sentence past the middle."""
    source = seed_dir / ADDED_SEED
    names = generate.NameRotation(list(load_aliases(seed_dir).issuers.items()))
    text = generate.make_variant(source.read_text(encoding="utf-8"), scale, names, seed=6)
    cut = text.index("。", len(text) // 2) + 1
    return f"added-{scale:04d}-{source.name}", text[:cut] + MARKER_SENTENCE + text[cut:]


def add_one(run: ScaleRun, args, layout: cluster.Layout, corpus_dir: Path, index_dir: Path) -> None:
    from indexer.search import Engine

    name, text = added_document(args.corpus, run.scale)
    started = time.perf_counter()
    (corpus_dir / name).write_text(text, encoding="utf-8")
    _, rebuild_s, peak = run_process(
        [sys.executable, "-m", "indexer", "build", "--corpus", str(corpus_dir), "--index", str(index_dir)],
        environment(layout), args.timeout, sampler=(searchd_pids(layout), args.memory_cap_mb))
    request, visible, open_s = SearchRequest(q=f'"{MARKER}"', per_page=1), None, 0.0
    while time.perf_counter() - started < rebuild_s + VISIBLE_POLL_S:
        opened = time.perf_counter()
        engine = Engine(index_dir, str(layout.url()))    # what the site's next request opens
        open_s = time.perf_counter() - opened
        found = engine.search(request).total
        del engine
        if found:
            visible = time.perf_counter() - started
            break
        time.sleep(0.5)
    run.add_one = AddOne(document=name, rebuild_s=rebuild_s, visible_s=visible, open_s=open_s,
                         memory=peak)


def run_scale(run: ScaleRun, args, layout: cluster.Layout, save) -> None:
    corpus_dir, index_dir = args.work / f"scale-corpus-x{run.scale}", args.work / f"scale-index-x{run.scale}"
    _say(f"×{run.scale}: generating the corpus")
    generate.generate(args.corpus, corpus_dir, run.scale)
    shutil.rmtree(index_dir, ignore_errors=True)
    steps = [("building into the Sphinx cluster", lambda: sphinx_build(run, args, layout, corpus_dir, index_dir)),
             ("query mix through Engine.search on Sphinx",
              lambda: sphinx_queries(run, args, layout, corpus_dir, index_dir)),
             ("SQLite FTS5 baseline (build and query mix)", lambda: fts5(run, args, corpus_dir, index_dir))]
    if run.scale in args.whoosh_scales:
        steps.append(("Whoosh (build and query mix)", lambda: whoosh(run, args, corpus_dir)))
    steps.append(("adding one document", lambda: add_one(run, args, layout, corpus_dir, index_dir)))
    for title, step in steps:
        _say(f"×{run.scale}: {title}")
        step()
        save()


# --- the run ---------------------------------------------------------------------------------

def _say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _write(out: Path, meta: dict, runs: list[ScaleRun]) -> None:
    out.write_text(json.dumps({**meta, "scales": [asdict(r) for r in runs]}, ensure_ascii=False,
                              indent=1), encoding="utf-8")


def run_all(args, meta: dict, runs: list[ScaleRun]) -> None:
    """Start the cluster, run every scale, stop the cluster whatever happens."""
    root = args.work / "scale-cluster"
    _say(f"starting a {args.shards}-shard Sphinx cluster under {root}")
    layout = cluster.start_cluster(root, shards=args.shards)
    meta["cluster"] = {"url": str(layout.url()), "shards": layout.shards}
    try:
        for scale in args.scales:
            runs.append(ScaleRun(scale=scale))
            try:
                run_scale(runs[-1], args, layout, lambda: _write(args.out, meta, runs))
            except (BenchError, generate.SeedError, cluster.ClusterError) as error:
                meta["stopped"] = f"×{scale}: {error}"
                _say(f"benchmark stopped at {meta['stopped']}")
                break
    finally:
        cluster.stop_cluster(root)
        _write(args.out, meta, runs)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    args.work, args.out = args.work.resolve(), args.out.resolve()
    args.work.mkdir(parents=True, exist_ok=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    started = datetime.now(timezone.utc)
    meta = {"date": started.isoformat(timespec="seconds"), "commit": _commit(),
            "machine": machine(), "rounds": args.rounds, "profiled": args.profile}
    runs: list[ScaleRun] = []
    run_all(args, meta, runs)
    print(scale_report.markdown(runs, meta))
    _say(f"results written to {args.out} ({(datetime.now(timezone.utc) - started).seconds} s)")
    return 0 if "stopped" not in meta and len(runs) == len(args.scales) else 1


if __name__ == "__main__":
    sys.exit(main())
