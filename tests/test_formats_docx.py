"""Word .docx: body text, tables, text boxes, and automatic numbering as Word shows it."""
from __future__ import annotations

import pytest
from lxml import etree

from formats_fixtures import RUNNING_HEADER, make_docx
from indexer.formats.docx import read_docx
from indexer.formats.numbering import FORMATS, W, chinese, label, read_numbering

W_NS = W.strip("{}")


def numbering(levels: str, nums: str, styles: str = ""):
    xml = etree.fromstring(f'<w:numbering xmlns:w="{W_NS}">{levels}{nums}</w:numbering>')
    style_xml = etree.fromstring(f'<w:styles xmlns:w="{W_NS}">{styles}</w:styles>')
    return read_numbering(xml, style_xml)


def lvl(ilvl: int, fmt: str, text: str, extra: str = "", start: int = 1) -> str:
    return (f'<w:lvl w:ilvl="{ilvl}"><w:start w:val="{start}"/><w:numFmt w:val="{fmt}"/>'
            f'<w:lvlText w:val="{text}"/><w:suff w:val="nothing"/>{extra}</w:lvl>')


def abstract(key: int, *levels: str) -> str:
    return f'<w:abstractNum w:abstractNumId="{key}">{"".join(levels)}</w:abstractNum>'


def num(num_id: int, key: int, override: str = "") -> str:
    return f'<w:num w:numId="{num_id}"><w:abstractNumId w:val="{key}"/>{override}</w:num>'


def para(num_id: int | None, ilvl: int = 0, style: str | None = None):
    parts = [f'<w:pStyle w:val="{style}"/>' if style else "",
             f'<w:numPr><w:ilvl w:val="{ilvl}"/><w:numId w:val="{num_id}"/></w:numPr>'
             if num_id is not None else ""]
    return etree.fromstring(f'<w:p xmlns:w="{W_NS}"><w:pPr>{"".join(parts)}</w:pPr></w:p>')


def labels(found, sequence) -> list[str]:
    return [label(found, para(*item)) for item in sequence]


@pytest.mark.parametrize("n, text", [(1, "一"), (10, "十"), (11, "十一"), (20, "二十"), (99, "九十九"),
                                     (101, "一百零一"), (110, "一百一十"), (1001, "一千零一"),
                                     (10001, "一万零一")])
def test_chinese_counting(n, text):
    assert chinese(n) == text


@pytest.mark.parametrize("fmt, n, text", [("chineseLegalSimplified", 10, "壹拾"), ("decimalZero", 7, "07"),
                                          ("upperRoman", 14, "XIV"), ("lowerLetter", 28, "bb"),
                                          ("ideographTraditional", 3, "丙"), ("decimalEnclosedCircle", 12, "⑫"),
                                          ("decimalFullWidth", 12, "１２")])
def test_other_formats(fmt, n, text):
    assert FORMATS[fmt](n) == text


GONGWEN = abstract(1, lvl(0, "chineseCounting", "第%1章"),
                   lvl(1, "chineseCounting", "第%2条", '<w:lvlRestart w:val="0"/>'),
                   lvl(2, "chineseCounting", "（%3）"))


def test_articles_continue_across_chapters_and_items_restart_per_article():
    found = numbering(GONGWEN, num(5, 1))
    seq = [(5, 0), (5, 1), (5, 2), (5, 2), (5, 1), (5, 0), (5, 1), (5, 2)]
    assert labels(found, seq) == ["第一章", "第一条", "（一）", "（二）", "第二条", "第二章", "第三条", "（一）"]


def test_without_lvl_restart_articles_restart_in_each_chapter():
    plain = GONGWEN.replace('<w:lvlRestart w:val="0"/>', "")
    assert labels(numbering(plain, num(5, 1)), [(5, 0), (5, 1), (5, 1), (5, 0), (5, 1)]) == [
        "第一章", "第一条", "第二条", "第二章", "第一条"]


def test_nums_sharing_a_list_continue_unless_a_start_override_restarts():
    lists = abstract(2, lvl(0, "decimal", "%1."))
    override = '<w:lvlOverride w:ilvl="0"><w:startOverride w:val="1"/></w:lvlOverride>'
    found = numbering(lists, num(1, 2) + num(2, 2) + num(3, 2, override))
    assert labels(found, [(1, 0), (1, 0), (2, 0), (3, 0), (3, 0)]) == ["1.", "2.", "3.", "1.", "2."]


def test_multi_level_text_legal_numbering_and_suffixes():
    levels = abstract(3, lvl(0, "chineseCounting", "%1、"),
                      lvl(1, "decimal", "%1.%2", '<w:isLgl/>').replace(
                          '<w:suff w:val="nothing"/>', '<w:suff w:val="space"/>'),
                      lvl(2, "decimal", "（%3）", start=3).replace('<w:suff w:val="nothing"/>', ""))
    found = numbering(levels, num(1, 3))
    assert labels(found, [(1, 0), (1, 1), (1, 2), (1, 0), (1, 1)]) == [
        "一、", "1.1 ", "（3）\u3000", "二、", "2.1 "]


def test_numbering_from_a_style_and_its_based_on_chain():
    styles = ('<w:style w:styleId="Base"><w:pPr><w:numPr><w:numId w:val="4"/></w:numPr></w:pPr></w:style>'
              '<w:style w:styleId="Derived"><w:basedOn w:val="Base"/></w:style>')
    found = numbering(abstract(1, lvl(0, "chineseCounting", "第%1章", '<w:pStyle w:val="Derived"/>')),
                      num(4, 1), styles)
    assert labels(found, [(None, 0, "Derived"), (None, 0, "Derived")]) == ["第一章", "第二章"]


def test_num_id_zero_bullets_and_unknown_formats():
    found = numbering(abstract(1, lvl(0, "bullet", "●"), lvl(1, "hebrew1", "%2.")), num(1, 1))
    assert labels(found, [(0, 0), (1, 0), (1, 1)]) == ["", "", "1."]
    assert found.unknown_formats == {"hebrew1"}


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    return read_docx(make_docx(tmp_path_factory.mktemp("docx") / "办法.docx"))


def test_runs_joined_and_labels_rendered(extracted):
    lines = extracted.text.split("\n")
    assert "第一章 总则" in lines and "第三章 附则" in lines
    assert any(line.startswith("第四条\u3000各类科研数据的共享方式") for line in lines)
    assert "（二）权利人书面申明不宜有条件共享，并经主管部门核准的。" in lines


def test_headers_and_footers_are_not_text(extracted):
    assert RUNNING_HEADER not in extracted.text and "—" not in extracted.text


def test_table_rows_and_two_line_title(extracted):
    lines = extracted.text.split("\n")
    assert "专题数据\u3000有条件共享\u3000五年" in lines
    assert "科技部关于印发《科研数据共享管理办法》的通知" in lines


def test_a_text_box_is_read_once(tmp_path):
    text = read_docx(make_docx(tmp_path / "box.docx", text_box_letterhead=True)).text
    assert text.count("中华人民共和国科学技术部文件") == 1


def test_a_list_linked_to_a_numbering_style_uses_that_style_s_definition():
    defining = abstract(1, lvl(0, "chineseCounting", "%1、"), lvl(1, "chineseCounting", "（%2）"))
    linking = '<w:abstractNum w:abstractNumId="2"><w:numStyleLink w:val="GongwenList"/></w:abstractNum>'
    styles = ('<w:style w:styleId="GongwenList"><w:pPr><w:numPr><w:numId w:val="1"/></w:numPr>'
              '</w:pPr></w:style>')
    found = numbering(defining + linking, num(1, 1) + num(2, 2), styles)
    assert labels(found, [(2, 0), (2, 1), (2, 1), (2, 0)]) == ["一、", "（一）", "（二）", "二、"]
