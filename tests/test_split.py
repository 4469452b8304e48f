"""split: documents cut out of a file, with title, 文号, issuers, date and type.

Fixtures in tests/fixtures/split/ hold one cleaned paragraph per line, one file per pattern.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from indexer.aliases import load_aliases
from indexer.clean import clean
from indexer.load import load_corpus
from indexer.records import CleanText, DocumentMeta, Paragraph, SourceFile
from indexer.split import doc_type, issuer_list, parse_date_line, split

FIXTURES = Path(__file__).parent / "fixtures" / "split"


@pytest.fixture(scope="module")
def aliases():
    return load_aliases()


def split_fixture(name: str, aliases, meta: DocumentMeta | None = None):
    lines = (FIXTURES / name).read_text(encoding="utf-8").splitlines()
    paragraphs = [Paragraph(text=text, line=n) for n, text in enumerate(lines, 1)]
    source = SourceFile(name=name, kind="txt", encoding="utf-8", text="\n".join(lines),
                        meta=meta or DocumentMeta())
    return split(CleanText(source=name, paragraphs=paragraphs, artifacts=[]), source, aliases)


def metadata(draft):
    return (draft.title, draft.doc_number, draft.issuers, draft.date, draft.doc_type)


def test_compilation_is_cut_after_each_date_line(aliases):
    drafts = split_fixture("compilation.txt", aliases)
    assert [metadata(d) for d in drafts] == [
        # separate issuer header "…等": the signature (run over two lines) is the full list
        ("推进高水平大学建设实施办法（暂行）", "", ["教育部", "财政部", "国家发展改革委"],
         "2017-01-24", "办法"),
        # issuer fused with 关于 stays in the title; the 文号 comes after the title
        ("国务院关于加强基础研究的若干意见", "国发〔2018〕4号", ["国务院"], "2018-01-19", "意见"),
        # issuer fused without 关于 is a header run into the title; a date without a day
        ("区域科技合作工作方案", "国办发〔2017〕22号", ["国务院办公厅"], "2017-12", "方案"),
        # no issuer anywhere but the signature; a date in Chinese numerals
        ("某某大学“双一流”建设三年行动计划", "", ["中共某某大学委员会"], "2017-11-27", "行动计划"),
    ]


def test_a_cited_doc_number_is_not_the_documents_own(aliases):
    first = split_fixture("compilation.txt", aliases)[0]
    assert first.doc_number == ""
    assert any("国发〔2015〕64号" in p.text for p in first.paragraphs)


def test_metadata_lines_are_consumed_and_body_kept_in_order(aliases):
    second = split_fixture("compilation.txt", aliases)[1]
    assert [p.text for p in second.consumed] == [
        "国务院关于加强基础研究的若干意见", "国发〔2018〕4 号", "国务院", "2018年 1月 19日"]
    assert [p.text for p in second.paragraphs] == [
        "各省、自治区、直辖市人民政府，国务院各部委、各直属机构：", "一、重要意义",
        "基础研究是整个科学体系的源头。"]


def test_no_paragraph_is_lost_or_repeated(aliases):
    for fixture in sorted(FIXTURES.glob("*.txt")):
        drafts = split_fixture(fixture.name, aliases)
        seen = sorted(p.line for d in drafts for p in d.consumed + d.notice + d.paragraphs)
        lines = fixture.read_text(encoding="utf-8").splitlines()
        assert seen == list(range(1, len(lines) + 1)), fixture.name


def test_cover_notice_belongs_to_the_document_it_publishes(aliases):
    [draft] = split_fixture("cover_notice.txt", aliases)
    assert metadata(draft) == ("中国科学技术协会事业发展“十四五”规划（2021—2025年）",
                               "科协发智字〔2021〕30号", ["中国科协"], "2021-08-27", "规划")
    assert [p.text for p in draft.notice] == [
        "各全国学会、协会、研究会：", "中国科协第十次全国代表大会审议通过了规划，现印发给你们。"]
    assert draft.paragraphs[0].text == "一、开创新发展阶段科协事业新局面"
    # letterhead, 文号, notice title, issuer+date line, title, adoption note
    assert len(draft.consumed) == 6


def test_attachment_label_and_doc_number_under_the_notice_title(aliases):
    [draft] = split_fixture("attachment_label.txt", aliases)
    assert metadata(draft) == ("高校科技创新行动计划", "教技〔2018〕5号", ["教育部"], "2018-03-01",
                               "行动计划")
    assert len(draft.notice) == 2
    assert [p.text for p in draft.paragraphs][0] == "一、总体目标"


def test_a_notice_without_the_document_it_publishes_is_a_notice(aliases):
    lines = (FIXTURES / "attachment_label.txt").read_text(encoding="utf-8").splitlines()[:6]
    paragraphs = [Paragraph(text=text, line=n) for n, text in enumerate(lines, 1)]
    source = SourceFile(name="notice.txt", kind="txt", encoding="utf-8", text="\n".join(lines))
    [draft] = split(CleanText(source="notice.txt", paragraphs=paragraphs, artifacts=[]), source,
                    aliases)
    assert metadata(draft) == ("教育部关于印发《高校科技创新行动计划》的通知", "教技〔2018〕5号",
                               ["教育部"], "2018-03-01", "通知")


def test_postscript_after_the_date_stays_with_its_document(aliases):
    # also: a notice title that names the published document without 《》
    [draft] = split_fixture("postscript.txt", aliases)
    assert metadata(draft) == ("新一代人工智能发展规划", "国发〔2017〕35号", ["国务院"], "2017-07-08", "规划")
    assert [p.text for p in draft.notice][-1] == "（此件公开发布）"


def test_colophon_after_the_date_is_metadata_not_body(aliases):
    [draft] = split_fixture("colophon.txt", aliases)
    assert metadata(draft) == ("中国科协办公厅关于开展测试工作的通知", "", ["中国科协办公厅"],
                               "2021-08-27", "通知")
    colophon = ["抄送：中国科协机关各部门，各直属单位。", "中国科协办公厅", "2021年8月30日印发"]
    assert [p.text for p in draft.consumed][-3:] == colophon
    assert not set(colophon) & {p.text for p in draft.paragraphs}


def test_colophon_closing_an_unsigned_document_is_metadata(aliases):
    [draft] = split_fixture("colophon_unsigned.txt", aliases)
    assert [p.text for p in draft.paragraphs][-1] == "二、加强组织实施。各单位要认真落实。"
    assert [p.text for p in draft.consumed][-3:] == [
        "抄送：中国科协机关各部门，各直属单位。", "中国科协办公厅", "2021年8月30日印发"]


def test_letter_spaced_signature_and_wrapped_titles(aliases):
    [draft] = split_fixture("letter_spaced.txt", aliases)
    assert metadata(draft) == ("“十三五”国家科技创新基地建设专项规划", "",
                               ["科技部", "国家发展改革委", "财政部"], "2017-10-24", "规划")
    assert draft.paragraphs[0].text.startswith("科技创新基地")


def test_adoption_note_gives_the_date_when_nothing_is_signed(aliases):
    [draft] = split_fixture("adoption_note.txt", aliases)
    assert metadata(draft) == ("中国科学院“率先行动”计划暨全面深化改革纲要", "", ["中国科学院"],
                               "2014-07-07", "纲要")
    assert draft.paragraphs[0].text.startswith("2013年7月17日")


def test_a_date_under_the_title_does_not_cut_the_file(aliases):
    [draft] = split_fixture("date_under_title.txt", aliases)
    assert metadata(draft) == ("中国科学院关于深化科研院所改革的决定", "", ["中国科学院"],
                               "2019-03-01", "决定")
    assert len(draft.consumed) == 2 and len(draft.paragraphs) == 2


def test_structureless_file_is_one_document_titled_by_its_first_sentence(aliases):
    [draft] = split_fixture("structureless.txt", aliases)
    assert draft.title == "这是一段没有标题、没有日期、也没有编号的说明文字"
    assert (draft.doc_number, draft.issuers, draft.date, draft.doc_type) == ("", [], "", "其他")
    assert len(draft.paragraphs) == 2 and draft.consumed == []


def test_stated_metadata_overrides_what_is_inferred(aliases):
    meta = DocumentMeta(title="关于某事的通知", doc_number="国发〔2020〕1 号", date="2020-05-06",
                        issuers=["国务院"])
    [draft] = split_fixture("structureless.txt", aliases, meta)
    assert metadata(draft) == ("关于某事的通知", "国发〔2020〕1号", ["国务院"], "2020-05-06", "通知")


def test_traditional_characters_are_read_but_kept_as_printed(aliases):
    [draft] = split_fixture("traditional.txt", aliases)
    assert metadata(draft) == ("國務院關於全面加強基礎科學研究的若干意見", "國發〔2018〕4號", ["国务院"],
                               "2018-01-19", "意见")


def test_stated_title_and_a_body_that_opens_with_a_heading(aliases):
    # an HTML page: the title only in its metadata, the body starts with a numbered heading
    paragraphs = [Paragraph(text="一、总体要求", line=1), Paragraph(text="加强科研诚信建设。", line=2)]
    source = SourceFile(name="page.html", kind="html", encoding="utf-8", text="",
                        meta=DocumentMeta(title="科技部关于加强科研诚信建设的通知"))
    [draft] = split(CleanText(source="page.html", paragraphs=paragraphs, artifacts=[]), source,
                    aliases)
    assert metadata(draft) == ("科技部关于加强科研诚信建设的通知", "", ["科技部"], "", "通知")
    assert draft.paragraphs == paragraphs and draft.consumed == []


def test_stated_doc_type_is_read_as_a_canonical_type(aliases):
    [draft] = split_fixture("structureless.txt", aliases, DocumentMeta(doc_type="实施方案"))
    assert draft.doc_type == "方案"


def test_stated_metadata_is_ignored_for_a_compilation(aliases):
    drafts = split_fixture("compilation.txt", aliases, DocumentMeta(title="汇编", date="2020-01-01"))
    assert [d.title for d in drafts][0] == "推进高水平大学建设实施办法（暂行）"
    assert "2020-01-01" not in [d.date for d in drafts]


def test_empty_file_has_no_documents(aliases):
    source = SourceFile(name="empty.txt", kind="txt", encoding="utf-8", text="")
    cleaned = CleanText(source="empty.txt", paragraphs=[Paragraph(text="  ", line=1)], artifacts=[])
    assert split(cleaned, source, aliases) == []


@pytest.mark.parametrize("line, expected", [
    ("2017年 1月 24日", ([], "2017-01-24")),
    (" 2018年 2月 ", ([], "2018-02")),
    ("中国科协 2021 年 8 月 27 日", (["中国科协"], "2021-08-27")),
    ("二〇一七年十二月五日", ([], "2017-12-05")),
    ("２０１７年１０月２４日", ([], "2017-10-24")),
    ("二〇一七年二十四月", None),
    ("2017年十十月", None),
    ("2017年13月", None),
    ("2021年8月30日印发", None),
    ("经过研究，2017年1月", None),
])
def test_date_lines(aliases, line, expected):
    assert parse_date_line(line, aliases) == expected


@pytest.mark.parametrize("line, expected", [
    ("教育部 财政部等", ["教育部", "财政部"]),
    ("科技部国家发展改革委财政部", ["科技部", "国家发展改革委", "财政部"]),
    ("科 技 部 国 家 发 展 改 革 委 财 政 部", ["科技部", "国家发展改革委", "财政部"]),
    ("国家知识产权局 中科院 自然科学基金会 国家开发银行",
     ["国家知识产权局", "中国科学院", "国家自然科学基金委员会", "国家开发银行"]),
    ("黑龙江省人民政府", ["黑龙江省人民政府"]),
    ("第一章 总则", None),
    ("基础研究是整个科学体系的源头。", None),
])
def test_issuer_lines(aliases, line, expected):
    assert issuer_list(line, aliases) == expected


@pytest.mark.parametrize("title, expected", [
    ("统筹推进世界一流大学和一流学科建设实施办法（暂行）", "办法"),
    ("关于分类推进人才评价机制改革的指导意见", "意见"),
    ("中国科学技术协会事业发展“十四五”规划（2021—2025年）", "规划"),
    ("哈尔滨工程大学“双一流”建设三年行动计划", "行动计划"),
    ("推动共建丝绸之路经济带和21世纪海上丝绸之路的愿景与行动", "愿景与行动"),
    # the longest genre word wins
    ("关于加强科技创新的若干措施", "措施"),
    ("某某大学研究生奖学金评定实施细则", "实施细则"),
    ("某某奖励办法细则", "细则"),
    ("2021年科技工作要点", "要点"),
    ("科研项目经费管理制度", "制度"),
    ("人工智能伦理指南（试行）", "指南"),
    ("国家重点实验室评估规则", "规则"),
    ("科学技术研究档案管理标准", "标准"),
    ("国务院关于修改《国家科学技术奖励条例》的决定", "决定"),
    ("某市科技创新行动方案", "方案"),
    ("学科建设情况说明", "其他"),
    ("国务院办公厅关于同意建立科技工作部际联席会议制度的函", "函"),
    ("指导意见", "意见"),
])
def test_doc_type_from_the_genre_word(title, expected):
    assert doc_type(title) == expected


# --- the seed corpus, checked by eye against the printed documents ---------------------------

SEED_DOCUMENTS = [
    # (file, title, 文号, issuers, date, type) in file order
    ("中国科协事业发展十四五规划-2021.txt", "中国科学技术协会事业发展“十四五”规划（2021—2025年）",
     "科协发智字〔2021〕30号", ["中国科协"], "2021-08-27", "规划"),
    ("中国科学院党组重点工作分工方案-2021.txt",
     "中共中国科学院党组贯彻落实习近平总书记在两院院士大会上重要讲话和大会精神重点工作分工方案",
     "", ["中共中国科学院党组"], "2021-09-28", "方案"),
    ("中国科学院率先行动计划暨全面深化改革纲要-2014.txt", "中国科学院“率先行动”计划暨全面深化改革纲要",
     "", ["中国科学院"], "2014-07-07", "纲要"),
    ("十三五国家科技创新基地与条件保障能力建设专项规划-2017.txt",
     "“十三五”国家科技创新基地与条件保障能力建设专项规划", "",
     ["科技部", "国家发展改革委", "财政部"], "2017-10-24", "规划"),
]
COMPILATION = "科技教育政策文件汇编-17篇.txt"
SEED_DOCUMENTS += [(COMPILATION, *row) for row in [
    ("统筹推进世界一流大学和一流学科建设实施办法（暂行）", "",
     ["教育部", "财政部", "国家发展改革委"], "2017-01-24", "办法"),
    ("关于深化高等教育领域简政放权放管结合优化服务改革的若干意见", "教政法〔2017〕7号",
     ["教育部", "中央编办", "国家发展改革委", "财政部", "人力资源社会保障部"], "2017-03-31", "意见"),
    ("中共中央 国务院关于全面深化新时代教师队伍建设改革的意见", "", ["中共中央", "国务院"],
     "2018-01-20", "意见"),
    ("关于分类推进人才评价机制改革的指导意见", "", ["中共中央办公厅", "国务院办公厅"],
     "2018-02", "意见"),
    ("国务院关于全面加强基础科学研究的若干意见", "国发〔2018〕4号", ["国务院"], "2018-01-19", "意见"),
    ("国家技术转移体系建设方案", "国发〔2017〕44号", ["国务院"], "2017-09-15", "方案"),
    ("国务院办公厅关于深化产教融合的若干意见", "国办发〔2017〕95号", ["国务院办公厅"],
     "2017-12-05", "意见"),
    ("国务院办公厅关于深化科技奖励制度改革的方案", "国办函〔2017〕55号", ["国务院办公厅"],
     "2017-05-31", "方案"),
    ("“十三五”国家科技创新基地与条件保障能力建设专项规划", "国科发基〔2017〕322号",
     ["科技部", "国家发展改革委", "财政部"], "2017-10-24", "规划"),
    ("国务院办公厅关于推动国防科技工业军民融合深度发展的意见", "国办发〔2017〕91号", ["国务院办公厅"],
     "2017-11-23", "意见"),
    ("推动共建丝绸之路经济带和21世纪海上丝绸之路的愿景与行动", "",
     ["国家发展改革委", "外交部", "商务部"], "2015-03-28", "愿景与行动"),
    ("新一代人工智能发展规划", "国发〔2017〕35号", ["国务院"], "2017-07-08", "规划"),
    ("关于加强和改进中外人文交流工作的若干意见", "", ["中共中央办公厅", "国务院办公厅"],
     "2017-12", "意见"),
    ("东北地区与东部地区部分省市对口合作工作方案", "国办发〔2017〕22号", ["国务院办公厅"],
     "2017-03-07", "方案"),
    ("振兴东北科技成果转移转化专项行动实施方案", "",
     ["科技部", "国家发展改革委", "教育部", "工业和信息化部", "国务院国资委", "国家知识产权局",
      "中国科学院", "国家自然科学基金委员会", "国家开发银行"], "2018-01-09", "方案"),
    ("关于支持哈尔滨工业大学加快世界一流大学建设的意见", "黑政发〔2017〕13号", ["黑龙江省人民政府"],
     "2017-10-24", "意见"),
    ("哈尔滨工程大学“双一流”建设三年行动计划", "", ["中共哈尔滨工程大学委员会"], "2017-11-27",
     "行动计划"),
]]


@pytest.fixture(scope="module")
def seed_drafts(corpus_dir, aliases):
    sources, warnings = load_corpus(corpus_dir)
    assert warnings == []
    cleaned = {source.name: (source, clean(source, aliases)) for source in sources}
    return {name: (text, split(text, source, aliases)) for name, (source, text) in cleaned.items()}


def test_seed_corpus_metadata(seed_drafts):
    found = [(name, *metadata(d)) for name in sorted(seed_drafts) for d in seed_drafts[name][1]]
    assert len(found) == 21
    assert found == SEED_DOCUMENTS


def test_seed_corpus_split_keeps_every_paragraph_once_in_order(seed_drafts):
    for name, (text, drafts) in seed_drafts.items():
        kept = [p for p in text.paragraphs if p.text.strip()]
        split_out = sorted((p for d in drafts for p in d.consumed + d.notice + d.paragraphs),
                           key=lambda p: p.line)
        assert [p.line for p in split_out] == [p.line for p in kept], name
        for draft in drafts:
            assert [p.line for p in draft.paragraphs] == sorted(p.line for p in draft.paragraphs)


def test_seed_cover_notices_are_folded_into_the_published_document(seed_drafts):
    notices = {name: [len(d.notice) for d in drafts] for name, (_, drafts) in seed_drafts.items()}
    assert notices == {
        "中国科协事业发展十四五规划-2021.txt": [2],
        "中国科学院党组重点工作分工方案-2021.txt": [2],
        "中国科学院率先行动计划暨全面深化改革纲要-2014.txt": [0],
        "十三五国家科技创新基地与条件保障能力建设专项规划-2017.txt": [2],
        COMPILATION: [0] * 17,
    }
