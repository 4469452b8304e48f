"""Citations (indexer/cite.py): GB/T 7714-2015 [EB/OL] strings, a locator for every kind of
clause, and RIS / BibTeX / CSL-JSON that reference managers import, escaped."""
from __future__ import annotations

import json

import pytest

from indexer import cite
from indexer.records import Clause, Document


def clause(id, label="", heading="", text="正文。", parent=None, kind="item"):
    return Clause(id=id, label=label, heading=heading, text=text, parent=parent, kind=kind)


DOC = Document(
    id="gf-2017-35", title="新一代人工智能发展规划", doc_number="国发〔2017〕35号",
    issuers=["国务院"], date="2017-07-08", doc_type="规划", source="x.txt", clauses=[
        clause("notice", kind="notice"),
        clause("p1", kind="preamble"), clause("p2", kind="preamble"),
        clause("3", "三、", "重点任务", "", kind="section"),
        clause("3.2", "（二）", "培育高端高效的智能经济", "", parent="3", kind="section"),
        clause("3.2.7", "7.", "", "大力发展智能制造。", parent="3.2"),
        clause("box-1", "专栏1", "基础理论", "", parent="3.2", kind="box"),
        clause("box-1.8", "8.", "量子智能计算理论。", parent="box-1"),
        clause("ch-2", "第二章", "管理", "", kind="chapter"),
        clause("art-6", "第六条", "", "高校应当……", parent="ch-2", kind="article"),
        clause("s6", "", "加强基础研究", "", kind="section"),
        clause("s6.t1", "", "召开基础研究工作会议", "牵头部门：前沿局", parent="s6", kind="task"),
        clause("s6.t1.2", "（2）", "", "召开专家研讨会。", parent="s6.t1"),
        clause("closing", kind="closing"),
    ])
URL = "https://cesou.example/d/gf-2017-35/3.2.7"
TODAY = "2026-12-01"


@pytest.mark.parametrize("clause_id, expected", [
    ("3.2.7", "三、（二）7."),
    ("3.2", "三、（二）"),
    ("art-6", "第六条"),            # articles are numbered across chapters: no 第二章
    ("ch-2", "第二章"),
    ("box-1", "专栏1"),
    ("box-1.8", "专栏1 第8项"),
    ("s6", "第6部分"),
    ("s6.t1", "任务 6.1"),
    ("s6.t1.2", "任务 6.1 （2）"),
    ("notice", "印发通知"),
    ("p2", "引言第2段"),
    ("closing", "结语"),
])
def test_every_clause_has_an_unambiguous_locator(clause_id, expected):
    assert cite.reference(DOC, clause_id, URL, TODAY).locator == expected


def test_a_whole_unstructured_text_has_no_locator():
    doc = Document(**{**DOC.__dict__, "clauses": [clause("full", kind="paragraph")]})
    assert cite.reference(doc, "full", URL, TODAY).locator == ""


def ref(**changes) -> cite.Reference:
    base = dict(key="gf-2017-35:3.2.7", authors=["国务院"], title="新一代人工智能发展规划",
                doc_number="国发〔2017〕35号", date="2017-07-08", locator="三、（二）7.",
                url=URL, accessed=TODAY)
    return cite.Reference(**{**base, **changes})


@pytest.mark.parametrize("changes, expected", [
    ({}, "国务院. 新一代人工智能发展规划: 国发〔2017〕35号[EB/OL]. (2017-07-08)[2026-12-01]: "
         "三、（二）7. https://cesou.example/d/gf-2017-35/3.2.7."),
    ({"doc_number": "", "authors": ["教育部", "财政部"], "date": "2018-03"},
     "教育部, 财政部. 新一代人工智能发展规划[EB/OL]. (2018-03)[2026-12-01]: 三、（二）7. "
     "https://cesou.example/d/gf-2017-35/3.2.7."),
    ({"authors": ["甲", "乙", "丙", "丁"], "locator": ""},     # more than three: 等
     "甲, 乙, 丙, 等. 新一代人工智能发展规划: 国发〔2017〕35号[EB/OL]. (2017-07-08)[2026-12-01]. "
     "https://cesou.example/d/gf-2017-35/3.2.7."),
    ({"url": ""},                                              # no URL: [Z], no access date
     "国务院. 新一代人工智能发展规划: 国发〔2017〕35号[Z]. 2017-07-08: 三、（二）7."),
    ({"authors": [], "date": "", "url": "", "locator": ""},
     "佚名. 新一代人工智能发展规划: 国发〔2017〕35号[Z]."),
])
def test_gbt_7714_for_a_policy_document_is_eb_ol(changes, expected):
    assert cite.gbt7714(ref(**changes)) == expected


def test_the_source_url_is_cited_when_the_document_has_one():
    doc = Document(**DOC.__dict__)
    doc.source_url = "https://www.gov.cn/zhengce/content/2017-07/20/content_5211996.htm"
    assert cite.reference(doc, "3.2.7", URL, TODAY).url == doc.source_url
    assert cite.reference(DOC, "3.2.7", URL, TODAY).url == URL


def test_ris_is_one_line_per_value_with_crlf_and_an_end_of_record():
    text = cite.ris([ref(title="第一行\n第二行", date="2018-03"), ref(doc_number="")])
    assert text == (
        "TY  - GOVDOC\r\nAU  - 国务院\r\nTI  - 第一行 第二行\r\nSN  - 国发〔2017〕35号\r\n"
        "PY  - 2018\r\nDA  - 2018/03//\r\nSE  - 三、（二）7.\r\nUR  - " + URL + "\r\n"
        "Y2  - 2026/12/01/\r\nLA  - zh\r\nID  - gf-2017-35:3.2.7\r\nER  - \r\n"
        "TY  - GOVDOC\r\nAU  - 国务院\r\nTI  - 新一代人工智能发展规划\r\n"
        "PY  - 2017\r\nDA  - 2017/07/08/\r\nSE  - 三、（二）7.\r\nUR  - " + URL + "\r\n"
        "Y2  - 2026/12/01/\r\nLA  - zh\r\nID  - gf-2017-35:3.2.7\r\nER  - \r\n")


def test_bibtex_escapes_specials_and_keeps_corporate_authors_whole():
    entry = cite.bibtex([ref(title="关于{A}_B 100% & #1 ~^\\", authors=["教育部", "财政部"],
                             note="据新闻报道摘要，非文件正式文本")])
    assert entry == (
        "@misc{gf-2017-35:3.2.7,\n"
        "  author = {{教育部} and {财政部}},\n"
        "  title = {关于\\{A\\}\\_B 100\\% \\& \\#1 \\textasciitilde{}\\textasciicircum{}"
        "\\textbackslash{}},\n"
        "  number = {国发〔2017〕35号},\n"
        "  date = {2017-07-08},\n"
        "  year = {2017},\n"
        "  note = {三、（二）7.；据新闻报道摘要，非文件正式文本},\n"
        "  url = {" + URL + "},\n"
        "  urldate = {2026-12-01},\n"
        "  langid = {chinese}\n"
        "}\n")
    assert entry.count("{") == entry.count("}")


def test_citation_keys_are_ascii_without_separators():
    doc = Document(**{**DOC.__dict__, "id": "2017-01-24-tctjsjyl-bf"})
    assert cite.reference(doc, "3.2.7", URL, TODAY).key == "2017-01-24-tctjsjyl-bf:3.2.7"
    weird = Document(**{**DOC.__dict__, "id": "a b,c{d}"})
    assert cite.reference(weird, "3.2.7", URL, TODAY).key == "a-b-c-d-:3.2.7"


def test_csl_json_items_have_the_exact_shape():
    items = json.loads(cite.csl_json([ref(date="2018-03")]))
    assert items == [{
        "id": "gf-2017-35:3.2.7", "type": "document", "title": "新一代人工智能发展规划",
        "author": [{"literal": "国务院"}], "number": "国发〔2017〕35号",
        "issued": {"date-parts": [[2018, 3]]}, "section": "三、（二）7.", "URL": URL,
        "accessed": {"date-parts": [[2026, 12, 1]]}, "language": "zh-CN"}]


def test_a_press_summary_is_noted_in_the_reference():
    doc = Document(**DOC.__dict__)
    doc.press_summary = True
    assert "非文件正式文本" in cite.reference(doc, "3.2.7", URL, TODAY).note
    assert cite.reference(DOC, "3.2.7", URL, TODAY).note == ""
