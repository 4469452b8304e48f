"""Loaders: encodings, markdown front matter, government web pages, and the corpus walk."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from indexer.load import LoadError, load_corpus, load_file, normalise_date, split_front_matter

FIXTURES = Path(__file__).parent / "fixtures" / "load"


def load(name: str):
    return load_file(FIXTURES / name, name)


# --- .txt and encodings -------------------------------------------------------------------------

@pytest.mark.parametrize("name, encodings", [
    ("gbk.txt", {"gb18030", "gbk", "gb2312"}),
    ("utf16.txt", {"utf-16", "utf-16-le"}),
    ("utf8_bom.txt", {"utf-8"}),
])
def test_txt_in_any_encoding_decodes_to_the_same_text(name, encodings):
    source = load(name)
    assert source.kind == "txt"
    assert source.encoding in encodings
    assert source.text.startswith("国务院关于全面加强基础科学研究的若干意见\n")
    assert "国发〔2018〕4号" in source.text
    assert "\ufeff" not in source.text and "\r" not in source.text


def test_big5_is_detected():
    source = load("big5.txt")
    assert source.encoding == "big5"
    assert "基礎科學研究是整個科學體系的源頭" in source.text


@pytest.mark.parametrize("name, problem", [
    ("binary.txt", "not text"),
    ("empty.txt", "empty file"),
    ("blank.txt", "no text"),
    ("unsupported.epub", "不支持的文件类型 .epub"),
])
def test_unreadable_files_raise_a_load_error_naming_file_and_problem(name, problem):
    with pytest.raises(LoadError) as error:
        load(name)
    assert str(error.value).startswith(f"{name}: ")
    assert problem in str(error.value)


def test_missing_file_is_a_load_error(tmp_path):
    with pytest.raises(LoadError, match="gone.txt: cannot read"):
        load_file(tmp_path / "gone.txt", "gone.txt")


# --- .md --------------------------------------------------------------------------------------------

def test_markdown_front_matter_with_chinese_keys_becomes_normalised_metadata():
    source = load("front_matter.md")
    assert source.kind == "md" and source.warnings == []
    meta = source.meta
    assert meta.title == "关于深化科技奖励制度改革的方案"
    assert meta.doc_number == "国办函〔2017〕55号"          # space inside the 文号 removed
    assert meta.issuers == ["国务院办公厅", "国家发展改革委"]   # 发改委 → canonical name
    assert meta.date == "2017-05-31"
    assert meta.doc_type == "方案"
    assert meta.themes == ["科技奖励", "科技体制改革"]


def test_markdown_body_is_one_block_per_line_without_markup():
    lines = load("front_matter.md").text.split("\n")
    assert lines == [
        "关于深化科技奖励制度改革的方案",
        "科技奖励制度是我国长期坚持的一项重要制度，是党和政府激励自主创新、激发人才活力、"
        "营造良好创新环境的一项重要举措。",
        "一、指导思想和基本原则",
        "（一）指导思想。全面贯彻党的十八大精神，深入实施创新驱动发展战略。",
        "坚持公开透明；",
        "坚持公平公正。",
        "项目 内容",
        "提名制 实行提名制",
        "3. 实行提名制。改革直接推荐方式。",     # numbers as printed, not a renumbered list
        "4. 建立定标定额的评审制度。",
        "2. 弘扬科学精神。",
    ]


def test_markdown_front_matter_with_english_keys_and_string_lists():
    meta = load("english_keys.md").meta
    assert (meta.title, meta.doc_number, meta.issuers, meta.date, meta.doc_type, meta.themes) == (
        "国家技术转移体系建设方案", "国发〔2017〕44号", ["国务院"], "2017-09-15", "方案",
        ["技术转移", "成果转化"])


def test_invalid_front_matter_keeps_the_body_and_reports_the_problem():
    source = load("invalid_front_matter.md")
    assert source.text == "基础科学研究是整个科学体系的源头，是所有技术问题的总机关。"
    assert source.meta.title is None
    assert len(source.warnings) == 1
    assert "invalid front matter" in source.warnings[0] and "line 3" in source.warnings[0]


def test_markdown_without_front_matter():
    source = load("no_front_matter.md")
    assert source.meta.title is None and source.warnings == []
    assert source.text.split("\n") == ["关于促进科技成果转化的通知", "各有关单位：", "现将有关事项通知如下。"]


def test_raw_html_in_markdown_never_survives_as_markup():
    source = load("raw_html.md")
    assert source.text.split("\n") == ["第一段文字，介绍情况。", "第二段文字在这里。", "点击这里查看附件。"]
    for trace in ("<", "script", "alert", "onerror", "onclick", "javascript"):
        assert trace not in source.text
    assert source.warnings == ["raw HTML <script> removed"]


def test_front_matter_split():
    assert split_front_matter("---\ntitle: x\n---\nbody") == ("title: x\n", "body")
    assert split_front_matter("no front matter\n---\n") == (None, "no front matter\n---\n")
    assert split_front_matter("---\ntitle: unclosed\n") == (None, "---\ntitle: unclosed\n")


def test_unknown_keys_and_bad_dates_are_reported(tmp_path):
    path = tmp_path / "x.md"
    path.write_text("---\ntitle: 标题\n成文日期: 2017年13月1日\nauthor: 某人\n---\n正文。\n",
                    encoding="utf-8")
    source = load_file(path, "x.md")
    assert source.meta.title == "标题" and source.meta.date is None
    assert source.warnings == ["front matter: unreadable date '2017年13月1日' ignored",
                               "front matter: unknown metadata key 'author' ignored"]


# --- .html -------------------------------------------------------------------------------------------

def test_government_page_metadata_table_becomes_metadata():
    source = load("policy_page.html")
    meta = source.meta
    assert source.kind == "html"
    assert meta.title == "国务院关于印发新一代人工智能发展规划的通知"
    assert meta.issuers == ["国务院"]
    assert meta.date == "2017-07-08"              # 成文日期, not the 发布日期
    assert meta.doc_number == "国发〔2017〕35号"
    assert meta.themes == ["科技", "教育"]


def test_government_page_body_is_the_content_container_without_scripts_or_furniture():
    source = load("policy_page.html")
    assert source.text.split("\n") == [
        "国务院关于印发", "新一代人工智能发展规划的通知",
        "各省、自治区、直辖市人民政府，国务院各部委、各直属机构：",
        "现将《新一代人工智能发展规划》印发给你们，请认真贯彻执行。",
        "点击这里下载附件。",
        "国务院", "2017年7月8日",
    ]
    for trace in ("<", "script", "alert", "onerror", "javascript", "不应出现", "也不应出现",
                  "首页", "版权所有", "索引号", "000014349"):
        assert trace not in source.text


def test_page_without_metadata_takes_title_from_title_element_and_body_from_body():
    source = load("bare_page.html")
    assert source.meta.title == "科技部关于加强科研诚信建设的通知"
    assert source.text.split("\n") == ["为加强科研诚信建设，现通知如下。", "一、高度重视科研诚信建设。"]


@pytest.mark.parametrize("printed, iso", [
    ("2017年1月24日", "2017-01-24"),
    ("2017年 1月 24日", "2017-01-24"),
    ("2021 年 8 月 27 日", "2021-08-27"),
    ("2018年2月", "2018-02"),
    ("2017-7-8", "2017-07-08"),
    ("2017/07/08", "2017-07-08"),
    ("2017.7", "2017-07"),
    ("2017年2月30日", None),
    ("去年", None),
])
def test_normalise_date(printed, iso):
    assert normalise_date(printed) == iso


# --- the corpus --------------------------------------------------------------------------------------

def test_real_corpus_loads_every_file_without_warnings(corpus_dir):
    sources, warnings = load_corpus(corpus_dir)
    assert warnings == []
    assert len(sources) == 5
    assert [s.name for s in sources] == sorted(s.name for s in sources)
    assert all(s.kind == "txt" and s.encoding == "utf-8" for s in sources)
    for source in sources:
        assert source.text == (corpus_dir / source.name).read_text(encoding="utf-8")


def test_corpus_walk_reports_bad_files_and_loads_the_rest(tmp_path):
    for name in ("gbk.txt", "binary.txt", "invalid_front_matter.md", "unsupported.epub"):
        shutil.copy(FIXTURES / name, tmp_path / name)
    (tmp_path / "sub").mkdir()
    shutil.copy(FIXTURES / "policy_page.html", tmp_path / "sub" / "page.html")
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "notes.txt").write_text("配置，不是文件。", encoding="utf-8")
    (tmp_path / ".hidden.txt").write_text("隐藏文件。", encoding="utf-8")

    sources, warnings = load_corpus(tmp_path)

    assert [s.name for s in sources] == ["gbk.txt", "invalid_front_matter.md", "sub/page.html"]
    by_file = {w.source: w.message for w in warnings}
    assert set(by_file) == {"binary.txt", "invalid_front_matter.md", "unsupported.epub"}
    assert by_file["binary.txt"].startswith("skipped: not text")
    assert "invalid front matter" in by_file["invalid_front_matter.md"]
    assert "不支持的文件类型" in by_file["unsupported.epub"]


def test_missing_corpus_folder_is_a_load_error(tmp_path):
    with pytest.raises(LoadError, match="corpus folder not found"):
        load_corpus(tmp_path / "nowhere")
