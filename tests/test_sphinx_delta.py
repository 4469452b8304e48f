"""Incremental builds on a real 2-shard cluster: `index.build` with CESOU_BACKEND set writes an
added, changed or removed document into the served slot's RT delta (sphinx/build.py), and the
answers then equal the Whoosh engine's over the same corpus — totals, every facet, document
counts, and the clauses of a date-ordered page; a build killed while writing the delta leaves
the served answers as they were; `--full` folds the delta back into the shards."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bench.scale import MARKER, added_document
from indexer import config, index
from indexer.records import SearchRequest
from indexer.search import Engine
from indexer.sphinx import build, cluster
from sphinx_support import engine_facets, running_cluster

pytestmark = pytest.mark.cluster

CHANGED_FILE = "中国科学院党组重点工作分工方案-2021.txt"
CHANGE_MARKER = "筚篥箜篌"      # found in no seed file (grep)
NEW_YEAR = 1999                 # no seed document's year
QUERIES = ["", "科技", "人才", "基础研究 -人才", "改革 创新", "中国科学院", "第十六条", "一流学科",
           f'"{MARKER}"', f'"{CHANGE_MARKER}"', '"领域青年团队试点"']
REQUESTS = [SearchRequest(q="科技", years=[2021]), SearchRequest(q="", issuers=["中国科学院"]),
            SearchRequest(q="", validities=["现行有效"])]


@pytest.fixture(scope="module")
def delta_cluster(tmp_path_factory):
    with running_cluster(tmp_path_factory.mktemp("delta-cluster")) as layout:
        yield layout


@pytest.fixture
def sphinx_env(monkeypatch, delta_cluster):
    # The seed corpus is small (about 800 clauses): one changed document is over 10% of it.
    monkeypatch.setattr(build, "DELTA_FRACTION", 0.5)
    monkeypatch.setenv("CESOU_BACKEND", str(delta_cluster.url()))
    monkeypatch.setenv("CESOU_CLUSTER_DIR", str(delta_cluster.root))
    return delta_cluster


def whoosh_build(corpus: Path, folder: Path, monkeypatch) -> Engine:
    with monkeypatch.context() as patch:
        patch.delenv("CESOU_BACKEND")
        index.build(corpus, folder, show_progress=False)
        return Engine(folder)


def answers(engine: Engine) -> list[tuple]:
    """What must not differ between backends: totals, facets, document counts, and the hits
    of the first date-ordered page (ties broken by docnum in both)."""
    out = []
    for request in [SearchRequest(q=q) for q in QUERIES] + REQUESTS:
        result = engine.search(request)
        dated = engine.search(SearchRequest(q=request.q, sort="date", per_page=20, years=request.years,
                                            issuers=request.issuers, validities=request.validities))
        out.append((request.q, result.total, result.document_total, engine_facets(result),
                    result.missing, [(h.doc_id, h.clause_id) for h in dated.hits]))
    return out


def total(engine: Engine, q: str) -> int:
    engine.refresh()
    return engine.search(SearchRequest(q=q)).total


def test_add_change_remove_then_full_equal_whoosh(tmp_path, sphinx_env, monkeypatch):
    corpus = tmp_path / "corpus"
    shutil.copytree(config.corpus_dir(), corpus)
    folder = tmp_path / "index"
    first = index.build(corpus, folder, show_progress=False)
    assert first.reused.startswith("sphinx full")
    engine = Engine(folder, str(sphinx_env.url()))
    assert total(engine, f'"{MARKER}"') == 0

    # Add one document: incremental, visible, same answers as Whoosh on the same corpus. It is
    # dated in a year no other document has: the year facet's groups grow with it.
    name, text = added_document(config.corpus_dir(), 1)
    name = re.sub(r"-\d{4}\.txt$", f"-{NEW_YEAR}.txt", name)
    text = re.sub(r"\d{4}年", f"{NEW_YEAR}年", text, count=1)
    (corpus / name).write_text(text, encoding="utf-8")
    added = index.build(corpus, folder, show_progress=False)
    assert added.reused.startswith("sphinx incremental: +1 documents"), added.reused
    assert total(engine, f'"{MARKER}"') == 1
    whoosh = whoosh_build(corpus, tmp_path / "whoosh", monkeypatch)
    assert str(NEW_YEAR) in engine_facets(whoosh.search(SearchRequest(q="")))["year"]
    assert answers(engine) == answers(whoosh)

    # Change a document: its old text is no longer found, the new one is.
    path = corpus / CHANGED_FILE
    old = path.read_text(encoding="utf-8")
    gone = '"领域青年团队试点"'
    assert total(engine, gone) > 0
    path.write_text(old.replace(gone.strip('"'), CHANGE_MARKER), encoding="utf-8")
    changed = index.build(corpus, folder, show_progress=False)
    assert changed.reused.startswith("sphinx incremental"), changed.reused
    assert total(engine, gone) == 0 < total(engine, f'"{CHANGE_MARKER}"')
    whoosh = whoosh_build(corpus, tmp_path / "whoosh", monkeypatch)
    assert answers(engine) == answers(whoosh)

    # Remove the added document: gone.
    (corpus / name).unlink()
    removed = index.build(corpus, folder, show_progress=False)
    assert removed.reused.startswith("sphinx incremental: +0 documents"), removed.reused
    assert total(engine, f'"{MARKER}"') == 0
    whoosh = whoosh_build(corpus, tmp_path / "whoosh", monkeypatch)
    expected = answers(whoosh)
    assert answers(engine) == expected

    # --full folds the delta back into the shards of the other slot: same answers, empty delta.
    slot = build.current_slot(folder)
    full = index.build(corpus, folder, show_progress=False, full=True)
    assert full.reused.startswith("sphinx full re-feed (--full)")
    assert build.current_slot(folder) != slot
    engine.refresh()
    assert answers(engine) == expected
    manifest = build._current_manifest(folder)
    assert manifest["gen"] == manifest["delta_rows"] == manifest["hidden_rows"] == 0


def test_a_large_change_is_a_full_build(tmp_path, sphinx_env):
    corpus = tmp_path / "corpus"
    shutil.copytree(config.corpus_dir(), corpus)
    folder = tmp_path / "index"
    index.build(corpus, folder, show_progress=False)
    (corpus / "科技教育政策文件汇编-17篇.txt").unlink()       # most of the collection
    report = index.build(corpus, folder, show_progress=False)
    assert report.reused.startswith("sphinx full re-feed (the delta would hold"), report.reused


KILLED_BUILD = """
import os, signal, sys
from pathlib import Path
from indexer import index
from indexer.sphinx import build, cluster

original = getattr(build, {stage!r})

def then_die(*args, **kwargs):
    original(*args, **kwargs)
    os.kill(os.getpid(), signal.SIGKILL)

setattr(build, {stage!r}, then_die)
build.DELTA_FRACTION = 0.5
index.build(Path({corpus!r}), Path({folder!r}), show_progress=False)
"""


def test_a_killed_incremental_build_leaves_the_served_answers(tmp_path, sphinx_env, monkeypatch):
    corpus = tmp_path / "corpus"
    shutil.copytree(config.corpus_dir(), corpus)
    folder = tmp_path / "index"
    index.build(corpus, folder, show_progress=False)
    engine = Engine(folder, str(sphinx_env.url()))
    served = answers(engine)
    published = build._current_manifest(folder)

    # An added and a changed document: the killed builds insert rows and hide others.
    name, text = added_document(config.corpus_dir(), 1)
    (corpus / name).write_text(text, encoding="utf-8")
    path = corpus / CHANGED_FILE
    path.write_text(path.read_text(encoding="utf-8").replace("领域青年团队试点", CHANGE_MARKER), encoding="utf-8")
    root = Path(__file__).parent.parent
    for stage in ("_check_served", "_hide", "_wait_until_delta_served"):
        script = KILLED_BUILD.format(stage=stage, corpus=str(corpus), folder=str(folder))
        done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                              timeout=300, cwd=root)
        assert done.returncode == -9, done.stderr
        assert build._current_manifest(folder) == published
        engine.refresh()
        assert answers(engine) == served, stage
    report = index.build(corpus, folder, show_progress=False)
    assert report.reused.startswith("sphinx incremental: +2 documents"), report.reused
    assert total(engine, f'"{MARKER}"') == 1 and total(engine, '"领域青年团队试点"') == 0
    whoosh = whoosh_build(corpus, tmp_path / "whoosh", monkeypatch)
    assert answers(engine) == answers(whoosh)


def test_a_shard_down_under_a_delta_version_is_partial_never_wrong(tmp_path, sphinx_env):
    corpus = tmp_path / "corpus"
    shutil.copytree(config.corpus_dir(), corpus)
    folder = tmp_path / "index"
    index.build(corpus, folder, show_progress=False)
    name, text = added_document(config.corpus_dir(), 1)
    (corpus / name).write_text(text, encoding="utf-8")
    assert index.build(corpus, folder, show_progress=False).reused.startswith("sphinx incremental")
    engine = Engine(folder, str(sphinx_env.url()))
    whole = engine.search(SearchRequest(q="科技")).total
    cluster.stop_node(sphinx_env, 1)
    try:
        result = engine.search(SearchRequest(q="科技"))
        assert result.missing and result.total < whole
        (corpus / name).unlink()
        with pytest.raises(cluster.ClusterError):     # a build cannot check the slot: nothing published
            index.build(corpus, folder, show_progress=False)
        assert engine.search(SearchRequest(q=f'"{MARKER}"')).total == 1
    finally:
        cluster.start_node(sphinx_env, 1)
    assert total(engine, "科技") == whole
