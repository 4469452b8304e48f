"""Publishing to Sphinx: builds alternate between the two slots, the published version keeps
answering from its slot while the next one is built, rotated and waited for, a build stopped
half way leaves it untouched, and the `cluster` commands start, describe and stop a cluster."""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pymysql
import pytest

from bench import memory
from indexer import index
from indexer.backends.base import FilterSpec, MatchSpec
from indexer.backends.sphinxql import SphinxQLBackend
from indexer.sphinx import build, cluster
from sphinx_support import private_store, require_sphinx, running_cluster, store_data

pytestmark = pytest.mark.cluster

EVERYTHING = MatchSpec(groups=())


@pytest.fixture(scope="module")
def own_cluster(tmp_path_factory):
    """A cluster of its own: this module rewrites both slots."""
    with running_cluster(tmp_path_factory.mktemp("publish-cluster")) as layout:
        yield layout


def new_version(folder, source, name: str, drop_last: int):
    """A store version like `source` without its last `drop_last` documents."""
    version = folder / "versions" / name
    shutil.copytree(source, version, ignore=shutil.ignore_patterns("sphinx.json", "whoosh"))
    documents = json.loads((version / "documents.json").read_text(encoding="utf-8"))
    normalized = json.loads((version / "normalized.json").read_text(encoding="utf-8"))
    kept = documents[:len(documents) - drop_last]
    clauses = sum(len(d["clauses"]) for d in kept)
    (version / "documents.json").write_text(json.dumps(kept, ensure_ascii=False), encoding="utf-8")
    (version / "normalized.json").write_text(json.dumps(
        {k: v[:clauses] for k, v in normalized.items()}, ensure_ascii=False), encoding="utf-8")
    return version


def total(backend) -> int:
    return backend.search(EVERYTHING, FilterSpec(), sort="relevance", offset=0, limit=1).total


def publish(layout, version):
    documents, normalized = store_data(version)
    build.publish_sphinx(str(layout.url()), version, documents, normalized, cluster_dir=layout.root)
    return SphinxQLBackend(str(layout.url()), version)


def test_builds_alternate_slots_and_the_published_one_serves_until_the_switch(tmp_path, built_index, own_cluster):
    first = private_store(built_index, tmp_path)
    served = publish(own_cluster, first)
    full = total(served)
    assert served.slot == "a" and full == len(store_data(first)[1]["texts"])

    second = new_version(tmp_path, first, "v2", drop_last=3)
    fresh = publish(own_cluster, second)       # `current` still names the first version
    assert fresh.slot == "b" and total(fresh) == len(store_data(second)[1]["texts"]) < full
    assert total(served) == full               # the published version's slot is untouched
    index._switch_current(tmp_path, second)

    # A build stopped after indexing, before rotation: slot a gets `.new` files, nothing served changes.
    third = new_version(tmp_path, first, "v3", drop_last=5)
    documents, normalized = store_data(third)
    rows = build.feed_rows(documents, normalized, own_cluster.shards, stamp=7)
    build._write_feeds(own_cluster, "a", rows)
    build._index_slot(own_cluster, "a")
    assert total(fresh) == len(store_data(second)[1]["texts"]) and total(served) == full

    # The next complete build overwrites the half-built slot and waits until it is served.
    again = publish(own_cluster, third)
    assert again.slot == "a" and total(again) == len(normalized["texts"])
    assert total(fresh) == len(store_data(second)[1]["texts"])
    for backend in (served, fresh, again):
        backend.close()


def test_a_build_refuses_a_url_that_is_not_its_cluster(tmp_path, own_cluster):
    with pytest.raises(cluster.ClusterError):
        build.layout_for("sphinxql://127.0.0.1:1/cesou", own_cluster.root)


def test_cluster_commands(tmp_path, capsys):
    require_sphinx()
    top = argparse.ArgumentParser()
    cluster.add_cluster_arguments(top.add_subparsers(dest="command"))

    def run(*argv) -> tuple[int, str]:
        code = cluster.cluster_command(top.parse_args(["cluster", *argv]))
        return code, capsys.readouterr().out

    root = str(tmp_path / "c")
    code, out = run("start", "--shards", "1", "--dir", root)
    url = cluster.parse_backend_url(out.strip())
    assert code == 0 and url.host == "127.0.0.1"
    assert run("url", "--dir", root) == (0, out)
    assert run("start", "--shards", "1", "--dir", root) == (0, out)     # already running: same URL
    code, out = run("status", "--dir", root)
    assert code == 0 and "NOT" not in out
    assert run("stop", "--dir", root)[0] == 0
    code, out = run("status", "--dir", root)
    assert code == 3 and "NOT answering" in out
    code, out = run("config", "--shards", "3", "--nodes", "10.0.0.1:9306,10.0.0.2:9306")
    assert code == 0 and "agent = 10.0.0.2:9307:cesou_a_1" in out and "listen = 10.0.0.2:9306:mysql41" in out
    assert run("url", "--dir", str(tmp_path / "none"))[0] == 1


def test_a_stopped_cluster_restarts_at_the_same_url(tmp_path):
    """A distributed query leaves the agents' ports in TIME_WAIT after a stop (the head's
    connections to them); starting again at once still takes the same ports, so the URL — and
    the next build's incremental path — stay."""
    require_sphinx()
    root = tmp_path / "c"
    layout = cluster.start_cluster(root, shards=2)
    try:
        with pymysql.connect(host="127.0.0.1", port=layout.nodes[0].sql_port, user="", password="") as sql:
            sql.query(f"SELECT * FROM {layout.name}_a LIMIT 1")
        cluster.stop_cluster(root)
        assert str(cluster.start_cluster(root, shards=2).url()) == str(layout.url())
    finally:
        cluster.stop_cluster(root)


KILLED_BUILD = """
import os, signal, sys
from pathlib import Path
sys.path.insert(0, {tests!r})
from indexer.sphinx import build
from sphinx_support import store_data

stage = {stage!r}
original = getattr(build, stage)

def then_die(*args, **kwargs):
    original(*args, **kwargs)
    os.kill(os.getpid(), signal.SIGKILL)

setattr(build, stage, then_die)
version = Path({version!r})
documents, normalized = store_data(version)
build.publish_sphinx({url!r}, version, documents, normalized, cluster_dir=Path({root!r}))
"""


def test_a_build_killed_at_each_stage_leaves_the_served_slot_intact(tmp_path, built_index, own_cluster):
    first = private_store(built_index, tmp_path)
    served = publish(own_cluster, first)
    full = total(served)
    second = new_version(tmp_path, first, "v2", drop_last=4)
    tests = str(Path(__file__).parent)
    for stage in ("_write_feeds", "_index_slot", "_rotate", "wait_until_served"):
        script = KILLED_BUILD.format(tests=tests, stage=stage, version=str(second),
                                     url=str(own_cluster.url()), root=str(own_cluster.root))
        done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                              timeout=120, cwd=Path(tests).parent)
        assert done.returncode == -9, done.stderr
        assert total(served) == full and not (second / build.SPHINX_MANIFEST).exists()
    fresh = publish(own_cluster, second)
    assert fresh.slot == "b" and total(fresh) == len(store_data(second)[1]["texts"]) < full
    assert total(served) == full
    served.close()
    fresh.close()


KILLED_WHILE_INDEXING = """
import os, signal, sys, threading, time
from pathlib import Path
sys.path.insert(0, {tests!r})
from indexer.sphinx import build
from sphinx_support import store_data

def die_once_indexing():
    while not Path({pid_file!r}).exists():
        time.sleep(0.05)
    os.kill(os.getpid(), signal.SIGKILL)

threading.Thread(target=die_once_indexing, daemon=True).start()
version = Path({version!r})
documents, normalized = store_data(version)
build.publish_sphinx({url!r}, version, documents, normalized, cluster_dir=Path({root!r}))
"""


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def test_a_build_killed_while_indexing_takes_its_indexer_with_it(tmp_path, built_index, own_cluster):
    # An indexer left running would go on writing the unserved slot after the feed lock was
    # freed for the next build. A stand-in `indexer` (first on PATH) records its pid and waits.
    first = private_store(built_index, tmp_path)
    served = publish(own_cluster, first)
    full = total(served)
    second = new_version(tmp_path, first, "v2", drop_last=4)
    tools, pid_file = tmp_path / "tools", tmp_path / "indexer.pid"
    tools.mkdir()
    (tools / "indexer").write_text(f"#!/bin/sh\necho $$ > {pid_file}\nexec sleep 120\n")
    (tools / "indexer").chmod(0o755)
    tests = str(Path(__file__).parent)
    script = KILLED_WHILE_INDEXING.format(tests=tests, pid_file=str(pid_file), version=str(second),
                                          url=str(own_cluster.url()), root=str(own_cluster.root))
    env = {**os.environ, "PATH": f"{tools}{os.pathsep}{os.environ['PATH']}"}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120, cwd=Path(tests).parent, env=env)
    pid = int(pid_file.read_text())
    try:
        assert done.returncode == -9, done.stderr
        deadline = time.monotonic() + 10
        while _running(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _running(pid), "the killed build's indexer is still running"
        assert total(served) == full
    finally:
        if _running(pid):
            os.kill(pid, 9)
        served.close()


def test_a_second_build_on_the_same_cluster_is_refused(own_cluster):
    with build._feed_lock(own_cluster):
        with pytest.raises(index.BuildError, match="Another build"):
            build.publish_sphinx(str(own_cluster.url()), own_cluster.root / "unused", [], {},
                                 cluster_dir=own_cluster.root)


def _indexer_children() -> list[int]:
    """Pids of this process's `indexer` descendants (the Sphinx tool, not Python threads)."""
    found = []
    for pid in memory.tree(os.getpid())[1:]:
        try:
            if Path(f"/proc/{pid}/comm").read_text().strip() == "indexer":
                found.append(pid)
        except OSError:
            continue                    # ended meanwhile
    return found


def test_the_rest_of_a_full_build_runs_while_the_shards_are_indexed(tmp_path, built_index, own_cluster):
    """`meanwhile` (the analytics, in index.py) overlaps the `indexer` processes; when it
    fails, the build fails, the indexers are waited for (none is left writing the slot once
    the feed lock is free) and nothing served changes."""
    first = private_store(built_index, tmp_path)
    served = publish(own_cluster, first)
    full = total(served)
    second = new_version(tmp_path, first, "v2", drop_last=2)
    documents, normalized = store_data(second)
    seen: list[list[int]] = []

    def meanwhile():
        deadline = time.monotonic() + 30
        while not _indexer_children() and time.monotonic() < deadline:
            time.sleep(0.01)
        seen.append(_indexer_children())
        raise RuntimeError("analytics failed")

    with pytest.raises(RuntimeError, match="analytics failed"):
        build.publish_sphinx(str(own_cluster.url()), second, documents, normalized,
                             cluster_dir=own_cluster.root, meanwhile=meanwhile)
    assert seen[0], "meanwhile ran before or after the indexing, not during it"
    assert not _indexer_children()
    assert total(served) == full and not (second / build.SPHINX_MANIFEST).exists()

    ran = []
    build.publish_sphinx(str(own_cluster.url()), second, documents, normalized,
                         cluster_dir=own_cluster.root, meanwhile=lambda: ran.append(True))
    fresh = SphinxQLBackend(str(own_cluster.url()), second)
    assert ran == [True] and total(fresh) == len(normalized["texts"]) < full
    served.close()
    fresh.close()
