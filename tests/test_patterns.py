"""公文 shapes (indexer/patterns.py), table by table.

The first table is regulations-parser's depth test turned to Chinese numbering: a sequence of
printed labels → the clause ids the structure stage gives them. The others pin each shape the
stages share: labels, sentence and line ends, field lines, issuing bodies' names.
"""
from __future__ import annotations

import pytest

from indexer.clean import label_style
from indexer.patterns import (DOC_TYPES, FIELD_LINE, ID_TYPES, ISSUER_NAME, LINE_END,
                              NAMED_HEADINGS, OTHER_TYPE, SENTENCE_END, SENTENCE_MARK,
                              TASK_FIELD_LINE, TASK_FIELDS, LabelStyle, find_label)
from indexer.records import DraftDocument, Paragraph
from indexer.structure import build_clauses


def clause_ids(labels: list[str]) -> list[str]:
    """The ids of the clauses a document of one short paragraph per label is parsed into."""
    texts = [label if label in NAMED_HEADINGS else f"{label}事项{n}" for n, label in enumerate(labels)]
    draft = DraftDocument(source="labels.txt", title="", doc_number="", issuers=[], date="",
                          doc_type="", paragraphs=[Paragraph(text=t, line=n) for n, t in enumerate(texts)])
    return [clause.id for clause in build_clauses(draft)]


@pytest.mark.parametrize("labels, ids", [
    # regulations: articles are numbered across chapters
    (["第一章", "第一条", "第二条", "第二章", "第三条"], ["ch-1", "art-1", "art-2", "ch-2", "art-3"]),
    # divisions are numbered within their chapter
    (["第一章", "第一节", "第一条", "第二节", "第二条", "第二章", "第一节", "第三条"],
     ["ch-1", "ch-1.sec-1", "art-1", "ch-1.sec-2", "art-2", "ch-2", "ch-2.sec-1", "art-3"]),
    # parts (编) hold chapters that start again at 第一章
    (["第一编", "第一章", "第一条", "第二编", "第一章", "第二条"],
     ["part-1", "part-1.ch-1", "art-1", "part-2", "part-2.ch-1", "art-2"]),
    # Arabic ordinals are the same labels
    (["第1章", "第1条", "第2条"], ["ch-1", "art-1", "art-2"]),
    # the outline styles nest and climb back
    (["一、", "（一）", "1.", "（1）", "（二）", "二、"], ["1", "1.1", "1.1.1", "1.1.1.1", "1.2", "2"]),
    # a level may be skipped, never inverted
    (["一、", "1.", "2.", "二、", "1."], ["1", "1.1", "1.2", "2", "2.1"]),
    # Arabic numbers may run on across parents
    (["一、", "1.", "2.", "二、", "3."], ["1", "1.1", "1.2", "2", "2.3"]),
    # every Arabic mark is one style: 1、 2． 3.
    (["1、", "2．", "3."], ["1", "2", "3"]),
    # a label that does not continue its sequence is a wrapped fragment, not a heading
    (["一、", "二、", "一、"], ["1", "2"]),
    (["一、", "（一）", "（三）"], ["1", "1.1"]),
    # 专栏 boxes number their own items from 1
    (["一、", "专栏1", "1.", "2.", "专栏2", "1."],
     ["1", "box-1", "box-1.1", "box-1.2", "box-2", "box-2.1"]),
    (["专栏一", "1.", "二、"], ["box-1", "box-1.1"]),
    # headings printed with a name
    (["前言", "一、", "二、", "结束语"], ["preface", "1", "2", "conclusion"]),
])
def test_label_sequences_give_clause_ids(labels, ids):
    assert clause_ids(labels) == ids


@pytest.mark.parametrize("text, style, label, number, rest", [
    ("第二十九条 本办法自发布之日起实施。", "article", "第二十九条", 29, "本办法自发布之日起实施。"),
    ("第6条 经费", "article", "第6条", 6, "经费"),
    ("第二章 遴选条件", "chapter", "第二章", 2, "遴选条件"),
    ("第三节 评估", "division", "第三节", 3, "评估"),
    ("第二编 物权", "part", "第二编", 2, "物权"),
    ("第一部分 总体要求", "part", "第一部分", 1, "总体要求"),
    ("十一、加强组织领导", "cn", "十一、", 11, "加强组织领导"),
    ("（三）改革机制。", "paren_cn", "（三）", 3, "改革机制。"),
    ("( 四 ) 基本原则", "paren_cn", "( 四 )", 4, "基本原则"),
    ("21.完善机制。", "arabic", "21.", 21, "完善机制。"),
    ("3、占领制高点。", "arabic", "3、", 3, "占领制高点。"),
    ("2．优化结构。", "arabic", "2．", 2, "优化结构。"),
    ("（12）明确责任。", "paren_arabic", "（12）", 12, "明确责任。"),
    ("专栏 2 关键共性技术", "box", "专栏 2", 2, "关键共性技术"),
    ("专栏三 重大工程", "box", "专栏三", 3, "重大工程"),
])
def test_labels(text, style, label, number, rest):
    found = find_label(text)
    assert (found.style, found.label, found.number, found.rest) == (style, label, number, rest)
    assert isinstance(found.style, LabelStyle)


@pytest.mark.parametrize("text", [
    "6位科学家获奖。", "131个国家重点实验室", "2.5倍以上", "2013年9月", "1000.5万元", "（2021年）",
    "——坚持改革创新。", "第一步：到2020年", "一是加强领导。", "第六届全国大会", "专栏目录",
])
def test_amounts_and_ordinals_are_no_labels(text):
    assert find_label(text) is None


@pytest.mark.parametrize("text, style", [
    ("1.国家实验室", "arabic."), ("1、国家实验室", "arabic、"), ("第二章 总则", "chapter"),
    ("前言", "named"), ("附则", "named"), ("附件2", "named"), ("加强领导。", None),
])
def test_clean_tells_arabic_marks_apart(text, style):
    # clean judges run-in styles per mark: 1. headings may stand alone while 1、 items run in
    assert label_style(text) == style


@pytest.mark.parametrize("text, has_sentence, ends_sentence, ends_line", [
    ("加强组织领导。", True, True, True),
    ("坚持以下原则：", False, False, True),
    ("到2020年，实现“三步走”；", True, True, True),
    ("他说：“要加强。”", True, True, True),
    ("坚持“四个面向”！", True, True, True),
    ("主要任务包括:", False, False, True),
    ("等等……", False, False, True),
    ("加强领导。建立机制", True, False, False),
    ("新一代人工智能发展规划", False, False, False),
    ("（一）指导思想", False, False, False),
])
def test_sentence_and_line_ends(text, has_sentence, ends_sentence, ends_line):
    assert bool(SENTENCE_MARK.search(text)) == has_sentence
    assert bool(SENTENCE_END.search(text)) == ends_sentence
    assert bool(LINE_END.search(text)) == ends_line


@pytest.mark.parametrize("text, field, task_field", [
    ("牵头部门：办公厅", True, ("牵头部门", "办公厅")),
    ("时间期限:2021年底前", True, ("时间期限", "2021年底前")),
    ("总体目标：", True, None),
    ("抄送：各省", True, None),
    ("到2025年：", False, None),
    ("加强领导，牵头部门：办公厅", False, None),
])
def test_field_lines(text, field, task_field):
    assert bool(FIELD_LINE.match(text)) == field
    match = TASK_FIELD_LINE.match(text)
    assert (match.groups() if match else None) == task_field


def test_every_task_field_is_a_field_line():
    assert all(FIELD_LINE.match(f"{name}：x") for name in TASK_FIELDS)


@pytest.mark.parametrize("name, is_issuer", [
    ("国家发展改革委", True), ("黑龙江省人民政府", True), ("中国科协", True), ("国务院办公厅", True),
    ("中共中央", True), ("中国人民银行", True), ("中国科学院文献情报中心", True), ("某某研究所", True),
    ("部", False), ("加强领导", False), ("国务院 财政部", False), ("国务院关于", False),
    ("一" * 23 + "部", True), ("一" * 24 + "部", False),
])
def test_issuer_names(name, is_issuer):
    assert bool(ISSUER_NAME.match(name)) == is_issuer


def test_ids_spell_types_with_a_subset_of_the_types():
    # identify.py maps every type to the ID_TYPES word it ends with; each must still be a type
    assert set(ID_TYPES) <= set(DOC_TYPES) and OTHER_TYPE not in DOC_TYPES
