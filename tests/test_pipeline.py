"""pipeline: the whole corpus read into documents; document ids; near-duplicates folded."""
from __future__ import annotations

import shutil

import pytest

from indexer import pipeline
from indexer.dedupe import fold_duplicates
from indexer.identify import assign_document_ids, document_id
from indexer.pipeline import build_corpus
from indexer.records import Clause, Document


@pytest.fixture(scope="module")
def corpus(corpus_dir):
    return build_corpus(corpus_dir)


def make_document(title, text, doc_number="", date="2017-01-01", doc_id=""):
    clauses = [Clause(id=f"p{i}", label="", heading="", text=part, parent=None, kind="paragraph")
               for i, part in enumerate(text.split("\n"), 1)]
    return Document(id=doc_id, title=title, doc_number=doc_number, issuers=["国务院"], date=date,
                    doc_type="意见", source="x.txt", clauses=clauses)


# --- document ids --------------------------------------------------------------------------

@pytest.mark.parametrize("doc_number, expected", [
    ("国发〔2017〕35号", "gf-2017-35"),
    ("国科发基〔2017〕322 号", "gkfj-2017-322"),
    ("国办函〔2017〕55号", "gbh-2017-55"),
    ("科协发智字[2021]30号", "kxfzz-2021-30"),
    ("國發〔2018〕4號", "gf-2018-4"),
])
def test_id_from_doc_number(doc_number, expected):
    assert document_id("任意标题", doc_number, "2017-01-01", "意见") == expected


def test_id_without_doc_number_is_date_title_initials_and_type():
    assert document_id("中国科学院“率先行动”计划暨全面深化改革纲要", "", "2014-07-07", "纲要") \
        == "2014-07-07-zgkxysxx-gy"
    assert document_id("关于加强和改进中外人文交流工作的若干意见", "", "2017-12", "意见") \
        == "2017-12-jqhgjzwr-yj"
    assert document_id("无日期的说明", "", "", "其他") == "nd-wrqdsm-qt"


@pytest.mark.parametrize("title, doc_type, expected", [
    # a finer type never moves an id: ids spell types with the words they were minted with
    ("哈尔滨工程大学“双一流”建设三年行动计划", "行动计划", "2017-11-27-hebgcdxs-jh"),
    ("推动共建丝绸之路经济带和21世纪海上丝绸之路的愿景与行动", "愿景与行动", "2017-11-27-tdgjsczl-qt"),
    ("某某大学研究生奖学金评定实施细则", "实施细则", "2017-11-27-mmdxyjsj-qt"),
    ("国家重点实验室管理办法", "办法", "2017-11-27-gjzdsysg-bf"),
])
def test_id_spells_the_type_as_first_minted(title, doc_type, expected):
    assert document_id(title, "", "2017-11-27", doc_type) == expected


def test_colliding_ids_are_numbered_by_content_not_by_order():
    a = make_document("关于某事的意见", "甲的内容。", date="2017-01-01")
    b = make_document("关于某事的意见", "乙的内容。", date="2017-01-01")
    assign_document_ids([a, b])
    first = (a.id, b.id)
    assign_document_ids([b, a])
    assert (a.id, b.id) == first
    assert sorted(first) == ["2017-01-01-msd-yj", "2017-01-01-msd-yj-2"]


# --- near-duplicates -----------------------------------------------------------------------

PLAN = ("科技创新基地和科技基础条件保障能力是国家科技创新能力建设的重要组成部分，是实施创新驱动发展战略的"
        "重要基础和保障，是提高国家综合竞争力的关键。\n一、总体思路\n坚持统筹布局，优化整合存量，"
        "科学引导增量，推动科技创新基地建设与国家重大战略和任务部署紧密衔接。")


def test_near_duplicate_is_folded_into_the_copy_with_a_doc_number():
    standalone = make_document("专项规划", "现将规划印发给你们。\n" + PLAN.replace("基础", "基基础", 1),
                               doc_id="2017-10-24-zxgh")
    compiled = make_document("专项规划", PLAN, doc_number="国科发基〔2017〕322号",
                             doc_id="gkfj-2017-322")
    other = make_document("另一份意见", "完全不同的一份文件，讨论高等教育领域的简政放权和放管结合。",
                          doc_id="2017-03-31-lyfyj")
    for order in ([standalone, compiled, other], [other, compiled, standalone]):
        for d in order:
            d.aliases = []
        kept, aliases = fold_duplicates(order)
        assert sorted(d.id for d in kept) == ["2017-03-31-lyfyj", "gkfj-2017-322"]
        assert aliases == {"2017-10-24-zxgh": "gkfj-2017-322"}
        assert compiled.aliases == ["2017-10-24-zxgh"]


def test_long_near_duplicates_are_found_through_their_sampled_shingles(corpus_dir):
    text = "".join((corpus_dir / "中国科学院率先行动计划暨全面深化改革纲要-2014.txt")
                   .read_text(encoding="utf-8").split())
    original = make_document("甲", text[:6000], doc_id="a")
    edited = make_document("甲", text[:3000] + "多出的几个字" + text[3010:6000], doc_id="b")
    different = make_document("乙", text[6000:12000], doc_id="c")
    kept, aliases = fold_duplicates([different, edited, original])
    assert sorted(d.id for d in kept) == ["a", "c"] and aliases == {"b": "a"}


def test_an_excerpt_is_not_a_duplicate_of_the_whole():
    whole = make_document("全文", PLAN * 3 + "\n另有大量其他内容，讨论完全不同的问题和具体的工作安排。" * 5,
                          doc_id="whole")
    excerpt = make_document("摘要", PLAN.split("\n")[0], doc_id="excerpt")
    kept, aliases = fold_duplicates([whole, excerpt])
    assert len(kept) == 2 and aliases == {}


# --- the real corpus -----------------------------------------------------------------------

def test_seed_corpus_has_20_documents_and_one_alias(corpus):
    assert len(corpus.documents) == 20
    assert corpus.aliases == {"2017-10-24-sswgjkjc-gh": "gkfj-2017-322"}
    [kept] = [d for d in corpus.documents if d.id == "gkfj-2017-322"]
    assert kept.aliases == ["2017-10-24-sswgjkjc-gh"]
    assert corpus.warnings == []


def test_ids_are_unique_readable_and_documents_ordered_by_date(corpus):
    ids = [d.id for d in corpus.documents]
    assert len(set(ids)) == len(ids)
    assert all(all(c.isascii() and (c.isalnum() or c == "-") and not c.isupper() for c in i)
               for i in ids)
    assert [(d.date, d.id) for d in corpus.documents] \
        == sorted((d.date, d.id) for d in corpus.documents)
    assert all(d.clauses for d in corpus.documents)


def test_ids_survive_renaming_a_file_and_adding_a_document_before_it(corpus, corpus_dir, tmp_path):
    copy = tmp_path / "corpus"
    shutil.copytree(corpus_dir, copy)
    for i, path in enumerate(sorted(copy.glob("*.txt"))):
        path.rename(copy / f"{i:02d}-renamed-{path.name}")
    (copy / "00-aaa-新增文件.txt").write_text(
        "国务院\n\n关于新增一份文件的意见\n\n国发〔2019〕1号\n\n一、总体要求\n\n"
        "加强统筹，推进落实。\n\n国务院\n\n2016年 1月 1日\n", encoding="utf-8")
    rebuilt = build_corpus(copy)
    assert {d.id: d.title for d in rebuilt.documents if d.id != "gf-2019-1"} \
        == {d.id: d.title for d in corpus.documents}
    assert rebuilt.aliases == corpus.aliases


# --- one bad file never stops the corpus -----------------------------------------------------

ONE_DOCUMENT = ("国务院关于甲事项的意见\n\n国发〔2019〕1号\n\n一、总体要求\n\n加强统筹。\n\n"
                "国务院\n\n2019年 1月 1日\n")
TWO_DOCUMENTS = ONE_DOCUMENT + ("国务院关于乙事项的意见\n\n国发〔2019〕2号\n\n一、总体要求\n\n"
                                "推进落实。\n\n国务院\n\n2019年 2月 1日\n")


def test_a_file_that_fails_is_a_warning_and_the_rest_builds(tmp_path, monkeypatch):
    (tmp_path / "好.txt").write_text(TWO_DOCUMENTS, encoding="utf-8")
    (tmp_path / "坏.txt").write_text(TWO_DOCUMENTS.replace("甲", "丙").replace("乙", "丁"),
                                    encoding="utf-8")
    real_build_clauses = pipeline.build_clauses

    def failing_for_one_file(draft):
        if draft.source == "坏.txt":
            raise RuntimeError("boom")
        return real_build_clauses(draft)

    monkeypatch.setattr(pipeline, "build_clauses", failing_for_one_file)
    corpus = build_corpus(tmp_path)
    assert [d.id for d in corpus.documents] == ["gf-2019-1", "gf-2019-2"]
    assert [(w.source, w.message) for w in corpus.warnings] \
        == [("坏.txt", "could not be parsed: RuntimeError: boom")]


def test_stated_metadata_of_a_compilation_is_reported_as_ignored(tmp_path):
    (tmp_path / "汇编.md").write_text("---\ntitle: 两份意见\n---\n\n" + TWO_DOCUMENTS, encoding="utf-8")
    corpus = build_corpus(tmp_path)
    assert [d.title for d in corpus.documents] == ["国务院关于甲事项的意见", "国务院关于乙事项的意见"]
    assert [(w.source, w.message) for w in corpus.warnings] \
        == [("汇编.md", "stated metadata ignored: the file holds 2 documents")]


def test_stated_themes_replace_the_inferred_ones(tmp_path):
    (tmp_path / "意见.md").write_text("---\nthemes: [科技奖励]\n---\n\n" + ONE_DOCUMENT,
                                     encoding="utf-8")
    [document] = build_corpus(tmp_path).documents
    assert document.themes == ["科技奖励"]


def test_only_a_file_without_title_date_or_numbering_is_reported_as_unstructured(tmp_path):
    (tmp_path / "有标题.txt").write_text("关于某事的通知\n\n现将有关事项通知如下。\n", encoding="utf-8")
    (tmp_path / "无结构.txt").write_text("现将有关事项说明如下，请周知。\n", encoding="utf-8")
    corpus = build_corpus(tmp_path)
    assert len(corpus.documents) == 2
    assert [w.source for w in corpus.warnings] == ["无结构.txt"]
    assert [len(d.clauses) for d in corpus.documents] == [1, 1]
