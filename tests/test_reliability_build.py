"""Crash safety of the offline build: SIGKILL at each stage, two builds at once, bad arguments.

Each test starts from a copy of an index with corpus A published, then runs builds of corpus B
(a superset of A, so the two answer a fixed query with different totals and any leak of the
killed build into the served index shows up as a wrong total).
"""
from __future__ import annotations

import re
import shutil

import pytest

from indexer.records import SearchRequest
from reliability_support import (
    SMALL_SEED_FILES, assert_built, build, entries, make_corpus, published_version,
    start_paused_build,
)

QUERY = "科技"
STAGES = ["parsing", "indexing", "publish"]


def total(index, q: str = QUERY) -> int:
    from indexer.search import Engine
    return Engine(index).search(SearchRequest(q=q)).total


@pytest.fixture(scope="module")
def corpora(tmp_path_factory):
    root = tmp_path_factory.mktemp("corpora")
    return (make_corpus(root / "a", SMALL_SEED_FILES[:1]),
            make_corpus(root / "b", SMALL_SEED_FILES[:2]))


@pytest.fixture(scope="module")
def published(tmp_path_factory, corpora):
    """Index folders with corpus A and with corpus B published, built once per module."""
    root = tmp_path_factory.mktemp("published")
    a, b = root / "a", root / "b"
    assert_built(build(corpora[0], a))
    assert_built(build(corpora[1], b))
    assert total(a) != total(b), "test corpora must answer the query differently"
    return a, b


@pytest.fixture
def index(published, tmp_path):
    """A private copy of the index with corpus A published (its `current` link is relative)."""
    copy = tmp_path / "index"
    shutil.copytree(published[0], copy, symlinks=True)
    assert published_version(copy).parent == copy / "versions"
    return copy


@pytest.mark.parametrize("stage", STAGES)
def test_sigkill_leaves_served_index_intact_and_next_build_cleans_up(stage, index, published, corpora,
                                                                     tmp_path):
    from indexer.search import Engine
    served_total, next_total = total(published[0]), total(published[1])
    before_version, before_entries = published_version(index), entries(index)
    engine = Engine(index)

    kill_at(stage, index, corpora[1], tmp_path)
    assert published_version(index) == before_version
    engine.refresh()
    assert engine.search(SearchRequest(q=QUERY)).total == served_total
    assert total(index) == served_total, "a freshly opened engine must see the untouched index"
    leftover_versions = {e for e in entries(index) - before_entries if e.startswith("versions/")}

    assert_built(build(corpora[1], index))
    assert published_version(index) != before_version
    assert total(index) == next_total
    survivors = leftover_versions & entries(index)
    assert not survivors, f"the killed build's partial versions survived the next build: {survivors}"
    assert len(list((index / "versions").iterdir())) <= 2, "only current and previous versions are kept"


def test_next_build_removes_the_temp_link_of_a_killed_publish(index, corpora, tmp_path):
    before_entries = entries(index)
    kill_at("publish", index, corpora[1], tmp_path)
    leftovers = entries(index) - before_entries
    assert_built(build(corpora[1], index))
    survivors = leftovers & entries(index)
    assert not survivors, f"the killed build's leftovers survived the next build: {survivors}"


def kill_at(stage: str, index, corpus, tmp_path) -> None:
    """Run a build of `corpus` into `index` and SIGKILL it at `stage`, checking that the served
    index answered as before while the build stood there."""
    from indexer.search import Engine
    engine = Engine(index)
    served_total = engine.search(SearchRequest(q=QUERY)).total
    paused = start_paused_build(stage, corpus, index, tmp_path / "work")
    try:
        paused.wait_for_pause()
        engine.refresh()
        assert engine.search(SearchRequest(q=QUERY)).total == served_total, "served index changed mid-build"
    finally:
        paused.kill()


def test_second_concurrent_build_refuses_and_first_wins(index, published, corpora, tmp_path):
    before_version = published_version(index)
    first = start_paused_build("indexing", corpora[1], index, tmp_path / "work")
    first.wait_for_pause()
    try:
        second = build(corpora[0], index)
    finally:
        first_code = first.resume()

    message = second.stdout + second.stderr
    assert second.returncode != 0, "a second build must refuse while one is running"
    assert "Traceback" not in message
    assert re.search(r"another build|already running|lock|另一个|正在", message, re.I), message
    assert first_code == 0, first.output()
    assert published_version(index) != before_version
    assert total(index) == total(published[1]), "the first build's corpus is the one published"


@pytest.mark.parametrize("problem", ["missing corpus", "corpus is a file", "index is a file"])
def test_bad_build_arguments_get_a_clear_message(problem, tmp_path, corpora):
    a_file = tmp_path / "not-a-folder.txt"
    a_file.write_text("x", encoding="utf-8")
    corpus, index = {
        "missing corpus": (tmp_path / "nowhere", tmp_path / "index"),
        "corpus is a file": (a_file, tmp_path / "index"),
        "index is a file": (corpora[0], a_file),
    }[problem]
    done = build(corpus, index, timeout=120)
    assert done.returncode != 0
    assert "Traceback" not in done.stderr, done.stderr
    assert str(corpus if problem != "index is a file" else index) in done.stderr
