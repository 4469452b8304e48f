"""Behaviour of indexer.links: each relation wording, each 文号 and title form, pointers,
resolution rules, each validity status with its basis, the editor override, 被引用 after adding
a document, and the exports (JSON shapes, CSV, GraphML read back by networkx)."""
from __future__ import annotations

import argparse
import csv
import io
import time
from datetime import date

import networkx
import pytest

from citations_fixtures import FIXTURE_ALIASES, article, clause, document, fixture_documents
from indexer.links import Relation, Status, ValidityConfigError, link_corpus, load_overrides
from indexer.cli import citations_command
from indexer.links.export import (cited_by_json, document_links_json,
                                  reference_json, summarize, summary_text, to_csv, to_graphml,
                                  validity_json)

TODAY = date(2026, 12, 1)

TARGET = document("gf-2015-64", "甲项目管理办法", doc_number="国发〔2015〕64号", date="2015-10-24",
                  issuers=["国务院"], doc_type="办法",
                  clauses=[clause("ch-2", "", label="第二章", heading="管理", kind="chapter"),
                           *(article(n, f"第{n}条的内容。", parent="ch-2") for n in range(1, 12))])


def citing(*texts: str, doc_id: str = "2020-01-01-cs-yj", title: str = "测试意见",
           date_: str = "2020-01-01") -> object:
    return document(doc_id, title, date=date_, issuers=["教育部"], doc_type="意见",
                    clauses=[clause(f"p{n}", text) for n, text in enumerate(texts, start=1)])


def refs_of(*texts: str, others=(TARGET,), **kwargs):
    doc = citing(*texts, **kwargs)
    graph = link_corpus([*others, doc], {}, today=TODAY)
    return graph.references[doc.id]


# --- relations ------------------------------------------------------------------------------

@pytest.mark.parametrize("sentence, relation", [
    ("根据《甲项目管理办法》，制定本意见。", Relation.BASIS),
    ("依据《甲项目管理办法》开展工作。", Relation.BASIS),
    ("按照《甲项目管理办法》执行。", Relation.BASIS),
    ("为贯彻落实《甲项目管理办法》，提出如下意见。", Relation.BASIS),
    ("认真贯彻落实《甲项目管理办法》精神。", Relation.BASIS),
    ("是《甲项目管理办法》中的明确要求。", Relation.BASIS),
    ("本意见自印发之日起施行，《甲项目管理办法》同时废止。", Relation.REPEAL),
    ("《甲项目管理办法》停止执行。", Relation.REPEAL),
    ("《甲项目管理办法》不再执行。", Relation.REPEAL),
    ("《甲项目管理办法》予以废止。", Relation.REPEAL),
    ("废止《甲项目管理办法》。", Relation.REPEAL),
    ("修订《甲项目管理办法》。", Relation.REVISE),
    ("本意见代替《甲项目管理办法》。", Relation.REVISE),
    ("本意见取代《甲项目管理办法》。", Relation.REVISE),
    ("加快制定《甲项目管理办法》的配套政策。", Relation.SUPPORT),
    ("根据《甲项目管理办法》，制定本实施细则。", Relation.SUPPORT),
    ("根据《甲项目管理办法》，制定本实施办法。", Relation.SUPPORT),
    ("《甲项目管理办法》公布了试点名单。", Relation.MENTION),
])
def test_relation_is_read_from_the_wording(sentence, relation):
    [ref] = refs_of(sentence)
    assert ref.relation is relation
    assert ref.target_doc == "gf-2015-64"


def test_a_cue_reaches_only_its_own_comma_stretch():
    basis, made = refs_of("根据《甲项目管理办法》，制定《乙实施方案》。")
    assert basis.relation is Relation.BASIS and made.relation is Relation.MENTION


def test_a_stray_bracket_hides_no_cue():
    [ref] = refs_of("（一说明，根据《甲项目管理办法》执行。")
    assert ref.relation is Relation.BASIS


def test_words_inside_a_cited_title_are_not_cues():
    [ref] = refs_of("《关于贯彻落实甲精神废止乙的意见》已经公布。")
    assert ref.relation is Relation.MENTION


# --- extraction forms -----------------------------------------------------------------------

@pytest.mark.parametrize("number", ["国发〔2015〕64号", "国发[2015]64号", "国发（2015）64号",
                                    "国发(2015)64号", "国发【2015】64号", "国发［2015］64号",
                                    "国发 〔2015〕 64 号", "国发〔2015〕第64号"])
def test_a_doc_number_in_any_bracket_resolves(number):
    [ref] = refs_of(f"各地要对照{number}文件执行。")
    assert ref.text.startswith("国发") and ref.target_doc == "gf-2015-64"
    assert ref.resolved_by == "文号"


def test_a_doc_number_attached_to_a_title_is_one_reference():
    [ref] = refs_of("根据《某个不在库中的办法》（国发〔2015〕64号）要求。")
    assert ref.title == "某个不在库中的办法" and ref.doc_number == "国发〔2015〕64号"
    assert ref.target_doc == "gf-2015-64"       # the 文号 decides


@pytest.mark.parametrize("cited", ["《国务院关于印发甲项目管理办法的通知》", "《国务院印发〈甲项目管理办法〉的通知》",
                                   "《“甲”项目管理办法》", "《甲项目管理办法（暂行）》", "《甲项目管理暂行办法》",
                                   "《2015年甲项目管理办法》", "《国务院关于甲项目管理办法》",
                                   "《国务院关于印发《甲项目管理办法》的通知》"])
def test_title_variants_resolve(cited):
    [ref] = refs_of(f"根据{cited}开展工作。")
    assert ref.target_doc == "gf-2015-64", cited


@pytest.mark.parametrize("definition, later", [
    ("（以下简称《办法》）", "《办法》"), ("（以下简称“办法”）", "《办法》"), ("（简称《办法》）", "《办法》"),
    ("（国发〔2015〕64号，以下简称《办法》）", "《办法》")])
def test_an_abbreviation_defined_once_resolves_later(definition, later):
    refs = refs_of(f"根据《甲项目管理办法》{definition}，制定本意见。", f"按照{later}第三条执行。")
    assert [r.target_doc for r in refs] == ["gf-2015-64", "gf-2015-64"]
    assert refs[1].resolved_by == "简称" and refs[1].target_clause == "art-3"
    assert refs[1].title == "甲项目管理办法"


@pytest.mark.parametrize("pointer, clause_id", [("第十条", "art-10"), ("第十条第三款", "art-10"),
                                                ("第二章", "ch-2"), ("第11条", "art-11"),
                                                ("第九十九条", None)])
def test_a_pointer_after_a_title_resolves_to_the_clause(pointer, clause_id):
    [ref] = refs_of(f"依照《甲项目管理办法》{pointer}的规定。")
    assert ref.article == pointer and ref.target_clause == clause_id
    assert ref.target_doc == "gf-2015-64"


def test_pointers_into_the_citing_document_resolve_there():
    doc = document("gf-2020-1", "乙办法", doc_number="国发〔2020〕1号", date="2020-01-01",
                   issuers=["国务院"], doc_type="办法", clauses=[
                       article(1, "总则。"), article(2, "依照本办法第一条执行。"),
                       article(3, "设立委员会。\n委员会依照前款规定工作。"), article(4, "前条所称委员会。"),
                       article(5, "第二条规定的程序适用。"),
                       article(6, "依照科学技术进步法第三条处理。")])
    graph = link_corpus([doc], {}, today=TODAY)
    found = {(r.clause, r.text): r.target_clause for r in graph.references["gf-2020-1"]}
    assert found == {("art-2", "本办法第一条"): "art-1", ("art-3", "前款"): "art-3",
                     ("art-4", "前条"): "art-3", ("art-5", "第二条"): "art-2"}
    assert all(r.internal and r.target_doc == "gf-2020-1" for r in graph.references["gf-2020-1"])
    assert graph.cited_by["gf-2020-1"] == []            # not cited by anyone else
    assert graph.edges() == []


def test_programmes_and_books_in_title_brackets_are_not_references():
    assert refs_of("北京卫视《档案》栏目，短视频《我志愿》，出版《科学家故事》图书。") == []


def test_an_undefined_genre_word_in_a_digest_names_the_document_itself():
    refs = refs_of("《意见》指出，要加强交流。", title="关于加强交流工作的若干意见")
    assert [(r.target_doc, r.resolved_by) for r in refs] == [("2020-01-01-cs-yj", "本文件")]


# --- resolution -----------------------------------------------------------------------------

def test_a_title_match_is_refused_when_the_doc_numbers_differ():
    [ref] = refs_of("根据《甲项目管理办法》（国发〔2009〕3号）执行。")
    assert ref.target_doc is None and ref.resolved_by == ""


def test_a_doc_number_of_a_folded_copy_resolves_through_the_alias():
    kept = document("2017-01-24-tj-bf", "乙办法", date="2017-01-24", issuers=["教育部"], doc_type="办法",
                    clauses=[clause("p1", "内容。")])
    doc = citing("按照教研〔2017〕2号文件执行。")
    graph = link_corpus([kept, doc], {"jy-2017-2": "2017-01-24-tj-bf"}, today=TODAY)
    [ref] = graph.references[doc.id]
    assert (ref.target_doc, ref.resolved_by) == ("2017-01-24-tj-bf", "别名")


def test_issuer_aliases_inside_titles():
    own = document("2021-09-28-fa", "中共中国科学院党组重点工作分工方案", date="2021-09-28",
                   issuers=["中共中国科学院党组"], doc_type="方案", clauses=[clause("p1", "内容。")])
    doc = citing("按照《中共中科院党组重点工作分工方案》执行。", date_="2021-10-01")
    names = {"中国科学院": ["中科院"], "中共中国科学院党组": ["中国科学院党组", "中科院党组"]}
    graph = link_corpus([own, doc], {}, today=TODAY, issuer_names=names)
    assert graph.references[doc.id][0].target_doc == "2021-09-28-fa"


def test_a_shared_title_resolves_to_the_latest_version_before_the_citing_document():
    versions = [document(f"v-{year}", "丙工作要点", date=f"{year}-03-01", issuers=["教育部"],
                         doc_type="其他", clauses=[clause("p1", "内容。")]) for year in (2017, 2018, 2019)]
    [ref] = refs_of("根据《丙工作要点》部署。", others=versions, date_="2018-06-01")
    assert ref.target_doc == "v-2018"


def test_unresolved_references_keep_their_text_and_are_counted():
    doc = citing("根据《丁规划》（国发〔2011〕9号）。", "落实《丁规划》。")
    graph = link_corpus([TARGET, doc], {}, today=TODAY)
    [missing] = graph.unresolved
    assert (missing.title, missing.doc_number, missing.count) == ("丁规划", "国发〔2011〕9号", 2)
    assert missing.citing == ((doc.id, "p1"), (doc.id, "p2"))
    assert all(r.text.startswith("《丁规划》") for r in graph.references[doc.id])


# --- validity -------------------------------------------------------------------------------

def test_every_status_with_its_basis():
    graph = link_corpus(fixture_documents(), FIXTURE_ALIASES, today=TODAY)
    v = graph.validity
    assert v["gkfz-2016-10"].status is Status.REPEALED
    assert (v["gkfz-2016-10"].basis_doc, v["gkfz-2016-10"].basis_clause) == ("gkfz-2020-8", "art-3")
    assert "同时废止" in v["gkfz-2016-10"].basis_text
    assert v["gkfz-2020-8"].status is Status.IN_FORCE and v["gkfz-2020-8"].basis_text.startswith("本办法自2020年7月1日")
    assert v["gkfz-2019-3"].status is Status.EXPIRED and "有效期3年" in v["gkfz-2019-3"].basis_text
    assert v["gkbf-2026-5"].status is Status.NOT_YET and v["gkbf-2026-5"].basis_clause == "art-4"
    assert v["gf-2016-62"].status is Status.UNKNOWN
    assert v["gf-2016-62"].basis_text is None and v["gf-2016-62"].basis_doc is None
    for status in v.values():
        assert (status.status is Status.UNKNOWN) == (status.basis_text is None)


@pytest.mark.parametrize("sentence, today, status", [
    ("本办法自2027年1月1日起施行。", date(2026, 12, 31), Status.NOT_YET),
    ("本办法自2027年1月1日起施行。", date(2027, 1, 1), Status.IN_FORCE),
    ("本通知自印发之日起施行，有效期5年。", date(2024, 12, 31), Status.IN_FORCE),
    ("本通知自印发之日起施行，有效期5年。", date(2025, 1, 1), Status.EXPIRED),
    ("本规定自二〇二〇年一月一日起施行，有效期至二〇二二年十二月三十一日。", date(2023, 1, 1), Status.EXPIRED),
    ("本方案有效期为三年。", date(2021, 1, 1), Status.IN_FORCE),
    ("自2018年起实施人才计划。", date(2021, 1, 1), Status.UNKNOWN),
    ("《戊办法》自2015年1月1日起施行。", date(2021, 1, 1), Status.UNKNOWN),
])
def test_own_commencement_and_term(sentence, today, status):
    doc = citing("内容。", sentence)
    assert link_corpus([doc], {}, today=today).validity[doc.id].status is status


def test_a_cover_notice_states_the_commencement_of_what_it_publishes():
    doc = document("gf-2030-1", "己办法", doc_number="国发〔2030〕1号", date="2030-01-01",
                   issuers=["国务院"], doc_type="办法", clauses=[
                       clause("notice", "现将《己办法》印发给你们，自2030年3月1日起施行。", kind="notice"),
                       article(1, "内容。")])
    validity = link_corpus([doc], {}, today=date(2030, 2, 1)).validity["gf-2030-1"]
    assert validity.status is Status.NOT_YET and validity.basis_clause == "notice"
    body = clause("p1", "现将《己办法》印发给你们，自2030年3月1日起施行。")
    other = document("gf-2030-2", "庚通知", date="2030-01-01", issuers=["国务院"], doc_type="通知",
                     clauses=[body])
    assert link_corpus([other], {}, today=date(2030, 2, 1)).validity["gf-2030-2"].status is Status.UNKNOWN


def test_a_repeal_takes_effect_when_the_repealing_document_does():
    new = citing("本意见自2027年6月1日起施行，《甲项目管理办法》同时废止。")
    before = link_corpus([TARGET, new], {}, today=date(2027, 5, 31)).validity["gf-2015-64"]
    after = link_corpus([TARGET, new], {}, today=date(2027, 6, 1)).validity["gf-2015-64"]
    assert before.status is Status.UNKNOWN and after.status is Status.REPEALED


def test_an_editor_override_from_the_corpus_config(tmp_path):
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "validity.toml").write_text(
        '["gf-2015-64"]\nstatus = "已废止"\nnote = "国务院2023年清理文件目录"\n', encoding="utf-8")
    overrides = load_overrides(tmp_path)
    validity = link_corpus([TARGET], {}, overrides, today=TODAY).validity["gf-2015-64"]
    assert validity.status is Status.REPEALED and "国务院2023年清理文件目录" in validity.basis_text


def test_a_bad_override_is_refused_with_its_entry(tmp_path):
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "validity.toml").write_text('["gf-1"]\nstatus = "作废"\n', encoding="utf-8")
    with pytest.raises(ValidityConfigError, match="gf-1"):
        load_overrides(tmp_path)


# --- the graph ------------------------------------------------------------------------------

def test_adding_a_citing_document_grows_cited_by():
    documents = fixture_documents()
    before = link_corpus(documents, FIXTURE_ALIASES, today=TODAY).cited_by["gf-2016-62"]
    newcomer = citing("为贯彻落实国发〔2016〕62号文件，提出如下意见。", doc_id="2021-01-01-xz-yj", date_="2021-01-01")
    after = link_corpus([*documents, newcomer], FIXTURE_ALIASES, today=TODAY).cited_by["gf-2016-62"]
    assert len(after) == len(before) + 1
    assert after[-1].doc == "2021-01-01-xz-yj" and after[-1].relation is Relation.BASIS


def test_graphml_opens_in_networkx_with_the_summary_counts():
    documents = fixture_documents()
    graph = link_corpus(documents, FIXTURE_ALIASES, today=TODAY)
    summary = summarize(graph)
    read = networkx.parse_graphml(to_graphml(graph, documents))
    assert read.is_directed()
    assert read.number_of_nodes() == summary.documents == len(documents)
    assert read.number_of_edges() == summary.edges > 10
    node = read.nodes["gkfz-2016-10"]
    assert (node["title"], node["doc_number"], node["validity"]) == ("国家科技计划项目管理暂行办法",
                                                                       "国科发政〔2016〕10号", "已废止")
    edges = read.get_edge_data("gkfz-2020-8", "gkfz-2016-10")
    assert [e["relation"] for e in edges.values()] == ["废止"]


def test_json_shapes_are_the_public_contract():
    graph = link_corpus(fixture_documents(), FIXTURE_ALIASES, today=TODAY)
    links = document_links_json(graph, "gkfz-2016-10")
    assert set(links) == {"references", "cited_by", "validity"}
    assert set(links["validity"]) == {"status", "basis_doc", "basis_clause", "basis_text"}
    [entry] = [c for c in links["cited_by"] if c["relation"] == "废止"]
    assert entry == {"doc": "gkfz-2020-8", "clause": "art-3", "relation": "废止", "target_clause": None}
    ref = reference_json(graph.references["gkfz-2019-3"][0])
    assert ref == {"clause": "p1", "text": "《国家科技计划项目管理暂行办法》第二条", "title": "国家科技计划项目管理暂行办法",
                   "doc_number": "", "relation": "依据", "target_doc": "gkfz-2016-10", "target_clause": "art-2"}
    assert cited_by_json(graph.cited_by["gbf-2018-17"][0])["doc"] == "gkbf-2026-5"
    assert validity_json(graph.validity["gf-2016-62"]) == {"status": "未知", "basis_doc": None,
                                                           "basis_clause": None, "basis_text": None}


def test_csv_has_one_row_per_reference():
    documents = fixture_documents()
    graph = link_corpus(documents, FIXTURE_ALIASES, today=TODAY)
    rows = list(csv.DictReader(io.StringIO(to_csv(graph, documents))))
    assert len(rows) == len(graph.all_references())
    repeal = next(r for r in rows if r["relation"] == "废止" and r["target_doc"] == "gkfz-2016-10")
    assert repeal["target_title"] == "国家科技计划项目管理暂行办法" and repeal["doc"] == "gkfz-2020-8"


def test_summary_counts():
    graph = link_corpus(fixture_documents(), FIXTURE_ALIASES, today=TODAY)
    summary = summarize(graph)
    assert summary.references == len(graph.all_references())
    assert summary.resolved == summary.internal + summary.edges
    assert sum(summary.by_relation.values()) == summary.references
    text = summary_text(summary)
    assert f"references found: {summary.references}" in text and "废止" in text


def test_citations_command_prints_the_summary(corpus_dir, capsys):
    assert citations_command(argparse.Namespace(corpus=str(corpus_dir), index="unused")) == 0
    out = capsys.readouterr().out
    assert "references found: 64" in out and "《统筹推进世界一流大学和一流学科建设总体方案》" in out


def test_citations_command_refuses_a_missing_corpus(tmp_path, capsys):
    assert citations_command(argparse.Namespace(corpus=str(tmp_path / "none"), index="x")) == 2


def test_linking_is_linear_in_the_corpus():
    """20,000 documents citing each other by 文号 and title link in seconds, not minutes."""
    documents = []
    for n in range(1, 20_001):
        text = (f"根据《第{n - 1}号测试办法》（国发〔2000〕{n - 1}号），落实国发〔2000〕{max(1, n // 2)}号文件。"
                f"本办法自2001年1月1日起施行。")
        documents.append(document(f"gf-2000-{n}", f"第{n}号测试办法", doc_number=f"国发〔2000〕{n}号",
                                  date="2000-01-01", issuers=["国务院"], doc_type="办法",
                                  clauses=[article(1, text)]))
    started = time.perf_counter()
    graph = link_corpus(documents, {}, today=TODAY)
    elapsed = time.perf_counter() - started
    assert len(graph.edges()) == 2 * 19_999      # document 1 cites a 第0号 not held, and itself
    assert elapsed < 30, elapsed
