"""Scanned, encrypted, truncated, mislabelled and hostile files: one warning in Chinese naming
the file and what to do, nothing indexed from it, bounded time and memory, no crash."""
from __future__ import annotations

import os
import time

import pytest

from formats_fixtures import broken_files, flate_bomb_pdf, make_pdf, write_txt
from indexer.formats import Extracted, FormatError
from indexer.formats.pdf import Page, _check_text_layer, read_pdf
from indexer.formats.safe import run_limited
from indexer.load import LoadError, load_corpus, load_file
from indexer.pipeline import build_corpus

CJK = set(chr(c) for c in range(0x4E00, 0xA000))


@pytest.fixture(scope="module")
def bad_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bad")
    expected = broken_files(folder)
    write_txt(folder)
    return folder, expected


def test_every_bad_file_gives_one_chinese_warning_saying_what_to_do(bad_folder):
    folder, expected = bad_folder
    started = time.monotonic()
    sources, warnings = load_corpus(folder)
    assert time.monotonic() - started < 30
    assert [s.name for s in sources] == ["办法.txt"]
    by_file = {}
    for warning in warnings:
        assert warning.source not in by_file, f"two warnings for {warning.source}"
        by_file[warning.source] = warning.message
    assert set(by_file) == set(expected)
    for name, phrase in expected.items():
        assert phrase in by_file[name], (name, by_file[name])
        assert CJK & set(by_file[name]), by_file[name]


def test_nothing_is_indexed_from_a_bad_file(bad_folder):
    folder, expected = bad_folder
    corpus = build_corpus(folder)
    assert {d.source for d in corpus.documents} == {"办法.txt"}
    assert {w.source for w in corpus.warnings} == set(expected)


def test_a_partly_scanned_pdf_is_read_and_the_scanned_pages_named(tmp_path):
    source = load_file(make_pdf(tmp_path / "部分扫描.pdf", scanned_pages=2), "部分扫描.pdf")
    assert "第一条" in source.text
    [warning] = source.warnings
    assert "无文本层" in warning and "OCR" in warning


def test_a_text_layer_without_a_unicode_map_is_refused():
    page = Page(number=1, height=842, width=595, lines=[], glyphs=400, bad=300, images=False)
    with pytest.raises(FormatError, match="乱码"):
        _check_text_layer([page])


def test_a_flate_bomb_stops_at_the_memory_cap(tmp_path):
    path = tmp_path / "bomb.pdf"
    path.write_bytes(flate_bomb_pdf(96))
    started = time.monotonic()
    with pytest.raises(FormatError, match="内存"):
        run_limited(read_pdf, path, seconds=20, memory_mb=32)
    assert time.monotonic() - started < 10


def _sleeps(path) -> Extracted:
    time.sleep(60)
    return Extracted(text="")


def _dies(path) -> Extracted:
    os._exit(3)


def test_a_parser_that_hangs_is_killed_at_the_time_limit(tmp_path):
    started = time.monotonic()
    with pytest.raises(FormatError, match="秒"):
        run_limited(_sleeps, tmp_path, seconds=0.5, memory_mb=64)
    assert time.monotonic() - started < 5


def test_a_parser_that_dies_is_a_warning_not_a_crash(tmp_path):
    with pytest.raises(FormatError, match="意外退出"):
        run_limited(_dies, tmp_path, seconds=5, memory_mb=64)


def test_load_error_names_the_file(bad_folder):
    folder, _ = bad_folder
    with pytest.raises(LoadError) as error:
        load_file(folder / "扫描件.pdf", "扫描件.pdf")
    assert str(error.value).startswith("扫描件.pdf: ")
