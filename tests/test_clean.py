"""Cleaning: paragraphs rebuilt from physical lines, artifacts dropped, text normalised."""
from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from indexer.clean import clean, normalise_punctuation, remove_cjk_spaces
from indexer.load import load_corpus, load_file
from indexer.records import SourceFile

FIXTURES = Path(__file__).parent / "fixtures" / "clean"
IDEOGRAPH = re.compile("[\u3400-\u4dbf\u4e00-\u9fff]")
ISSUERS = ("中共中央", "国务院", "教育部", "财政部", "国家发展改革委", "科技部", "中央编办")


def paragraphs(name: str) -> list[str]:
    return [p.text for p in clean(load_file(FIXTURES / name, name)).paragraphs]


# --- the real corpus ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def corpus(corpus_dir):
    sources, _ = load_corpus(corpus_dir)
    return {source.name: (source, clean(source)) for source in sources}


def cleaned(corpus, marker: str):
    """The cleaned file whose text contains `marker` (tests do not depend on file names)."""
    [found] = [c for s, c in corpus.values() if marker in s.text]
    return [p.text for p in found.paragraphs]


def test_no_artifact_survives_in_any_paragraph(corpus):
    for _, result in corpus.values():
        for paragraph in result.paragraphs:
            text = paragraph.text
            assert "[bookmark" not in text and "\t" not in text and "<u>" not in text
            assert not re.search(r"\*\*[^*]+\*\*", text), text
            assert not text.startswith("- ")
            assert not re.fullmatch(r"-?\d{1,4}", text), text
            assert text == text.strip() and "  " not in text


def test_no_half_width_punctuation_left_in_chinese_context(corpus):
    for _, result in corpus.values():
        for paragraph in result.paragraphs:
            assert not re.search(r"[\u4e00-\u9fff][,:;()\"?!]|[,:;()\"?!][\u4e00-\u9fff]",
                                 paragraph.text), paragraph.text


def test_nothing_but_artifacts_is_lost(corpus):
    for source, result in corpus.values():
        kept = "".join(p.text for p in result.paragraphs) + "".join(result.artifacts)
        assert Counter(IDEOGRAPH.findall(source.text)) == Counter(IDEOGRAPH.findall(kept))


def test_paragraphs_come_in_source_order(corpus):
    for _, result in corpus.values():
        lines = [p.line for p in result.paragraphs]
        assert lines == sorted(lines) and len(set(lines)) == len(lines)


def test_a_gb18030_copy_with_windows_line_ends_cleans_the_same(corpus, tmp_path):
    for source, result in corpus.values():
        copy = tmp_path / "copy.txt"
        copy.write_bytes(source.text.replace("\n", "\r\n").encode("gb18030"))
        assert clean(load_file(copy, "copy.txt")).paragraphs == result.paragraphs, source.name


def test_paragraph_counts_match_the_field_notes(corpus):
    # physical lines with text, minus wraps re-joined, page numbers and the table of contents
    assert len(cleaned(corpus, "率先行动")) == 80 - 16
    assert len(cleaned(corpus, "科 技 部 国 家")) == 148 - 19
    assert len(cleaned(corpus, "科协发智字")) == 160 - 52 - 1 - 16
    assert len(cleaned(corpus, "牵头院领导")) == 310 - 5            # two titles over 4 and 3 lines
    assert len(cleaned(corpus, "统筹推进世界一流大学")) == 1088 - 4   # trailing spaces minus page numbers


def test_pdf_export_rejoins_wraps_page_breaks_and_cut_sentences(corpus):
    text = "\n".join(cleaned(corpus, "统筹推进世界一流大学"))
    assert "（国发〔2015〕64号，以下简称" in text        # 文号 wrapped across lines
    assert "（国发〔2015〕64号）和教育部" in text         # … and with a space before 号
    assert "智能监控等技术和装备" in text                # sentence cut by page number 88
    assert "突出矛盾和问题，重点推动学习借鉴" in text      # sentence cut by page number 100
    assert "实行符合高校特点和发展要求" in text            # page break inside a sentence


def test_pdf_export_keeps_metadata_lines_apart(corpus):
    paragraphs = cleaned(corpus, "统筹推进世界一流大学")
    for own_line in ("2017年1月24日", "2018年2月", "2017年12月", "国发〔2017〕44号",
                     "国科发基〔2017〕322号", "国发〔2017〕35号", "教政法〔2017〕7号",
                     "中共中央 国务院", "教育部 财政部 国家发展改革委",
                     "教育部 中央编办 发展改革委", "国务院国家技术转移体系建设方案"):
        assert own_line in paragraphs, own_line
    after_date = paragraphs[paragraphs.index("2017年1月24日") + 1]
    assert after_date == "教育部 中央编办等"
    # the false heading 一、学术自由… is the wrapped tail of item 7
    assert not any(p.startswith("一、学术自由") for p in paragraphs)
    assert any("学术自由与学术规范相统一" in p and p.startswith("7.") for p in paragraphs)
    assert any(p.startswith("第十七条") for p in paragraphs)       # heading at a page start


def test_line_model_rejoins_paragraphs_split_by_a_blank_line(corpus):
    paragraphs = cleaned(corpus, "率先行动")
    assert "在我国实施创新驱动发展战略" in "".join(paragraphs)
    assert any(p.startswith("9、围绕战略性新兴产业，组织开展技术研发和协同创新，") for p in paragraphs)
    assert paragraphs[:3] == ["中国科学院", "“率先行动”计划暨全面深化改革纲要",
                              "（2014年7月7日经国家深化科技体制改革和创新体系建设领导小组第七次会议审议通过）"]
    assert any(p.startswith("——具有支撑和引领经济社会发展的创新能力。自主研发") for p in paragraphs)


def test_wrapped_headings_are_joined_and_stay_standalone(corpus):
    paragraphs = cleaned(corpus, "科 技 部 国 家")
    heading = "4.科技基础条件保障能力建设成效显著，为科学研究和创新活动提供重要手段和保障"
    assert heading in paragraphs
    assert paragraphs[paragraphs.index(heading) + 1].startswith("“十二五”以来")
    assert "科技部国家发展改革委财政部" in paragraphs        # letter-spaced signature
    assert "（四）加强基础支撑与条件保障类国家科技创新基地建设" in paragraphs


def test_ocr_table_of_contents_is_dropped(corpus):
    paragraphs = cleaned(corpus, "科协发智字")
    note = "（2021年5月30日中国科学技术协会第十次全国代表大会通过）"
    assert paragraphs[paragraphs.index(note) + 1].startswith("以习近平新时代中国特色社会主义思想为指导")
    assert paragraphs[paragraphs.index(note) + 2] == "一、开创新发展阶段科协事业新局面"
    assert sum(p.startswith("四、实施科技经济融合行动") for p in paragraphs) == 1
    assert not any(re.search(r"[\u4e00-\u9fff]\d{1,2}$", p) for p in paragraphs)
    assert "中国科协 2021年8月27日" in paragraphs
    assert any(p.startswith("2.弘扬科学精神和科学家精神。") for p in paragraphs)
    assert "群体智慧" in "".join(paragraphs) and "适应新形势" in "".join(paragraphs)


def test_task_list_fields_stay_one_per_paragraph(corpus):
    paragraphs = cleaned(corpus, "牵头院领导")
    assert paragraphs[0] == ("中共中国科学院党组关于印发《中共中国科学院党组贯彻落实习近平总书记"
                             "在两院院士大会上重要讲话和大会精神重点工作分工方案》的通知")
    date = paragraphs.index("2021年9月28日")
    assert paragraphs[date + 1] == ("中共中国科学院党组贯彻落实习近平总书记"
                                    "在两院院士大会上重要讲话和大会精神重点工作分工方案")
    assert sum(p.startswith("牵头院领导：") for p in paragraphs) == 40
    assert sum(p.startswith("具体举措：") for p in paragraphs) == 39
    assert "牵头部门：科技促进发展局" in paragraphs           # bookmark tag removed


# --- fixtures: one per pattern ------------------------------------------------------------------------

def test_trailing_space_model():
    assert paragraphs("trailing_space.txt") == [
        "教育部 财政部 国家发展改革委",
        "关于加强高校科技创新的实施办法（暂行）",
        "第一章总则",
        "第一条为贯彻落实《统筹推进世界一流大学和一流学科建设总体方案》（国发〔2015〕64号），制定本办法。",
        "第二条到2020年，若干所大学和一批学科进入世界一流行列。",
        "第三条每五年一个建设周期，2016年开始新一轮建设。建设高校要坚持以学科为基础，支持建设一百个左右学科。",
        "实行符合高校特点和发展要求的薪酬制度。",      # page break: second line starts with a space
        "负责人依法依规予以处理。",
        "（四）高校依法自主管理岗位设置。",            # heading at a page start
        "鼓励金融行业应用智能客服、智能监控等技术和装备。",   # page number 88 cut the sentence
        "教育部 财政部 国家发展改革委",
        "2017年1月24日",                                # date touching the next document
        "国务院关于全面加强基础科学研究的若干意见",
        "国发〔2018〕4号",                              # title touching its 文号
        "基础科学研究是整个科学体系的源头。",
        "国务院",
        "2018年2月",                                     # date without a day
    ]


def test_trailing_space_model_records_page_numbers_as_artifacts():
    result = clean(load_file(FIXTURES / "trailing_space.txt", "trailing_space.txt"))
    assert result.artifacts == ["88"]
    assert [p.line for p in result.paragraphs][:4] == [1, 3, 5, 7]


def test_line_model():
    assert paragraphs("blank_wraps.txt") == [
        "中国科学院",                                    # issuer header
        "“率先行动”计划暨全面深化改革纲要",              # title
        "（2014年7月7日经领导小组第七次会议审议通过）",   # bracketed note
        "当前，创新型国家建设已进入决定性阶段，只有抢抓机遇，加快实现“四个率先”，"
        "带动和引领我国实现由科技大国向科技强国的转变。",
        "一、基础、优势和差距分析",
        "4.科技基础条件保障能力建设成效显著，为科学研究和创新活动提供重要手段和保障",
        "通过实施重大科学仪器设备研制和开发专项，攻克了一批关键技术。",
        "1、面向国家重大需求，组建若干科研任务与国家战略紧密结合的创新研究院。坚持目标导向。",
        "2、面向基础科学前沿，建设一批卓越创新中心。探索新机制。",
        "3、依托重大科技基础设施，建设一批大科学研究中心。开放共享。",
        "经过评审，共有6位科学家获得资助，2013年9月起实施。",   # amounts are not item labels
        "聚焦科技促进发展（Science for Policy）和STS Network项目。",
        "——坚持党的领导，聚焦靶心。着力加强党的建设。",
        "——坚持守正创新，深化改革。遵循发展规律，适应新形势新要求。",
        "2.弘扬科学精神和科学家精神。开展“自立自强、创新争先”行动，支持人大代表和"
        "政协委员中的科技工作者参与政治协商。",          # page number -20 cut the sentence
        "科技部国家发展改革委财政部",                    # letter-spaced signature collapses
        "2017年10月24日",
        "中国科协 2021年8月27日",                        # issuer and date on one line
    ]


def test_line_model_records_list_prefixes_and_page_numbers_in_order():
    result = clean(load_file(FIXTURES / "blank_wraps.txt", "blank_wraps.txt"))
    assert result.artifacts == ["- ", "- ", "- ", "-20"]


def test_touching_lines_are_separate_except_wrapped_titles():
    assert paragraphs("field_lines.txt") == [
        "中共中国科学院党组关于印发《中共中国科学院党组贯彻落实大会精神重点工作分工方案》的通知",
        "院属各单位、院机关各部门：",
        "现将《分工方案》印发给你们，请认真贯彻落实。",
        "中共中国科学院党组",
        "2021年9月28日",
        "中共中国科学院党组贯彻落实大会精神重点工作分工方案",
        "坚持问题导向，强化国家战略科技力量",
        "组织部署全院学习贯彻大会精神的相关工作",
        "牵头院领导：侯建国",
        "牵头部门：前沿科学与教育局、条件保障与财务局",
        "具体举措：",
        "（1）会同财政部制定试点方案。",
        "（2）组织开展首批青年团队的征集。",
        "时间期限：2021年9月底前完成。",
    ]


def test_fixed_width_model_joins_full_lines_until_an_indent_or_heading():
    assert paragraphs("fixed_width.txt") == [
        "国务院关于全面加强基础科学研究的若干意见",
        "国发〔2018〕4号",
        "各省、自治区、直辖市人民政府，国务院各部委、各直属机构：",
        "基础科学研究是整个科学体系的源头，是所有技术问题的总机关。"
        "一个国家基础科学研究的深度和广度，决定着这个国家原始创新的动力和活力。",
        "一、总体要求",
        "（一）指导思想。全面贯彻落实党的十九大精神，坚持创新驱动发展战略，"
        "到2020年基础科学研究整体水平和国际影响力显著提升，在若干重要领域跻身世界先进行列。",
        "（二）基本原则。坚持面向世界科技前沿，围绕国家重大战略需求，聚焦重大科学问题。",
        "国务院",
        "2018年1月19日",
    ]


def test_a_date_inside_a_wrapped_sentence_does_not_stand_alone():
    source = SourceFile(name="x.txt", kind="txt", encoding="utf-8",
                        text="本办法自发布之日起施行，有效期至2020年12月\n\n底。")
    assert [p.text for p in clean(source).paragraphs] == ["本办法自发布之日起施行，有效期至2020年12月底。"]


def test_bookmark_tags_are_artifacts():
    result = clean(load_file(FIXTURES / "field_lines.txt", "field_lines.txt"))
    assert result.artifacts == ["[bookmark: _Hlk74669863]"]


def test_table_of_contents_is_dropped_up_to_its_last_entry():
    result = clean(load_file(FIXTURES / "toc.txt", "toc.txt"))
    assert [p.text for p in result.paragraphs] == [
        "中国科学技术协会事业发展“十四五”规划（2021—2025年）",
        "以习近平新时代中国特色社会主义思想为指导，编制本规划。",
        "一、开创新发展阶段科协事业新局面",
        "1.全面宣传贯彻党的路线方针政策。全面深入学习宣传贯彻。",
    ]
    assert result.artifacts[0] == "目 录"
    assert result.artifacts[-1] == "38 加强规划实施的评估考核\t23"
    assert len(result.artifacts) == 9


def test_a_contents_heading_without_entries_is_text():
    assert paragraphs("not_toc.txt") == ["目录", "本目录收录了近年来发布的科技政策文件，按时间排列。"]


def test_markdown_bold_is_removed_but_masking_asterisks_are_text():
    source = SourceFile(name="x.txt", kind="txt", encoding="utf-8",
                        text="——**具有创新能力。**自主研发。\n\n哈尔滨中******技创新。")
    result = clean(source)
    assert [p.text for p in result.paragraphs] == ["——具有创新能力。自主研发。", "哈尔滨中＊＊＊＊＊＊技创新。"]
    assert result.artifacts == ["**", "**"]


# --- normalisers -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("raw, normalised", [
    ("科协,学会:目标;完成", "科协，学会：目标；完成"),
    ("(一)指导思想", "（一）指导思想"),
    ("(1) 优化布局", "（1） 优化布局"),
    ("规划 (2021—2025年》", "规划 （2021—2025年》"),
    ('秉承"科协在身边"宗旨,"活动建家"', "秉承“科协在身边”宗旨，“活动建家”"),
    ("是否可行?必须落实!", "是否可行？必须落实！"),
    ("1.完成 5G 网络,2.5 亿元", "1.完成 5G 网络，2.5 亿元"),
    ("访问 https://www.gov.cn/a,b 查询", "访问 https://www.gov.cn/a,b 查询"),
    ("10:30 开会", "10:30 开会"),
    ("Science for Policy (S4P)", "Science for Policy (S4P)"),
])
def test_normalise_punctuation(raw, normalised):
    assert normalise_punctuation(raw) == normalised


@pytest.mark.parametrize("raw, normalised", [
    ("群体智 慧", "群体智慧"),
    ("国发〔2017〕44 号", "国发〔2017〕44号"),
    ("国发〔2015〕 64 号", "国发〔2015〕64号"),
    ("2017年 1月 24日", "2017年1月24日"),
    ("2021 年 8 月 27 日", "2021年8月27日"),
    ("到 2020年", "到2020年"),
    ("Science for Policy", "Science for Policy"),
    ("科 技 部 国 家 发 展 改 革 委 财 政 部", "科技部国家发展改革委财政部"),
    ("目 录", "目录"),
    ("中共中央 国务院", "中共中央 国务院"),
    ("教育部 财政部 国家发展改革委", "教育部 财政部 国家发展改革委"),
    ("中共中央 国务院关于全面深化改革的意见", "中共中央 国务院关于全面深化改革的意见"),
    ("科技部 国家发展改革委 财政部关于印发 《规划》", "科技部 国家发展改革委 财政部关于印发《规划》"),
    ("国务院 2018年1月19日", "国务院 2018年1月19日"),
    ("教育部 中央编办等", "教育部 中央编办等"),
])
def test_remove_cjk_spaces(raw, normalised):
    assert remove_cjk_spaces(raw, ISSUERS) == normalised


# Text mixing ideographs, Latin, digits, spaces and the punctuation the normalisers touch.
mixed_text = st.text(alphabet=st.sampled_from(list("科技部国务院年月日号〔〕，。（）“”abcXY0129 ,:;()\"?!*.-")),
                     max_size=40)


@given(mixed_text)
def test_normalisers_never_change_a_chinese_character_and_are_idempotent(text):
    for normalise in (normalise_punctuation, lambda t: remove_cjk_spaces(t, ISSUERS)):
        once = normalise(text)
        assert IDEOGRAPH.findall(once) == IDEOGRAPH.findall(text)
        assert normalise(once) == once


@given(mixed_text)
def test_remove_cjk_spaces_only_removes_spaces(text):
    assert remove_cjk_spaces(text, ISSUERS).replace(" ", "") == text.replace(" ", "")
