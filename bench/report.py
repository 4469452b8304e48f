"""The benchmark's Markdown report: build table, query table, per-kind latencies, hit counts
and the issue's targets checked against what was measured."""
from __future__ import annotations

from dataclasses import dataclass

from bench.queries import KINDS, QUERY_MIX
from bench.results import Latency, ScaleResult

MB = 1024 * 1024


@dataclass
class Target:
    name: str
    limit: str
    measured: str
    met: bool


def markdown(results: list[ScaleResult], header: str) -> str:
    parts = [header, build_table(results), rebuild_table(results), query_table(results), kind_table(results),
             hits_table(results), targets_table(check_targets(results))]
    notes = [f"- ×{r.scale}: {note}" for r in results for note in r.notes]
    if notes:
        parts.append("Notes:\n\n" + "\n".join(notes))
    return "\n\n".join(parts) + "\n"


def _table(head: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def _lat(latency: Latency | None) -> str:
    return "–" if latency is None else f"{latency.median_ms:.1f} / {latency.p95_ms:.1f}"


def _ratio(a: float, b: float) -> str:
    return f"{a / b:.1f}×" if b else "–"


def build_table(results: list[ScaleResult]) -> str:
    rows = []
    for r in results:
        c, b, f = r.corpus, r.build, r.baseline_build
        rows.append([
            f"×{r.scale}", f"{c.documents:,}", f"{c.clauses:,}", f"{c.bytes / MB:.1f}",
            f"{b.pipeline_s:.1f}", f"{b.engine_s:.1f}", f"{b.pipeline_s + b.engine_s:.1f}",
            f"{b.index_bytes / MB:.1f}",
            f"{b.peak_rss_mb:.0f} / {b.worker_peak_rss_mb:.0f} / {b.all_peak_rss_mb:.0f}",
            f"{f.segment_s:.1f}", f"{f.insert_s:.1f}", f"{f.bytes / MB:.1f}",
            _ratio(b.engine_s, f.segment_s + f.insert_s)])
    return "Build (seconds, MB):\n\n" + _table(
        ["scale", "documents", "clauses", "corpus MB", "pipeline s", "index s", "Cesou total s",
         "index MB", "build peak RSS MB (main / largest worker / all together)", "FTS5 jieba s",
         "FTS5 insert s", "FTS5 MB",
         "index / FTS5 (jieba+insert)"], rows)


def rebuild_table(results: list[ScaleResult]) -> str:
    rows = [[f"×{r.scale}", "full (`--full`)", f"{r.build.pipeline_s + r.build.engine_s:.1f}",
             f"{r.build.cpu_s:.1f}", f"{r.build.peak_rss_mb:.0f} / {r.build.all_peak_rss_mb:.0f}", "nothing"]
            for r in results]
    rows += [[f"×{r.scale}", name, f"{t.seconds:.1f}", f"{t.cpu_s:.1f}",
              f"{t.peak_rss_mb:.0f} / {t.all_peak_rss_mb:.0f}", t.reused or "nothing"]
             for r in results for name, t in r.rebuilds.items()]
    return ("Builds: full, then `python -m indexer build` after each change, reusing what did "
            "not change (CPU s: all processes, user + system):\n\n") + _table(
        ["scale", "change", "seconds", "CPU s", "peak RSS MB (main / all together)", "reused"], rows)


def query_table(results: list[ScaleResult]) -> str:
    rows = []
    for r in results:
        cesou, fts = r.cesou.latency(), r.baseline.latency()
        rows.append([
            f"×{r.scale}", _lat(cesou), _lat(r.cesou.first_latency()), _lat(r.http),
            _lat(fts), _lat(r.baseline.first_latency()),
            _ratio(cesou.median_ms, fts.median_ms), _ratio(cesou.p95_ms, fts.p95_ms),
            f"{r.cesou.open_s:.2f}", f"{r.cesou.rss_mb:.0f}"])
    return ("Query mix, median / p95 ms (top 10 + snippets + facet counts over all matches; "
            "after a warm-up; \"first\" = each query's first run):\n\n") + _table(
        ["scale", "Cesou search()", "Cesou first", "HTTP /api/search", "FTS5", "FTS5 first",
         "ratio median", "ratio p95", "Cesou open s", "Cesou RSS MB after mix"], rows)


def kind_table(results: list[ScaleResult]) -> str:
    rows = []
    for r in results:
        cesou, fts = r.cesou.by_kind(), r.baseline.by_kind()
        rows += [[f"×{r.scale}", kind, _lat(cesou[kind]), _lat(fts[kind]),
                  _ratio(cesou[kind].p95_ms, fts[kind].p95_ms)] for kind in KINDS]
    return "By query kind, median / p95 ms:\n\n" + _table(
        ["scale", "kind", "Cesou", "FTS5", "ratio p95"], rows)


def hits_table(results: list[ScaleResult]) -> str:
    rows = [[q.kind, q.label.replace("|", "\\|")] +
            [f"{r.cesou.totals.get(q.label, 0):,} / {r.baseline.totals.get(q.label, 0):,}" for r in results]
            for q in QUERY_MIX]
    return "Matching clauses per query, Cesou / FTS5:\n\n" + _table(
        ["kind", "query"] + [f"×{r.scale}" for r in results], rows)


def check_targets(results: list[ScaleResult]) -> list[Target]:
    """The issue's targets, for the scales that were run."""
    by_scale = {r.scale: r for r in results}
    found: list[Target] = []
    if 1 in by_scale:
        r = by_scale[1]
        p95 = r.cesou.latency().p95_ms
        found.append(Target("×1 search() p95", "≤ 15 ms", f"{p95:.1f} ms", p95 <= 15))
        if r.http:
            found.append(Target("×1 HTTP p95", "≤ 30 ms", f"{r.http.p95_ms:.1f} ms", r.http.p95_ms <= 30))
    if 100 in by_scale:
        r = by_scale[100]
        cesou, fts = r.cesou.latency(), r.baseline.latency()
        rebuild = r.build.pipeline_s + r.build.engine_s
        found += [
            Target("×100 search() median", "≤ 60 ms", f"{cesou.median_ms:.1f} ms", cesou.median_ms <= 60),
            Target("×100 search() p95", "≤ 150 ms", f"{cesou.p95_ms:.1f} ms", cesou.p95_ms <= 150),
            Target("×100 p95 vs FTS5", "≤ 4×", _ratio(cesou.p95_ms, fts.p95_ms),
                   cesou.p95_ms <= 4 * fts.p95_ms),
            Target("×100 full rebuild", "≤ 120 s", f"{rebuild:.0f} s", rebuild <= 120),
            Target("×100 build peak memory, all processes", "≤ 1536 MB",
                   f"{r.build.all_peak_rss_mb:.0f} MB", r.build.all_peak_rss_mb <= 1536),
            *rebuild_targets(r),
            Target("×100 server memory (RSS)", "≤ 1024 MB", f"{r.cesou.rss_mb:.0f} MB",
                   r.cesou.rss_mb <= 1024),
        ]
    if 10 in by_scale and 100 in by_scale:
        small, large = by_scale[10], by_scale[100]
        growth = {
            "rebuild": (large.build.pipeline_s + large.build.engine_s)
                       / (small.build.pipeline_s + small.build.engine_s),
            "query median": large.cesou.latency().median_ms / small.cesou.latency().median_ms,
        }
        for name, factor in growth.items():
            found.append(Target(f"×10 → ×100 {name} growth", "≤ 10× (linear)",
                                f"{factor:.1f}×", factor <= 10))
    return found


# Issue 12's rebuild targets at ×100: (REBUILDS name, limit in seconds).
REBUILD_LIMITS = {"nothing changed": 10, "one document added": 15}


def rebuild_targets(r: ScaleResult) -> list[Target]:
    return [Target(f"×100 rebuild, {name}", f"≤ {limit} s", f"{r.rebuilds[name].seconds:.1f} s",
                   r.rebuilds[name].seconds <= limit)
            for name, limit in REBUILD_LIMITS.items() if name in r.rebuilds]


def targets_table(targets: list[Target]) -> str:
    if not targets:
        return "Targets: none of the scales they refer to (×1, ×100) was run."
    return "Targets (issues 6 and 12):\n\n" + _table(
        ["target", "limit", "measured", "met"],
        [[t.name, t.limit, t.measured, "yes" if t.met else "**no**"] for t in targets])
