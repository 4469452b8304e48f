"""Faults of a real cluster: a shard killed during a query loop, a stopped (slow) shard and a dead
head node never give a silently wrong count: the answer names the missing shard, or the backend
raises BackendUnavailable; everything recovers when the node is back."""
from __future__ import annotations

import os
import signal
import threading
import time

import pytest

from indexer.backends.base import BackendUnavailable, FilterSpec, MatchSpec
from indexer.backends.sphinxql import SphinxQLBackend
from indexer.sphinx import cluster

pytestmark = pytest.mark.cluster

EVERYTHING = MatchSpec(groups=())
WORD = MatchSpec(groups=(("基础研究",),))


@pytest.fixture(scope="module")
def backend(sphinx_store, sphinx_cluster):
    _, version = sphinx_store
    opened = SphinxQLBackend(str(sphinx_cluster.url()), version)
    yield opened
    opened.close()
    for node in range(len(sphinx_cluster.nodes)):      # whatever a test did, leave it running
        cluster.start_node(sphinx_cluster, node)


def full_totals(backend) -> tuple[int, int]:
    return tuple(backend.search(m, FilterSpec(), sort="relevance", offset=0, limit=5).total
                 for m in (EVERYTHING, WORD))


def test_a_shard_killed_during_a_query_loop_is_reported_then_recovers(backend, sphinx_cluster):
    full = full_totals(backend)
    answers, errors, stop = [], [], threading.Event()

    def loop():
        while not stop.is_set():
            try:
                for m, expected in zip((EVERYTHING, WORD), full):
                    r = backend.search(m, FilterSpec(), sort="relevance", offset=0, limit=5)
                    answers.append((r.total, expected, tuple(r.missing)))
            except Exception as error:      # noqa: BLE001 - any exception is the failure here
                errors.append(error)

    thread = threading.Thread(target=loop)
    thread.start()
    time.sleep(0.3)
    os.kill(cluster.node_pid(sphinx_cluster, 1), signal.SIGKILL)
    time.sleep(0.5)
    stop.set()
    thread.join(timeout=30)
    assert not errors
    shard = f"{sphinx_cluster.name}_{backend.slot}_1"
    # Missing named ⇒ some part of the answer (the total, or the document count asked right
    # after it) lacked the shard; nothing missing ⇒ the exact total.
    assert all(missing == () and total == expected or missing == (shard,) and total <= expected
               for total, expected, missing in answers)
    assert any(missing for _, _, missing in answers)
    with pytest.raises(BackendUnavailable):
        backend.count(WORD)        # a count cannot say it is partial: it refuses
    cluster.start_node(sphinx_cluster, 1)
    assert full_totals(backend) == full
    assert backend.search(WORD, FilterSpec(), sort="relevance", offset=0, limit=5).missing == []


def test_a_stopped_shard_times_out_into_a_partial_answer(backend, sphinx_cluster):
    pid = cluster.node_pid(sphinx_cluster, 1)
    os.kill(pid, signal.SIGSTOP)
    try:
        started = time.monotonic()
        r = backend.search(WORD, FilterSpec(), sort="relevance", offset=0, limit=5)
        took = time.monotonic() - started
    finally:
        os.kill(pid, signal.SIGCONT)
    assert r.missing == [f"{sphinx_cluster.name}_{backend.slot}_1"]
    assert took < cluster.AGENT_QUERY_TIMEOUT_MS / 1000 + cluster.AGENT_CONNECT_TIMEOUT_MS / 1000 + 2


def test_a_dead_head_node_raises_backend_unavailable(backend, sphinx_cluster):
    full = full_totals(backend)
    os.kill(cluster.node_pid(sphinx_cluster, 0), signal.SIGKILL)
    time.sleep(0.2)
    started = time.monotonic()
    with pytest.raises(BackendUnavailable):
        backend.search(WORD, FilterSpec(), sort="relevance", offset=0, limit=5)
    assert time.monotonic() - started < 10
    cluster.start_node(sphinx_cluster, 0)
    assert full_totals(backend) == full


def test_through_the_site_a_dead_shard_is_a_notice_and_a_dead_head_a_chinese_503(
        sphinx_store, sphinx_cluster):
    """The HTTP view of the same faults: never a 500; partial: true and a notice naming the
    missing shard; with the head node down, a 503 that says so in Chinese."""
    from urllib.parse import quote

    from app import create_app

    folder, _ = sphinx_store
    client = create_app({"CESOU_INDEX": folder, "CESOU_BACKEND": str(sphinx_cluster.url())}).test_client()
    url = f"/api/search?q={quote('基础研究')}"
    full = client.get(url).get_json()
    assert not full["partial"]
    os.kill(cluster.node_pid(sphinx_cluster, 1), signal.SIGKILL)
    try:
        partial = client.get(url)
        assert partial.status_code == 200
        data = partial.get_json()
        assert data["partial"] and "分片" in data["notice"] and data["total"] < full["total"]
        assert client.get(f"/?q={quote('基础研究')}").status_code == 200
    finally:
        cluster.start_node(sphinx_cluster, 1)
    assert client.get(url).get_json()["total"] == full["total"]
    cluster.stop_node(sphinx_cluster, 0)
    try:
        down = client.get(url)
        assert down.status_code == 503 and "检索服务暂时无法连接" in down.get_json()["error"]
        assert client.get(f"/?q={quote('基础研究')}").status_code == 503
    finally:
        cluster.start_node(sphinx_cluster, 0)
    assert client.get(url).get_json()["total"] == full["total"]
