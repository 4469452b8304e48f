"""bench.scale at ×1 on a fresh 2-shard cluster: the report's shape and the run's facts (the
added document found, both engines counting the same phrases, the cluster stopped), never its
timings. About 30 s: one Sphinx build, the mix once, FTS5, one rebuild; Whoosh left out."""
from __future__ import annotations

import io
import json
from contextlib import redirect_stdout

import pytest

from bench import scale
from bench.queries import QUERY_MIX
from indexer.sphinx import cluster

pytestmark = pytest.mark.cluster


@pytest.fixture(scope="module")
def scale_run(tmp_path_factory):
    from sphinx_support import require_sphinx

    require_sphinx()
    work = tmp_path_factory.mktemp("scale")
    out = work / "scale.json"
    printed = io.StringIO()
    with redirect_stdout(printed):
        code = scale.main(["--scales", "1", "--rounds", "1", "--whoosh-scales", "", "--work",
                           str(work), "--out", str(out)])
    return code, work, json.loads(out.read_text(encoding="utf-8")), printed.getvalue()


def test_the_run_completes_and_stops_its_cluster(scale_run):
    code, work, result, _ = scale_run
    assert code == 0 and "stopped" not in result
    layout = cluster.load_layout(work / "scale-cluster")
    assert layout is not None and result["cluster"]["shards"] == 2
    assert all(cluster.node_pid(layout, k) is None for k in range(len(layout.nodes)))


def test_every_step_is_recorded(scale_run):
    _, _, result, _ = scale_run
    (run,) = result["scales"]
    assert run["scale"] == 1 and run["corpus"]["documents"] == 20
    build = run["build"]
    assert build["wall_s"] >= build["pipeline_s"] + build["engine_s"] > 0
    assert build["feed_bytes"] > 0 and build["index_bytes"] > 0
    memory = build["memory"]
    assert memory["samples"] > 0 and memory["total_pss_mb"] >= memory["tree_pss_mb"] > 0
    assert memory["daemons_pss_mb"] > 0 and not memory["killed_at_cap"]
    labels = {q.label for q in QUERY_MIX}
    for engine in ("sphinx", "fts5"):
        assert set(run[engine]["repeat_ms"]) == labels
    assert run["whoosh"] is None and run["searchd_mb"] > 0


def test_both_engines_count_the_same_phrases(scale_run):
    _, _, result, _ = scale_run
    (run,) = result["scales"]
    phrases = [q.label for q in QUERY_MIX if q.kind == "phrase"]
    assert [run["sphinx"]["totals"][p] for p in phrases] == [run["fts5"]["totals"][p] for p in phrases]


def test_the_added_document_becomes_visible(scale_run):
    _, work, result, _ = scale_run
    added = result["scales"][0]["add_one"]
    assert added["visible_s"] is not None and added["visible_s"] >= added["rebuild_s"]
    assert (work / "scale-corpus-x1" / added["document"]).exists()


def test_the_report_has_every_table_and_target(scale_run):
    printed = scale_run[3]
    for title in ("Build into the Sphinx cluster", "Peak memory of the whole build", "Query mix",
                  "By query kind", "Matching clauses per query", "Adding one document",
                  "Targets (issue 13"):
        assert title in printed
    targets = [line for line in printed.splitlines() if line.startswith("| ×1 |") and "(reference)" in line]
    assert len(targets) == 6


def test_a_run_stopped_early_reports_dashes_not_zeros(scale_run):
    meta = {**scale_run[2], "stopped": "×1000: killed"}
    text = scale.scale_report.markdown([scale.ScaleRun(scale=1000)], meta)
    assert "**Stopped** at ×1000: killed" in text and "nothing was measured" in text
    assert "| ×1000 | – |" in text
