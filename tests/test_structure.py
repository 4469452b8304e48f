"""Clause trees: one small fixture per numbering pattern (tests/fixtures/structure/), a
property test that no text is lost or duplicated, and the real corpus once the pipeline runs."""
from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from indexer.records import Clause, DraftDocument, Paragraph
from indexer.patterns import chinese_number, find_label
from indexer.structure import build_clauses, split_run_in

FIXTURES = Path(__file__).parent / "fixtures" / "structure"


def draft(paragraphs: list[str], notice: list[str] = ()) -> DraftDocument:
    return DraftDocument(source="fixture.txt", title="", doc_number="", issuers=[], date="",
                         doc_type="",
                         paragraphs=[Paragraph(text=t, line=i) for i, t in enumerate(paragraphs)],
                         notice=[Paragraph(text=t, line=0) for t in notice])


def fixture(name: str) -> list[str]:
    lines = (FIXTURES / name).read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line.strip() and not line.startswith("#")]


def clauses_of(name: str) -> dict[str, Clause]:
    return {c.id: c for c in build_clauses(draft(fixture(name)))}


def printed(clauses: list[Clause]) -> str:
    return "".join(c.label + c.heading + c.text for c in clauses)


def without_space(text: str) -> str:
    return re.sub(r"\s", "", text)


# --- numerals and labels --------------------------------------------------------------------

@pytest.mark.parametrize("numeral, value", [
    ("一", 1), ("九", 9), ("十", 10), ("十一", 11), ("二十", 20), ("二十三", 23), ("二十九", 29),
    ("九十九", 99), ("一百零五", 105), ("12", 12),
])
def test_chinese_number(numeral, value):
    assert chinese_number(numeral) == value


@pytest.mark.parametrize("text, style, label, number", [
    ("第二十九条 本办法自发布之日起实施。", "article", "第二十九条", 29),
    ("第二章 遴选条件", "chapter", "第二章", 2),
    ("第三节 评估", "division", "第三节", 3),
    ("十一、加强组织领导", "cn", "十一、", 11),
    ("（三）改革机制。", "paren_cn", "（三）", 3),
    ("(四) 基本原则", "paren_cn", "(四)", 4),
    ("21.完善机制。", "arabic", "21.", 21),
    ("1. 国家实验室", "arabic", "1.", 1),
    ("3、占领制高点。", "arabic", "3、", 3),
    ("2．优化结构。", "arabic", "2．", 2),
    ("（12）明确责任。", "paren_arabic", "（12）", 12),
    ("专栏 2 关键共性技术", "box", "专栏 2", 2),
])
def test_find_label(text, style, label, number):
    found = find_label(text)
    assert (found.style, found.label, found.number) == (style, label, number)


@pytest.mark.parametrize("text", [
    "6位科学家获奖。", "131个国家重点实验室", "3～5项", "2.5倍以上", "2013年9月", "（2021年）",
    "——坚持改革创新。", "第一步：到2020年", "一是加强领导。",
])
def test_amounts_and_bullets_are_no_labels(text):
    assert find_label(text) is None


def test_run_in_heading_is_the_first_sentence():
    assert split_run_in("改革评价机制。深入推进评价改革。") == ("改革评价机制。", "深入推进评价改革。")
    assert split_run_in("指导思想。") == ("指导思想。", "")
    assert split_run_in("指导思想") == ("指导思想", "")


# --- patterns -------------------------------------------------------------------------------

def test_chapters_and_articles():
    clauses = clauses_of("articles.txt")
    assert [c for c in clauses if c.startswith("ch-")] == ["ch-1", "ch-2", "ch-3"]
    assert [c for c in clauses if c.startswith("art-")] == [f"art-{n}" for n in range(1, 6)]
    assert clauses["ch-2"].heading == "遴选条件"
    second = clauses["art-2"]
    assert (second.label, second.heading, second.text, second.parent) == (
        "第二条", "", "本办法适用于各建设高校。", "ch-1")
    # an article's later paragraphs are its own text
    assert clauses["art-3"].text.split("\n") == [
        "建设高校应当具备下列条件：", "一流学科建设高校应具有居于国内前列的学科。", "人才培养方面，坚持立德树人。"]
    assert clauses["art-3"].parent == "ch-2" and clauses["art-5"].parent == "ch-3"


def test_sections_items_and_bullets():
    clauses = clauses_of("sections.txt")
    assert list(clauses) == ["p1", "1", "1.1", "1.2", "2", "2.1", "2.1.1", "2.1.1.1", "2.1.1.2",
                             "2.1.2", "2.2", "3"]
    assert clauses["p1"].kind == "preamble" and clauses["p1"].parent is None
    standalone = clauses["1.1"]
    assert (standalone.label, standalone.heading, standalone.text) == (
        "（一）", "指导思想。", "全面贯彻党的十九大精神。")
    # —— bullets are text of their parent, not clauses
    assert clauses["1.2"].heading == "基本原则"
    assert clauses["1.2"].text.count("——") == 2
    run_in = clauses["2.1"]
    assert (run_in.heading, run_in.text, run_in.parent) == (
        "改革评价机制。", "深入推进评价改革，完善分类评价。", "2")
    assert clauses["2.1.1"].text == "由同行专家提名。"
    assert clauses["2.1.1.1"].label == "（1）" and clauses["2.1.1.1"].parent == "2.1.1"
    assert clauses["2.1.2"].label == "2." and clauses["2.1.2"].heading == "完善评审专家遴选机制。"
    assert clauses["3"].text == "各地区各部门要加强组织领导。"
    kinds = {c.kind for c in clauses.values()}
    assert kinds == {"preamble", "section", "item"}


def test_items_that_are_only_sentences_are_text():
    parts = {c.id: (c.label, c.heading, c.text) for c in clauses_of("sentence_items.txt").values()}
    # one sentence, ending in 。 ； or ！ (closing quotes may follow), and nothing after it
    assert parts["1.1"] == ("（一）", "", "坚持创新驱动。")
    assert parts["1.2"] == ("（二）", "", "坚持开放合作；")
    assert parts["1.4"] == ("（四）", "", "坚持“四个面向”！")
    assert parts["2.1.1"] == ("1.", "", "支持自由探索。")
    assert parts["2.1.2"] == ("2.", "", "建设重大平台，完善运行机制。")
    assert parts["3"] == ("三、", "", "加强组织领导。")
    # a first sentence with more after it, in the paragraph, below it or as sub-items, is a heading
    assert parts["1.3"] == ("（三）", "坚持统筹推进。", "各地区要加强协调。")
    assert parts["2.2"] == ("（二）", "完善评价机制。", "深化项目评审改革。")
    assert parts["2.1"] == ("（一）", "加强基础研究。", "")
    # no sentence end: a heading, even with nothing under it
    assert parts["1.5"] == ("（五）", "指导思想", "全面贯彻党的十九大精神。")
    assert parts["2.3"] == ("（三）", "实行分类评价", "")
    assert parts["1"] == ("一、", "总体要求", "")


def test_label_out_of_sequence_is_body_text():
    clauses = clauses_of("false_heading.txt")
    assert list(clauses) == ["1", "1.1", "1.2", "2", "2.3"]
    assert clauses["1.2"].text.endswith("一、学术自由与学术规范相统一的原则。")
    assert "3.重复的编号不是新的条目。" in clauses["2.3"].text
    assert clauses["2.3"].text.endswith("十、不是下一个编号")


def test_global_and_restarting_numbering():
    clauses = clauses_of("global_numbering.txt")
    assert ["2.1.1", "2.1.2", "2.2.3", "2.2.4"] == [c for c in clauses if c.startswith("2.")
                                                   and c.count(".") == 2]
    assert clauses["2.2.3"].label == "3、" and clauses["2.2.3"].heading == "占领制高点。"
    assert clauses["3.1.1"].parent == "3.1"
    assert clauses["3.2.1"].parent == "3.2" and clauses["3.2.2"].label == "2."
    assert clauses["1"].text == "到2020年，基本建成创新体系。"


def test_half_width_labels():
    clauses = clauses_of("half_width.txt")
    assert list(clauses) == ["1", "1.1", "1.2", "1.2.1", "1.2.1.1"]
    assert clauses["1.2"].heading == "基本原则。"


def test_boxes_restart_numbering_and_end_when_it_resumes():
    clauses = clauses_of("box.txt")
    assert clauses["box-1"].kind == "box"
    assert (clauses["box-1"].label, clauses["box-1"].heading) == ("专栏1", "基础理论")
    assert clauses["box-1"].parent == "3.1.1"
    assert [c for c in clauses if c.startswith("box-1.")] == ["box-1.1", "box-1.2", "box-1.3"]
    assert clauses["box-1.2"].parent == "box-1"
    # 2. continues the body's numbering, so box 1 is over
    assert clauses["3.1.2"].parent == "3.1"
    assert clauses["3.1.2"].text.split("\n")[1] == "知识计算引擎与知识服务技术。重点突破知识加工。"
    assert clauses["box-2"].parent == "3.1.2" and "box-2.2" in clauses
    # a heading of an enclosing level ends a box too
    assert clauses["3.2"].parent == "3"
    assert clauses["box-3"].parent == "3.2" and clauses["box-3.1"].heading == "网络基础设施。"


def test_preface():
    clauses = clauses_of("preface.txt")
    assert list(clauses) == ["preface", "1", "2", "conclusion"]
    assert clauses["preface"].heading == "前言"
    assert clauses["conclusion"].parent is None
    assert clauses["conclusion"].text == "共建“一带一路”是一项长期工程。"
    assert clauses["preface"].text.count("\n") == 1
    assert clauses["1"].text.endswith("政策沟通。加强政府间合作。")


def test_task_records():
    clauses = clauses_of("tasks.txt")
    assert list(clauses) == ["p1", "s1", "s1.t1", "s1.t2", "s2", "s2.t1", "s2.t1.1", "s2.t1.2",
                             "s2.t2", "s2.t2.1", "s2.t2.2"]
    assert [clauses[s].kind for s in ("s1", "s1.t1", "s2.t1.1")] == ["section", "task", "item"]
    task = clauses["s1.t1"]
    assert task.heading == "以党组文件形式印发通知，提出明确要求"
    assert task.parent == "s1"
    assert task.fields == {"牵头院领导": "侯建国", "配合院领导": "汪克强", "牵头部门": "办公厅",
                           "具体举措": "以党组文件形式向全院印发通知。", "时间期限": "2021年9月底前完成。"}
    assert task.text.split("\n")[0] == "牵头院领导：侯建国"
    # sub-measures are children; the record's 时间期限 after them is still the record's
    reform = clauses["s2.t1"]
    assert reform.fields["时间期限"] == "2022年年底前完成。"
    assert clauses["s2.t1.2"].fields == {}
    # a body paragraph ending a sentence is no task title, even before a field line
    assert clauses["s2.t1.2"].text.split("\n")[1] == "同步修订配套管理办法。"
    assert reform.fields["具体举措"].startswith("（1）以国家重点实验室体系重组为重点")
    assert "时间期限" not in reform.fields["具体举措"]
    # sub-measures with their own field lines keep them
    advice = clauses["s2.t2"]
    assert advice.fields == {"牵头院领导": "周琪", "协助部门": "发展规划局"}
    assert advice.text.endswith("向国家有关部门提出具体建议：")
    assert clauses["s2.t2.1"].fields == {"牵头部门": "条件保障与财务局", "时间期限": "2021年年底前完成。"}
    assert clauses["s2.t2.2"].fields["牵头部门"] == "人事局"


def test_record_line_fills_the_item_fields():
    clauses = clauses_of("record_lines.txt")
    first = clauses["1.1.1"]
    assert first.heading == "提升本科教育质量"
    assert first.fields == {"牵头领导": "吴林志", "牵头部门": "本科生院"}
    assert first.text.endswith("（牵头领导：吴林志；牵头部门：本科生院）")
    assert clauses["1.1.2"].fields["牵头部门"] == "研究生院"


def test_closing_paragraph_after_the_last_item():
    clauses = clauses_of("closing.txt")
    assert clauses["2.3"].text == "做好宣传引导。"
    assert clauses["closing"].text == "各地区各部门要加强组织领导，抓好贯彻落实。"
    assert clauses["closing"].parent is None and list(clauses)[-1] == "closing"


def test_closing_after_a_short_last_list():
    clauses = clauses_of("closing_short_list.txt")
    assert clauses["2.1"].text == "建立联席会议制度。"
    assert clauses["closing"].text == "有关市政府要高度重视，主动帮助解决建设中的突出问题。"


def test_no_closing_when_siblings_differ():
    clauses = clauses_of("sections.txt")
    assert "closing" not in clauses


def test_structureless_document_is_one_clause():
    clauses = build_clauses(draft(fixture("structureless.txt")))
    assert len(clauses) == 1
    full = clauses[0]
    assert (full.id, full.kind, full.label, full.heading) == ("full", "paragraph", "", "")
    assert full.text.split("\n") == fixture("structureless.txt")


def test_cover_notice_is_its_own_clause():
    notice = ["各省、自治区、直辖市人民政府：", "现将《方案》印发给你们，请认真贯彻执行。"]
    clauses = build_clauses(draft(fixture("sections.txt"), notice))
    assert clauses[0].id == "notice" and clauses[0].kind == "notice"
    assert clauses[0].text == "\n".join(notice)
    assert clauses[1].id == "p1"


def test_empty_document_has_no_clauses():
    assert build_clauses(draft([])) == []


def test_ids_do_not_depend_on_what_precedes_the_document():
    body = fixture("sections.txt")
    alone = [c.id for c in build_clauses(draft(body))]
    with_notice = [c.id for c in build_clauses(draft(body, ["现将方案印发给你们。"]))]
    assert with_notice == ["notice"] + alone


# --- invariants -----------------------------------------------------------------------------

def check_tree(paragraphs: list[str], clauses: list[Clause]) -> None:
    """Every character exactly once, in order; unique ids; parents are earlier clauses."""
    assert without_space(printed(clauses)) == without_space("".join(paragraphs))
    ids = [c.id for c in clauses]
    assert len(ids) == len(set(ids))
    seen = set()
    for clause in clauses:
        assert clause.parent is None or clause.parent in seen
        seen.add(clause.id)


@pytest.mark.parametrize("name", sorted(p.name for p in FIXTURES.glob("*.txt")))
def test_fixture_loses_no_text(name):
    paragraphs = fixture(name)
    check_tree(paragraphs, build_clauses(draft(paragraphs)))


PIECES = ["一、", "二、", "三、", "十、", "（一）", "（二）", "(三)", "1.", "2.", "3、", "1. ",
          "（1）", "（2）", "第一章", "第二章 ", "第一节", "第一条 ", "第二条", "专栏1 ", "专栏2", "前言",
          "——", "牵头部门：", "具体举措：", "时间期限：", "（牵头领导：甲；牵头部门：乙）",
          "改革机制。", "深入推进", "加强领导", "。", "，", " "]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.sampled_from(PIECES), min_size=1, max_size=4).map("".join),
                max_size=25))
def test_random_documents_lose_no_text(paragraphs):
    check_tree(paragraphs, build_clauses(draft(paragraphs)))


# --- the real corpus ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def real_documents(corpus_dir) -> list[tuple[str, list[Clause]]]:
    """(title, clauses) of every document of the corpus, duplicates included."""
    from indexer.aliases import load_aliases
    from indexer.clean import clean
    from indexer.load import load_corpus
    from indexer.split import split

    aliases = load_aliases(corpus_dir)
    sources, _ = load_corpus(corpus_dir)
    return [(found.title, build_clauses(found))
            for source in sources for found in split(clean(source, aliases), source, aliases)]


def all_titled(documents: list[tuple[str, list[Clause]]], words: str) -> list[dict[str, Clause]]:
    return [{c.id: c for c in clauses} for title, clauses in documents if words in title]


def clauses_titled(documents: list[tuple[str, list[Clause]]], words: str) -> dict[str, Clause]:
    matching = all_titled(documents, words)
    assert len(matching) == 1, f"{words}: {len(matching)} documents"
    return matching[0]


def style_counts(clauses: dict[str, Clause]) -> Counter:
    return Counter(find_label(c.label).style for c in clauses.values() if c.label)


def test_real_measures_have_29_articles_under_7_chapters(real_documents):
    clauses = clauses_titled(real_documents, "统筹推进世界一流大学和一流学科建设实施办法")
    articles = [c for c in clauses.values() if c.kind == "article"]
    assert [c.id for c in articles] == [f"art-{n}" for n in range(1, 30)]
    chapters = [c.id for c in clauses.values() if c.kind == "chapter"]
    assert chapters == [f"ch-{n}" for n in range(1, 8)]
    assert all(c.parent.startswith("ch-") for c in articles)
    assert clauses["art-7"].text.count("\n") == 7      # 第七条 has 8 paragraphs
    assert clauses["ch-2"].heading == "遴选条件"


def test_real_cas_outline_has_25_items_under_its_five_parents(real_documents):
    clauses = clauses_titled(real_documents, "计划暨全面深化改革纲要")
    items = [c for c in clauses.values() if c.label.endswith("、") and c.label[0].isdigit()]
    assert [c.label for c in items] == [f"{n}、" for n in range(1, 26)]
    per_parent = Counter(c.parent for c in items)
    assert per_parent == {"3.1": 5, "3.2": 7, "3.3": 6, "3.4": 3, "3.5": 4}
    assert all(clauses[p].parent == "3" for p in per_parent)
    assert clauses["3.1.1"].heading.startswith("面向国家重大需求")
    assert clauses["4"].heading == "所需政策支持（略）"


def test_real_task_plan_has_40_task_records_with_fields(real_documents):
    clauses = clauses_titled(real_documents, "重点工作分工方案")
    sections = [c for c in clauses.values() if c.kind == "section"]
    tasks = [c for c in clauses.values() if c.kind == "task"]
    assert len(tasks) == 40
    assert all(t.fields.get("牵头院领导") for t in tasks)
    assert all(clauses[t.parent].kind == "section" for t in tasks)
    assert sum(1 for t in tasks if "具体举措" in t.fields) == 39
    assert sections[0].heading == "组织部署全院学习贯彻大会精神的相关工作"
    assert len(sections) >= 14
    measures = [c for c in clauses.values() if c.parent and clauses[c.parent].kind == "task"]
    assert len(measures) == 37 and all(c.label.startswith("（") for c in measures)


def test_real_action_plan_items_carry_their_record_lines(real_documents):
    clauses = clauses_titled(real_documents, "建设三年行动计划")
    items = [c for c in clauses.values() if c.label and find_label(c.label).style == "arabic"]
    assert len(items) == 20
    assert all(set(c.fields) == {"牵头领导", "牵头部门"} for c in items)
    assert clauses["4.2.6"].fields == {"牵头领导": "吴林志", "牵头部门": "研究生院"}


def test_real_ai_plan_has_four_boxes(real_documents):
    clauses = clauses_titled(real_documents, "新一代人工智能发展规划")
    boxes = [c for c in clauses.values() if c.kind == "box"]
    assert [b.id for b in boxes] == ["box-1", "box-2", "box-3", "box-4"]
    items = Counter(c.parent for c in clauses.values() if c.parent and c.parent.startswith("box-"))
    assert [items[b.id] for b in boxes] == [8, 8, 5, 3]
    assert style_counts(clauses) == {"cn": 6, "paren_cn": 23, "arabic": 12 + 24, "box": 4}


# Per document: numbered clauses per style, as counted by eye (docs/corpus field notes, §2).
REAL_COUNTS = [
    ("深化高等教育领域简政放权", {"cn": 8, "paren_cn": 20}),
    ("全面深化新时代教师队伍建设改革", {"cn": 6, "arabic": 27}),
    ("分类推进人才评价机制改革", {"cn": 5, "paren_cn": 18}),
    ("全面加强基础科学研究", {"cn": 6, "paren_cn": 23}),
    ("国家技术转移体系建设方案", {"cn": 5, "paren_cn": 22}),
    ("深化产教融合", {"cn": 7, "paren_cn": 30}),
    ("深化科技奖励制度改革", {"cn": 3, "paren_cn": 9, "arabic": 7}),
    ("推动国防科技工业军民融合", {"cn": 8, "paren_cn": 31}),
    ("愿景与行动", {"cn": 8}),
    ("部分省市对口合作工作方案", {"cn": 4, "paren_cn": 13, "arabic": 18}),
    ("振兴东北科技成果转移转化", {"cn": 3, "paren_cn": 14, "arabic": 30}),
    ("支持哈尔滨工业大学", {"cn": 7, "paren_cn": 16}),
    ("建设三年行动计划", {"cn": 5, "paren_cn": 8, "arabic": 20}),
    ("计划暨全面深化改革纲要", {"cn": 4, "paren_cn": 5, "arabic": 25}),
    ("中国科学技术协会事业发展", {"cn": 10, "paren_cn": 3, "arabic": 38}),
]


@pytest.mark.parametrize("words, counts", REAL_COUNTS)
def test_real_numbering_counts(real_documents, words, counts):
    assert style_counts(clauses_titled(real_documents, words)) == counts


def test_real_infrastructure_plan_copies_have_four_levels(real_documents):
    copies = all_titled(real_documents, "国家科技创新基地与条件保障能力建设专项规划")
    assert len(copies) == 2
    for clauses in copies:
        assert style_counts(clauses) == {"cn": 4, "paren_cn": 17, "arabic": 25, "paren_arabic": 15}


@pytest.mark.parametrize("words", ["深化高等教育领域简政放权", "分类推进人才评价机制改革",
                                   "推动国防科技工业军民融合", "支持哈尔滨工业大学"])
def test_real_closing_paragraphs(real_documents, words):
    clauses = clauses_titled(real_documents, words)
    closing = clauses["closing"]
    assert closing.parent is None and closing.text.endswith("。")
    assert list(clauses)[-1] == "closing"


def test_real_last_items_keep_their_paragraphs(real_documents):
    for words in ("新一代人工智能发展规划", "国家技术转移体系建设方案", "建设三年行动计划"):
        assert "closing" not in clauses_titled(real_documents, words)


def test_real_preface_and_digest(real_documents):
    vision = clauses_titled(real_documents, "愿景与行动")
    assert list(vision)[0] == "preface"
    digest = clauses_titled(real_documents, "中外人文交流")
    assert [c.id for c in digest.values()] == ["full"]


def test_real_cover_notices(real_documents):
    for words in ("中国科学技术协会事业发展", "重点工作分工方案"):
        first = next(iter(clauses_titled(real_documents, words).values()))
        assert (first.id, first.kind) == ("notice", "notice")


def test_real_ids_are_unique_and_parents_precede(real_documents):
    for title, clauses in real_documents:
        ids = [c.id for c in clauses]
        assert len(ids) == len(set(ids)), title
        for i, clause in enumerate(clauses):
            assert clause.parent is None or clause.parent in ids[:i], (title, clause.id)


def test_long_first_sentence_makes_a_list_of_plain_provisions():
    clauses = clauses_of("plain_provisions.txt")
    assert clauses["1.1"].heading == "" and clauses["1.1"].text.startswith("将一流大学建设纳入")
    assert clauses["1.2"].heading == ""
    assert clauses["1.2"].text == "支持学生学习实践基地建设。接受优秀学生开展实习实训。"
    # another list keeps its run-in headings
    assert clauses["2.1"].heading == "加强组织领导。"


def test_clashing_ids_get_a_deterministic_suffix():
    clauses = build_clauses(draft(["前言", "第一段。", "前言", "第二段。", "一、总体要求"]))
    assert [c.id for c in clauses] == ["preface", "preface-2", "1"]


def test_divisions_inside_chapters_and_items_inside_articles():
    clauses = clauses_of("divisions.txt")
    assert list(clauses) == ["ch-1", "art-1", "ch-2", "ch-2.sec-1", "art-2", "art-2.1", "art-2.2",
                             "ch-2.sec-2", "art-3", "ch-3", "art-4"]
    assert clauses["ch-2.sec-1"].heading == "遴选" and clauses["ch-2.sec-1"].parent == "ch-2"
    assert clauses["art-2"].parent == "ch-2.sec-1" and clauses["art-3"].parent == "ch-2.sec-2"
    assert clauses["art-2.2"].label == "（二）" and clauses["art-2.2"].parent == "art-2"
    assert clauses["art-4"].parent == "ch-3"
