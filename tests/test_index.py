"""Offline build: atomic publish, one build at a time, stale versions cleaned, crash safety."""
from __future__ import annotations

import gc
import json
import os
import weakref
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from indexer import config, index, store
from indexer.records import Clause, Corpus, Document, SearchRequest
from indexer.search import Engine, IndexNotFound

REPO = Path(__file__).resolve().parents[1]


def tiny_corpus(word: str) -> Corpus:
    clause = Clause(id="1", label="一、", heading="", text=f"加强{word}。", parent=None, kind="section")
    document = Document(id="doc", title="测试文件", doc_number="", issuers=["国务院"], date="2020-01-01",
                        doc_type="意见", source="t.txt", clauses=[clause])
    return Corpus(documents=[document], aliases={}, warnings=[])


def publish(folder: Path, word: str) -> index.BuildReport:
    with index.build_lock(folder):
        return index.publish(tiny_corpus(word), config.corpus_dir(), folder)


def build_cli(corpus: Path, folder: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "indexer", "build", "--corpus", str(corpus), "--index", str(folder), *extra]


def test_publish_switches_current_and_keeps_one_previous(tmp_path):
    first = publish(tmp_path, "基础研究")
    engine = Engine(tmp_path)
    assert engine.search(SearchRequest(q="基础研究")).total == 1
    second = publish(tmp_path, "人工智能")
    assert engine.search(SearchRequest(q="人工智能")).total == 0      # not refreshed yet
    engine.refresh()
    assert engine.search(SearchRequest(q="人工智能")).total == 1
    third = publish(tmp_path, "科普")
    remaining = {p.name for p in (tmp_path / "versions").iterdir()}
    assert remaining == {second.build_id, third.build_id}
    assert first.build_id not in remaining
    assert os.readlink(tmp_path / "current") == f"versions/{third.build_id}"
    manifest = json.loads((third.version_dir / store.MANIFEST).read_text(encoding="utf-8"))
    assert manifest["clauses"] == 1


def test_a_serving_engine_keeps_each_version_out_of_the_collector(tmp_path):
    """Engine(freeze_gc=True) (python app.py) freezes what it holds after opening a version,
    and a newer version's open hands the old one back to the collector first; the default
    (tests) freezes nothing."""
    publish(tmp_path, "基础研究")
    gc.unfreeze()
    Engine(tmp_path).search(SearchRequest(q="基础研究"))
    assert gc.get_freeze_count() == 0
    try:
        engine = Engine(tmp_path, freeze_gc=True)
        assert gc.get_freeze_count() > 0
        old = engine._version
        cycle = [old]
        cycle.append(cycle)                 # garbage in a cycle, frozen with the version
        held = weakref.finalize(old, lambda: None)
        del old, cycle
        publish(tmp_path, "人工智能")
        engine.refresh()
        assert engine.search(SearchRequest(q="人工智能")).total == 1
        assert not held.alive               # the cycle was collected, the old version with it
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


def test_a_build_hands_back_to_the_collector_what_it_froze(tmp_path):
    """index.build freezes the parsed corpus for the publish, and unfreezes it when it returns,
    so a process that builds again does not keep every build's cycles."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "通知.txt").write_text("关于加强基础研究的通知\n\n一、加强基础研究。\n", encoding="utf-8")
    gc.unfreeze()
    index.build(corpus, tmp_path / "index", show_progress=False)
    assert gc.get_freeze_count() == 0


def test_partial_versions_are_removed_by_the_next_build(tmp_path):
    publish(tmp_path, "基础研究")
    stale = tmp_path / "versions" / "19990101T000000000000"
    (stale / "whoosh").mkdir(parents=True)
    report = publish(tmp_path, "人工智能")
    assert not stale.exists() and report.version_dir.exists()


def test_a_second_build_refuses_while_one_runs(tmp_path):
    with index.build_lock(tmp_path):
        done = subprocess.run(build_cli(config.corpus_dir(), tmp_path), cwd=REPO,
                              capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    assert "Another build is already running" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "current").exists()


def test_if_missing_does_nothing_when_published(tmp_path):
    report = publish(tmp_path, "基础研究")
    done = subprocess.run(build_cli(config.corpus_dir(), tmp_path, "--if-missing"), cwd=REPO,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "nothing to do" in done.stdout
    assert os.readlink(tmp_path / "current") == f"versions/{report.build_id}"


def test_missing_corpus_is_a_clear_error(tmp_path):
    done = subprocess.run(build_cli(tmp_path / "nope", tmp_path / "index"), cwd=REPO,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode != 0 and "not found" in done.stderr and "Traceback" not in done.stderr


def served_copy(built_index: Path, tmp_path: Path) -> tuple[Path, str, int]:
    """A copy of the session's index (folder, served version link, hits for 基础研究)."""
    folder = tmp_path / "index"
    subprocess.run(["cp", "-a", str(built_index), str(folder)], check=True)
    return folder, os.readlink(folder / "current"), \
        Engine(folder).search(SearchRequest(q="基础研究")).total


def interrupt_while_writing(folder: Path, served: str, log: Path, signum: int) -> tuple[Path, int]:
    """Start a build, send `signum` once its new version folder exists; (that folder, exit code).
    --full: the corpus is the served one, and a build with nothing to do publishes in a blink."""
    # SIGINT back to its default in the build: a test run started in the background (`&` in a
    # shell without job control) ignores SIGINT, the build would inherit that and Python then
    # installs no KeyboardInterrupt handler (the build ran to the end: exit 0).
    build = subprocess.Popen(build_cli(config.corpus_dir(), folder, "--full"), cwd=REPO,
                             stdout=subprocess.DEVNULL, stderr=log.open("w"),
                             preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        partial = None
        deadline = time.monotonic() + 120
        while partial is None and time.monotonic() < deadline and build.poll() is None:
            partial = next((p for p in (folder / "versions").iterdir()
                            if f"versions/{p.name}" != served), None)
            time.sleep(0.005)
        assert partial is not None and build.poll() is None, log.read_text()
        os.kill(build.pid, signum)
        return partial, build.wait(timeout=60)
    finally:
        if build.poll() is None:
            build.kill()


def test_sigkill_mid_build_leaves_the_served_index(tmp_path, built_index):
    folder, served, before = served_copy(built_index, tmp_path)
    partial, _ = interrupt_while_writing(folder, served, tmp_path / "build.log", signal.SIGKILL)
    assert not (partial / store.MANIFEST).exists()
    assert os.readlink(folder / "current") == served
    assert Engine(folder).search(SearchRequest(q="基础研究")).total == before
    done = subprocess.run(build_cli(config.corpus_dir(), folder), cwd=REPO,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert os.readlink(folder / "current") != served
    assert not partial.exists()
    assert Engine(folder).search(SearchRequest(q="基础研究")).total == before


def test_ctrl_c_mid_build_removes_its_partial_version(tmp_path, built_index):
    folder, served, before = served_copy(built_index, tmp_path)
    log = tmp_path / "build.log"
    partial, code = interrupt_while_writing(folder, served, log, signal.SIGINT)
    assert code == 130 and "interrupted" in log.read_text()
    assert not partial.exists()
    assert os.readlink(folder / "current") == served
    assert Engine(folder).search(SearchRequest(q="基础研究")).total == before


def test_searches_in_threads_survive_a_switch(tmp_path):
    import threading

    publish(tmp_path, "基础研究")
    engine = Engine(tmp_path)
    errors: list[BaseException] = []
    stop = threading.Event()

    def keep_searching():
        while not stop.is_set():
            try:
                assert engine.search(SearchRequest(q="加强")).total == 1
            except BaseException as error:   # reported below, not swallowed
                errors.append(error)
                return

    threads = [threading.Thread(target=keep_searching) for _ in range(3)]
    for t in threads:
        t.start()
    for word in ("人工智能", "科普"):
        publish(tmp_path, word)
        engine.refresh()
    stop.set()
    for t in threads:
        t.join(timeout=30)
    assert not errors
    assert engine.search(SearchRequest(q="科普")).total == 1


def test_a_vanished_link_keeps_the_open_version(tmp_path):
    publish(tmp_path, "基础研究")
    engine = Engine(tmp_path)
    (tmp_path / "current").unlink()
    engine.refresh()
    assert engine.search(SearchRequest(q="基础研究")).total == 1


def test_a_version_of_an_older_format_counts_as_missing(tmp_path):
    report = publish(tmp_path, "基础研究")
    manifest = report.version_dir / store.MANIFEST
    data = json.loads(manifest.read_text(encoding="utf-8"))
    manifest.write_text(json.dumps({**data, "format": store.FORMAT - 1}), encoding="utf-8")
    assert store.published_version(tmp_path) is None
    with pytest.raises(IndexNotFound):
        Engine(tmp_path)
