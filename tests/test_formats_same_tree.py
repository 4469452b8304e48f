"""One document, three files: typed .txt, a laid-out PDF and a Word file with automatic
numbering must give the same metadata and the same clause tree (ids, labels, headings, texts,
parents, kinds) — the formats only change how the text is read, never what it says."""
from __future__ import annotations

import pytest

from formats_fixtures import (PAGE_NUMBER_FORMS, SPACED, can_print_cjk_pdf, make_chromium_pdf, make_docx,
                              make_pdf, write_txt)
from indexer.aliases import load_aliases
from indexer.pipeline import read_source
from indexer.load import load_file
from indexer import config
from indexer.tag import load_taxonomy


def parse(path):
    aliases = load_aliases()
    warnings = []
    documents = read_source(load_file(path, path.name, aliases), aliases, load_taxonomy(config.corpus_dir()), warnings)
    assert not warnings, warnings
    return [((d.title, d.doc_number, d.issuers, d.date, d.doc_type),
             [(c.id, c.label, c.heading, c.text, c.parent, c.kind) for c in d.clauses])
            for d in documents]


@pytest.fixture(scope="module")
def typed(tmp_path_factory):
    return parse(write_txt(tmp_path_factory.mktemp("txt")))


def test_the_typed_document_is_what_the_fixture_means(typed):
    [(meta, clauses)] = typed
    assert meta == ("科研数据共享管理办法", "国科发基〔2023〕35号", ["科技部"], "2023-06-08", "办法")
    ids = [c[0] for c in clauses]
    assert ids[:4] == ["notice", "ch-1", "art-1", "art-2"] and "art-5.2" in ids and ids[-1] == "art-6"


@pytest.mark.parametrize("form", sorted(PAGE_NUMBER_FORMS))
def test_pdf_gives_the_typed_tree(typed, tmp_path, form):
    assert parse(make_pdf(tmp_path / "办法.pdf", number_form=form)) == typed


@pytest.mark.parametrize("text_box", [False, True], ids=["plain", "letterhead-in-text-box"])
def test_docx_with_automatic_numbering_gives_the_typed_tree(typed, tmp_path, text_box):
    assert parse(make_docx(tmp_path / "办法.docx", text_box_letterhead=text_box)) == typed


def test_pdf_set_flush_left_ragged_with_paragraph_spacing_gives_the_typed_tree(typed, tmp_path):
    assert parse(make_pdf(tmp_path / "办法.pdf", style=SPACED)) == typed


@pytest.mark.skipif(not can_print_cjk_pdf(), reason="needs /usr/bin/chromium and a CJK font")
def test_pdf_printed_by_chromium_gives_the_typed_tree(typed, tmp_path):
    # another producer: Skia maps several glyphs to Kangxi radicals (⼈ for 人, ⺠ for 民),
    # paragraphs are flush with the margins' ragged right, header and footer on every page
    assert parse(make_chromium_pdf(tmp_path / "printed.pdf")) == typed
