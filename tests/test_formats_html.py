"""Government web pages of three site layouts: the content area is found from structure and
text density, chrome never reaches a clause, the metadata table, the page address and the
attachments are read; the document parses as its typed text does."""
from __future__ import annotations

import re

import pytest

from formats_fixtures import NOTICE_TITLE, RELATED, WEB_LAYOUTS, web_paragraphs
from indexer import config
from indexer.aliases import load_aliases
from indexer.load import load_file
from indexer.pipeline import read_source
from indexer.records import Attachment
from indexer.store import export_dict as document_to_json
from indexer.tag import load_taxonomy

# What each fixture page carries besides the document; none of it may reach a clause.
CHROME = ["字体", "字号", "打印", "关闭", "分享", "微博", "微信", "QQ空间", "当前位置", "您现在的位置",
          "首页", "相关", "上一篇", "下一篇", "版权所有", "主办", "ICP", "浏览次数", "A+", "网站地图",
          "部门规章", "政策解读", "搜索", "政务公开", "网站标识码"] + RELATED
URLS = {"table": "https://www.gov.cn/zhengce/zhengceku/2023-06/12/content_35.htm",
        "div": "https://www.most.gov.cn/xxgk/fgzc/gfxwj/202306/t20230612_35.html",
        "flat": "https://kjt.example.gov.cn/art/2023/6/12/art_35.html"}
ATTACHMENTS = {
    "table": [Attachment(title="科研数据共享管理办法", url="https://www.gov.cn/files/2023/P020230612.pdf")],
    "div": [Attachment(title="科研数据共享管理办法",
                       url="https://www.most.gov.cn/xxgk/fgzc/gfxwj/202306/P020230612_1.docx")],
    "flat": [Attachment(title="科研数据共享管理办法", url="https://kjt.example.gov.cn/attach/0/35-1.pdf"),
             Attachment(title="科研数据目录（2023年版）.xlsx",
                        url="https://kjt.example.gov.cn/attach/0/35-2.xlsx")],
}


def parse(path):
    aliases = load_aliases()
    warnings = []
    source = load_file(path, path.name, aliases)
    documents = read_source(source, aliases, load_taxonomy(config.corpus_dir()), warnings)
    assert not warnings, warnings
    return source, documents


def tree(documents):
    """The clause trees (the page's metadata table overrides the typed text's title)."""
    return [[(c.id, c.label, c.heading, c.text, c.parent, c.kind) for c in d.clauses]
            for d in documents]


@pytest.fixture(scope="module")
def typed(tmp_path_factory):
    path = tmp_path_factory.mktemp("typed") / "通知.txt"
    path.write_text("\n".join([NOTICE_TITLE] + web_paragraphs()) + "\n", encoding="utf-8")
    return tree(parse(path)[1])


@pytest.mark.parametrize("layout", sorted(WEB_LAYOUTS))
def test_no_chrome_reaches_a_clause(tmp_path, layout):
    path = tmp_path / f"{layout}.html"
    path.write_text(WEB_LAYOUTS[layout](), encoding="utf-8")
    _, documents = parse(path)
    for document in documents:
        for clause in document.clauses:
            printed = clause.label + clause.heading + clause.text
            assert not [word for word in CHROME if word in printed], (clause.id, printed)


@pytest.mark.parametrize("layout", sorted(WEB_LAYOUTS))
def test_each_layout_gives_the_typed_tree_and_the_page_metadata(tmp_path, typed, layout):
    path = tmp_path / f"{layout}.html"
    path.write_text(WEB_LAYOUTS[layout](), encoding="utf-8")
    source, documents = parse(path)
    assert tree(documents) == typed
    [document] = documents
    assert (document.title, document.doc_number, document.issuers, document.date) == (
        NOTICE_TITLE, "国科发基〔2023〕35号", ["科技部"], "2023-06-08")
    assert document.source_url == URLS[layout]
    assert document.attachments == ATTACHMENTS[layout]


@pytest.mark.parametrize("layout", sorted(WEB_LAYOUTS))
def test_class_names_and_ids_play_no_part(tmp_path, layout):
    page = WEB_LAYOUTS[layout]()
    bare = re.sub(r'\s(?:class|id)="[^"]*"', "", page)
    assert bare != page or layout == "flat"
    (tmp_path / "a.html").write_text(page, encoding="utf-8")
    (tmp_path / "b.html").write_text(bare, encoding="utf-8")
    assert load_file(tmp_path / "a.html", "a.html").text == load_file(tmp_path / "b.html", "b.html").text


def test_theme_and_dates_from_the_metadata_table(tmp_path):
    path = tmp_path / "table.html"
    path.write_text(WEB_LAYOUTS["table"](), encoding="utf-8")
    meta = load_file(path, path.name).meta
    assert meta.themes == ["科技", "教育"] and meta.date == "2023-06-08"


def test_markdown_front_matter_url_is_the_source_url(tmp_path):
    path = tmp_path / "通知.md"
    path.write_text("---\ntitle: 科技部关于测试的通知\nurl: https://www.most.gov.cn/t.html\n---\n"
                    "为做好测试工作，现通知如下。\n", encoding="utf-8")
    assert load_file(path, path.name).meta.source_url == "https://www.most.gov.cn/t.html"


def test_export_carries_source_url_and_attachments(tmp_path):
    path = tmp_path / "div.html"
    path.write_text(WEB_LAYOUTS["div"](), encoding="utf-8")
    [document] = parse(path)[1]
    record = document_to_json(document)
    assert record["source"] == "div.html" and record["source_url"] == URLS["div"]
    assert record["attachments"] == [{"title": "科研数据共享管理办法", "url": ATTACHMENTS["div"][0].url}]


def test_a_page_saved_complete_is_one_document_and_its_resource_folder_a_note(tmp_path):
    from indexer import pipeline
    from indexer.load import RESOURCE_FOLDER_NOTE
    from reliability_support import make_corpus
    corpus = make_corpus(tmp_path / "corpus", [])
    (corpus / "通知.html").write_text(WEB_LAYOUTS["div"](), encoding="utf-8")
    resources = corpus / "通知_files"
    (resources / "img").mkdir(parents=True)
    (resources / "style.css").write_text("body{}", encoding="utf-8")
    (resources / "share.js").write_text("var a=1;", encoding="utf-8")
    (resources / "img" / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (resources / "saved_resource.html").write_text(
        "<html><body><p>相关推荐：关于开展科研数据管理试点工作的通知，请各单位认真组织实施。</p></body></html>",
        encoding="utf-8")
    # A folder named like one, with no page beside it, is the researcher's own: read.
    (corpus / "专题_files").mkdir()
    (corpus / "专题_files" / "说明.txt").write_text(
        "科技部关于开展科研数据管理试点工作的通知\n各有关单位：\n现就开展试点工作通知如下。\n", encoding="utf-8")
    parsed = pipeline.parse_corpus(corpus).corpus
    assert sorted(d.source for d in parsed.documents) == ["专题_files/说明.txt", "通知.html"]
    notes = [(w.source, w.message) for w in parsed.warnings]
    assert notes == [("通知_files", RESOURCE_FOLDER_NOTE.format(count=4))]
