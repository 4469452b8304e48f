"""PDF with a text layer: paragraphs from the page geometry (formats/pdf.py rules)."""
from __future__ import annotations

import hashlib

import pytest

from formats_fixtures import DOCUMENT, RUNNING_HEADER, layout, make_pdf
from indexer.formats.pdf import is_page_number, read_pdf, unify
from indexer.load import load_file


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    return read_pdf(make_pdf(tmp_path_factory.mktemp("pdf") / "办法.pdf"))


def test_fixture_bytes_are_the_same_on_every_run(tmp_path):
    first = make_pdf(tmp_path / "a.pdf").read_bytes()
    second = make_pdf(tmp_path / "b.pdf").read_bytes()
    assert hashlib.md5(first).digest() == hashlib.md5(second).digest()


def test_fixture_has_a_page_break_inside_a_sentence():
    pages = layout()
    assert any(a[-1].paragraph == b[0].paragraph and a[-1].text and not a[-1].text.endswith("。")
               for a, b in zip(pages, pages[1:]))


def test_each_paragraph_is_one_line_with_wraps_and_page_breaks_joined(extracted):
    lines = extracted.text.split("\n")
    for block in DOCUMENT:
        if block.kind in ("body", "addressee", "cc", "title", "heading"):
            assert block.typed() in lines, block.typed()
    assert any("覆盖率达到百分之九十以上" in line for line in lines)   # the page break in 达到百|分之九十


def test_running_header_and_page_numbers_are_artifacts_not_text(extracted):
    assert RUNNING_HEADER not in extracted.text
    pages = len(layout())
    assert extracted.artifacts.count(RUNNING_HEADER) == pages - 1      # not on page 1
    assert [a for a in extracted.artifacts if a != RUNNING_HEADER] == [f"—{n}—" for n in range(1, pages + 1)]


def test_letterhead_signature_and_printing_line_stand_alone(extracted):
    lines = extracted.text.split("\n")
    assert lines[:2] == ["中华人民共和国科学技术部文件", "国科发基〔2023〕35号"]
    assert "科技部" in lines and "2023年6月8日" in lines
    assert lines[-1] == "科技部办公厅\u30002023年6月9日印发"     # two columns: one gap


def test_table_rows_stay_in_place_with_wrapped_cells_joined(extracted):
    lines = extracted.text.split("\n")
    row = lines.index("基础数据\u3000无条件共享（通过国家科学数据中心平台）\u3000长期")
    assert lines[row - 2].startswith("第四条") and lines[row + 2].startswith("第三章")


def test_full_width_forms_and_label_gap_are_kept(extracted):
    assert "（委、局），" in extracted.text and "〔2023〕" in extracted.text
    assert "第一条\u3000为加强" in extracted.text


@pytest.mark.parametrize("text", ["— 2 —", "-2-", "- 12 -", "2", "第2页", "第 2 页 共 5 页", "2/5",
                                  "2 / 5", "共5页 第2页", "Page 2 of 5", "－3－"])
def test_page_number_forms(text):
    assert is_page_number(text)


@pytest.mark.parametrize("text", ["2023年6月8日", "第二条", "第二章 总则", "二〇二三年", "2023-06-08"])
def test_not_page_numbers(text):
    assert not is_page_number(text)


def test_a_web_address_in_the_pdf_metadata_becomes_the_source_url(tmp_path):
    path = make_pdf(tmp_path / "办法.pdf", metadata_url="https://www.most.gov.cn/xxgk/2023/35.html")
    assert load_file(path, "办法.pdf").meta.source_url == "https://www.most.gov.cn/xxgk/2023/35.html"


@pytest.mark.parametrize("glyph, char", [("⼈", "人"), ("⽂", "文"), ("⽇", "日"), ("⺠", "民"), ("⻔", "门"),
                                         ("⻓", "长"), ("人", "人"), ("（", "（"), ("\u3000", "\u3000"), ("1", "1")])
def test_radical_glyphs_become_the_ideographs_they_stand_for(glyph, char):
    assert unify(glyph) == char
