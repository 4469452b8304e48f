"""bench.scale's Markdown report: build, memory, queries (Sphinx vs FTS5 vs Whoosh), hit counts,
adding one document, and issue 13's targets with met/missed.

The targets are issue 13's for ×1000; other scales are checked against the same limits for
reference (their "met" column says so). A step a run did not reach is a dash, never a zero.
"""
from __future__ import annotations

from bench.queries import KINDS, QUERY_MIX
from bench.report import MB, Target, _lat, _ratio, _table
from bench.results import Latency

ACCEPTANCE_SCALE = 1000
BUILD_LIMIT_S = 15 * 60
MEMORY_LIMIT_MB = 4096
MEDIAN_LIMIT_MS, P95_LIMIT_MS = 50.0, 150.0
VISIBLE_LIMIT_S = 30.0


def markdown(runs: list, meta: dict) -> str:
    m = meta["machine"]
    header = (f"## Cesou on {meta.get('cluster', {}).get('shards', '?')} Sphinx shards vs SQLite FTS5, "
              f"{meta['date']} (commit {meta['commit']})\n\n"
              f"{m['cpu']}, {m['cores']} cores, Python {m['python']}, {m['platform']}; load average "
              f"at start {m['load_average'][0]:.2f}; {meta['rounds']} timed rounds"
              + (" (under cProfile)" if meta.get("profiled") else "")
              + (f"\n\n**Stopped** at {meta['stopped'].splitlines()[0]}" if "stopped" in meta else ""))
    parts = [header, build_table(runs), memory_table(runs), query_table(runs), kind_table(runs),
             hits_table(runs), add_one_table(runs), targets_table(runs)]
    return "\n\n".join(parts) + "\n"


def _met(ok: bool | None) -> str:
    return "–" if ok is None else ("met" if ok else "**missed**")


def build_table(runs: list) -> str:
    rows = []
    for r in runs:
        c, b = r.corpus, r.build
        if b is None:
            rows.append([f"×{r.scale}"] + ["–"] * 9)
            continue
        rows.append([f"×{r.scale}", f"{c.documents:,}", f"{c.clauses:,}", f"{c.bytes / MB:.0f}",
                     f"{b.pipeline_s:.0f}", f"{b.engine_s:.0f}", f"{b.wall_s:.0f}",
                     f"{b.feed_bytes / MB:.0f} / {b.index_bytes / MB:.0f}",
                     f"≤ {BUILD_LIMIT_S} s", _met(b.wall_s <= BUILD_LIMIT_S)])
    return "Build into the Sphinx cluster (seconds; end to end = process start to exit):\n\n" + _table(
        ["scale", "documents", "clauses", "corpus MB", "parse s", "normalise + feed + indexer + rotate s",
         "end to end s", "feed / index MB", "target", ""], rows)


def memory_table(runs: list) -> str:
    rows = []
    for r in runs:
        p = r.build.memory if r.build else None
        if p is None:
            rows.append([f"×{r.scale}"] + ["–"] * 8)
            continue
        at_peak = ", ".join(f"{name} {mb:,}" for name, mb in p.at_peak[:4])
        rows.append([f"×{r.scale}", f"{p.total_pss_mb:,.0f}", f"{p.at_s:,.0f} s: {at_peak}" if at_peak else "–",
                     f"{p.tree_pss_mb:,.0f}", f"{p.daemons_pss_mb:,.0f}", f"{p.total_rss_mb:,.0f}",
                     str(p.processes), f"≤ {MEMORY_LIMIT_MB:,} MB", _met(p.total_pss_mb <= MEMORY_LIMIT_MB)])
    return ("Peak memory of the whole build, MB (PSS sampled from /proc every 0.25 s or less "
            "often for large processes: the build process, its parse workers, indexer and "
            "indextool, plus both searchd; RSS sum = shared pages counted in each process):\n\n") + _table(
        ["scale", "peak total (PSS)", "when, and the largest processes then (PSS)", "build tree",
         "searchd", "RSS sum", "processes", "target", ""], rows)


def _latency(run) -> Latency | None:
    return run.latency() if run is not None else None


def query_table(runs: list) -> str:
    rows = []
    for r in runs:
        s, f, w = _latency(r.sphinx), _latency(r.fts5), _latency(r.whoosh)
        ok = None if s is None else (s.median_ms <= MEDIAN_LIMIT_MS and s.p95_ms <= P95_LIMIT_MS
                                     and (f is None or s.p95_ms <= f.p95_ms))
        rows.append([f"×{r.scale}", _lat(s), _lat(r.sphinx.first_latency() if r.sphinx else None),
                     _lat(f), _lat(w), _ratio(s.p95_ms, f.p95_ms) if s and f else "–",
                     f"{r.searchd_mb:,.0f}" if r.sphinx else "–",
                     f"{r.sphinx.rss_mb:,.0f}" if r.sphinx else "–",
                     f"≤ {MEDIAN_LIMIT_MS:.0f} / {P95_LIMIT_MS:.0f}, p95 ≤ FTS5", _met(ok)])
    return ("Query mix, median / p95 ms (top 10 + snippets + issuer/year/theme/type facets over all "
            "matches, after a warm-up; Whoosh = the embedded engine on the same corpus):\n\n") + _table(
        ["scale", "Cesou on Sphinx", "Sphinx first runs", "FTS5", "Whoosh", "Sphinx / FTS5 at p95",
         "searchd PSS MB", "Engine RSS MB", "target", ""], rows)


def kind_table(runs: list) -> str:
    rows = []
    for r in runs:
        if r.sphinx is None:
            continue
        s = r.sphinx.by_kind()
        f = r.fts5.by_kind() if r.fts5 else {}
        w = r.whoosh.by_kind() if r.whoosh else {}
        rows += [[f"×{r.scale}", kind, _lat(s[kind]), _lat(f.get(kind)), _lat(w.get(kind)),
                  _ratio(s[kind].p95_ms, f[kind].p95_ms) if kind in f else "–"] for kind in KINDS]
    return "By query kind, median / p95 ms:\n\n" + _table(
        ["scale", "kind", "Sphinx", "FTS5", "Whoosh", "Sphinx / FTS5 at p95"], rows)


def _count(run, label: str) -> str:
    return f"{run.totals.get(label, 0):,}" if run is not None else "–"


def hits_table(runs: list) -> str:
    rows = [[q.kind, q.label.replace("|", "\\|")] +
            [" / ".join(_count(x, q.label) for x in (r.sphinx, r.fts5, r.whoosh)) for r in runs]
            for q in QUERY_MIX]
    return "Matching clauses per query, Sphinx / FTS5 / Whoosh:\n\n" + _table(
        ["kind", "query"] + [f"×{r.scale}" for r in runs], rows)


def add_one_table(runs: list) -> str:
    rows = []
    for r in runs:
        a = r.add_one
        if a is None:
            rows.append([f"×{r.scale}"] + ["–"] * 6)
            continue
        visible = f"{a.visible_s:.1f}" if a.visible_s is not None else "never"
        memory = f"{a.memory.total_pss_mb:,.0f}" if a.memory else "–"
        rows.append([f"×{r.scale}", f"{a.rebuild_s:.1f}", f"{a.open_s:.1f}", visible, memory,
                     f"≤ {VISIBLE_LIMIT_S:.0f} s",
                     _met(a.visible_s is not None and a.visible_s <= VISIBLE_LIMIT_S)])
    return ("Adding one document (file written → `python -m indexer build` with CESOU_BACKEND → "
            "a fresh Engine finds it):\n\n") + _table(
        ["scale", "rebuild s", "open new version s", "visible after s", "rebuild peak MB (PSS)",
         "target", ""], rows)


def check_targets(run) -> list[Target]:
    found: list[Target] = []
    if run.build:
        b = run.build
        found.append(Target("build end to end", f"≤ {BUILD_LIMIT_S // 60} min", f"{b.wall_s / 60:.1f} min",
                            b.wall_s <= BUILD_LIMIT_S))
        found.append(Target("peak memory of the whole build", f"≤ {MEMORY_LIMIT_MB:,} MB",
                            f"{b.memory.total_pss_mb:,.0f} MB", b.memory.total_pss_mb <= MEMORY_LIMIT_MB))
    if run.sphinx:
        s = run.sphinx.latency()
        found.append(Target("query mix median", f"≤ {MEDIAN_LIMIT_MS:.0f} ms", f"{s.median_ms:.1f} ms",
                            s.median_ms <= MEDIAN_LIMIT_MS))
        found.append(Target("query mix p95", f"≤ {P95_LIMIT_MS:.0f} ms", f"{s.p95_ms:.1f} ms",
                            s.p95_ms <= P95_LIMIT_MS))
    if run.sphinx and run.fts5:
        s, f = run.sphinx.latency(), run.fts5.latency()
        found.append(Target("p95 not slower than FTS5", "≤ 1.0×", _ratio(s.p95_ms, f.p95_ms),
                            s.p95_ms <= f.p95_ms))
    if run.add_one:
        a = run.add_one
        found.append(Target("one added document visible", f"≤ {VISIBLE_LIMIT_S:.0f} s",
                            f"{a.visible_s:.1f} s" if a.visible_s is not None else "never",
                            a.visible_s is not None and a.visible_s <= VISIBLE_LIMIT_S))
    return found


def targets_table(runs: list) -> str:
    rows = [[f"×{r.scale}", t.name, t.limit, t.measured,
             ("met" if t.met else "**missed**") + ("" if r.scale == ACCEPTANCE_SCALE else " (reference)")]
            for r in runs for t in check_targets(r)]
    if not rows:
        return "Targets (issue 13): nothing was measured."
    return f"Targets (issue 13, acceptance at ×{ACCEPTANCE_SCALE}):\n\n" + _table(
        ["scale", "target", "limit", "measured", ""], rows)
