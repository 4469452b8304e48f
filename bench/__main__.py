"""python -m bench [--scales 1,10,100] [--out bench/out/results.json]  (also: make bench)

For each scale: generate the scaled corpus, build Cesou's index in full (pipeline and index
timed apart), run the query mix through Engine.search (and through /api/search at the HTTP
scales), build SQLite FTS5 over the same clauses and run the same mix on it; then rebuild
three times as `python -m indexer build` does: nothing changed, one document added, one
changed (REBUILDS). Peak memory is of all the build's processes together (bench/memory.py). Every measurement runs in
its own process (bench/worker.py). Prints a Markdown report and writes all numbers as JSON
after each scale, so a run cut short still leaves the scales it finished.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path

from bench import api_timing, generate, memory, report
from bench.results import (BaselineBuildTimes, BuildTimes, CorpusStats, QueryRun,
                           RebuildTimes, ScaleResult)
from indexer import config

OUT = config.REPO / "bench" / "out"


class BenchError(RuntimeError):
    """A step of the benchmark failed; the message names the step and shows its output."""


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--scales", type=_scales, default=[1, 10, 100],
                   help="comma-separated copy counts of the seed corpus (default 1,10,100)")
    p.add_argument("--out", type=Path, default=OUT / "results.json", help="JSON results file")
    p.add_argument("--corpus", type=Path, default=config.corpus_dir(), help="seed corpus folder")
    p.add_argument("--work", type=Path, default=OUT,
                   help="folder for scaled corpora, indexes and databases (default bench/out)")
    p.add_argument("--rounds", type=int, default=5, help="timed rounds of the query mix (default 5)")
    p.add_argument("--http-scales", type=_scales, default=[1],
                   help="scales also measured through /api/search (default 1)")
    p.add_argument("--timeout", type=float, default=None,
                   help="stop a step (build, query mix, baseline) that runs longer than this many seconds")
    p.add_argument("--profile", action="store_true",
                   help="run builds and query mixes under cProfile (stats in --work; slower)")
    args = p.parse_args(argv)
    if args.rounds < 1:
        p.error("--rounds must be at least 1")
    if args.timeout is not None and args.timeout <= 0:
        p.error("--timeout must be a positive number of seconds")
    if not args.corpus.is_dir():
        p.error(f"seed corpus folder not found: {args.corpus}")
    return args


def _scales(text: str) -> list[int]:
    try:
        scales = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated whole numbers, got {text!r}") from None
    if not scales or any(s < 1 for s in scales):
        raise argparse.ArgumentTypeError(f"scales must be whole numbers ≥ 1, got {text!r}")
    return sorted(set(scales))


def run_scale(scale: int, args: argparse.Namespace) -> ScaleResult:
    work = args.work
    corpus_dir, index_dir = work / f"corpus-x{scale}", work / f"index-x{scale}"
    pickle_path, db_path = work / f"corpus-x{scale}.pickle", work / f"fts5-x{scale}.sqlite"
    profile = (lambda phase: ["--profile", str(work / f"profile-{phase}-x{scale}.prof")]) \
        if args.profile else (lambda phase: [])

    _say(f"×{scale}: generating the corpus")
    scaled = generate.generate(args.corpus, corpus_dir, scale)
    shutil.rmtree(index_dir, ignore_errors=True)     # one version only, so its size is the index size
    common = ["--corpus", str(corpus_dir), "--index", str(index_dir),
              "--corpus-pickle", str(pickle_path), "--rounds", str(args.rounds)]

    _say(f"×{scale}: building Cesou's index ({scaled.bytes / 1e6:.1f} MB of text)")
    built = _worker("build", common + profile("build"), args.timeout)
    _say(f"×{scale}: query mix through Engine.search")
    searched = _worker("search", common + profile("search"), args.timeout)
    http_latency = None
    if scale in args.http_scales:
        _say(f"×{scale}: query mix through /api/search")
        try:
            http_latency = api_timing.measure(index_dir, corpus_dir, args.rounds, work / f"server-x{scale}.log")
        except (api_timing.ServerError, OSError) as error:
            raise BenchError(f"HTTP measurement at ×{scale} failed: {error}") from None
    _say(f"×{scale}: SQLite FTS5 baseline (build and query mix)")
    base = _worker("baseline", common + ["--db", str(db_path)] + profile("baseline"), args.timeout)
    pickle_path.unlink(missing_ok=True)
    rebuilds = {}
    for name, change in REBUILDS.items():
        _say(f"×{scale}: rebuild, {name}")
        change(args.corpus, corpus_dir, scale)
        rebuilds[name] = RebuildTimes(**_worker("rebuild", common + profile(f"rebuild-{name}"),
                                                args.timeout)["rebuild"])

    return ScaleResult(
        scale=scale, corpus=CorpusStats(**built["corpus"]), build=BuildTimes(**built["build"]),
        rebuilds=rebuilds,
        cesou=QueryRun(**searched["cesou"]),
        baseline_build=BaselineBuildTimes(**base["baseline_build"]),
        baseline=QueryRun(**base["baseline"]), http=http_latency, profiled=args.profile)


def identity_note(result: ScaleResult, seed_documents: int) -> str | None:
    """A warning when the copies did not all come out as distinct documents (folded as
    duplicates of each other, or lost by the parser)."""
    expected = seed_documents * result.scale
    if result.corpus.documents == expected:
        return None
    return (f"{result.corpus.documents} documents parsed, expected {seed_documents} × "
            f"{result.scale} = {expected}: some copies were folded or lost")


# The rebuild rows, in order, each measured after the change it names (the full build first).
REBUILDS = {
    "nothing changed": lambda seed, corpus, scale: None,
    "one document added": lambda seed, corpus, scale: generate.add_document(seed, corpus, scale),
    "one document changed": lambda seed, corpus, scale: generate.change_document(corpus),
}


def _worker(command: str, arguments: list[str], timeout: float | None) -> dict:
    """Run bench.worker in a fresh process; its last stdout line is the JSON result, to which
    the peak memory of the worker and its processes together is added (bench/memory.py)."""
    env = {**os.environ, "PYTHONWARNINGS": "ignore::DeprecationWarning"}
    process = subprocess.Popen([sys.executable, "-m", "bench.worker", command, *arguments],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               cwd=config.REPO, env=env)
    with memory.PeakSampler(process.pid) as peak:
        try:
            stdout, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
            raise BenchError(f"bench.worker {command} did not finish within {timeout:.0f} s") from None
    if process.returncode != 0:
        raise BenchError(f"bench.worker {command} failed (exit {process.returncode}):\n"
                         f"{stderr.strip()[-2000:]}")
    result = json.loads(stdout.strip().splitlines()[-1])
    for part in ("build", "rebuild"):
        if part in result:
            result[part]["all_peak_rss_mb"] = peak.mb
    return result


def machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in
                Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")),
               platform.processor()) if Path("/proc/cpuinfo").exists() else platform.processor()
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(),
            "platform": platform.platform(), "load_average": list(os.getloadavg())}


def _commit() -> str:
    done = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                          cwd=config.REPO)
    return done.stdout.strip() if done.returncode == 0 else "unknown"


def _write(out: Path, meta: dict, results: list[ScaleResult]) -> None:
    out.write_text(json.dumps({**meta, "scales": [asdict(r) for r in results]},
                              ensure_ascii=False, indent=1), encoding="utf-8")


def _say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    started = datetime.now(timezone.utc)
    meta = {"date": started.isoformat(timespec="seconds"), "commit": _commit(),
            "machine": machine(), "rounds": args.rounds, "profiled": args.profile}
    results: list[ScaleResult] = []
    for scale in args.scales:
        try:
            result = run_scale(scale, args)
        except (BenchError, generate.SeedError) as error:
            meta["stopped"] = f"×{scale}: {error}"
            print(f"benchmark stopped at {meta['stopped']}", file=sys.stderr)
            _write(args.out, meta, results)
            break
        if results and results[0].scale == 1:
            note = identity_note(result, results[0].corpus.documents)
            result.notes += [note] if note else []
        results.append(result)
        _write(args.out, meta, results)
    m = meta["machine"]
    header = (f"## Cesou benchmark, {meta['date']} (commit {meta['commit']})\n\n"
              f"{m['cpu']}, {m['cores']} cores, Python {m['python']}, {m['platform']}; "
              f"load average at start {m['load_average'][0]:.2f}; {args.rounds} timed rounds"
              + (" (under cProfile)" if args.profile else "")
              + (f"\n\n**Stopped** at {meta['stopped'].splitlines()[0]}" if "stopped" in meta else ""))
    if results:
        print(report.markdown(results, header))
    _say(f"results written to {args.out} ({(datetime.now(timezone.utc) - started).seconds} s)")
    return 0 if len(results) == len(args.scales) else 1


if __name__ == "__main__":
    sys.exit(main())
