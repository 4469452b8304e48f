"""Records ⇄ JSON: one pair of functions, and what they write reads back as the same records."""
from __future__ import annotations

import json
from datetime import date

from citations_fixtures import FIXTURE_ALIASES, fixture_documents
from indexer import store
from indexer.links import CitationGraph, link_corpus
from indexer.records import Attachment, Clause, Document, Hit


def sample_document() -> Document:
    return Document(
        id="gf-2018-4", title="国务院关于全面加强基础科学研究的若干意见", doc_number="国发〔2018〕4号",
        issuers=["国务院"], date="2018-01-19", doc_type="意见", source="汇编.txt",
        clauses=[Clause(id="1", label="一、", heading="总体要求", text="", parent=None, kind="section"),
                 Clause(id="1.1", label="（一）", heading="", text="<script>全文</script>", parent="1",
                        kind="item", fields={"牵头部门": "科技部"}, themes=["基础研究"],
                        theme_terms={"基础研究": ["基础研究"]})],
        themes=["基础研究"], theme_terms={"基础研究": ["基础研究", "基础科学"]}, aliases=["2018-01-19-x"],
        source_url="https://www.gov.cn/zhengce/content/2018-01/31/content_5262539.htm",
        attachments=[Attachment(title="附件1", url="https://www.gov.cn/a.pdf")], press_summary=True,
        validity="已废止")


def test_a_document_round_trips_through_json():
    document = sample_document()
    text = json.dumps(store.document_to_dict(document), ensure_ascii=False)
    assert store.document_from_dict(json.loads(text)) == document


def test_the_store_reads_back_what_it_wrote(tmp_path):
    documents = [sample_document()]
    store.write_documents(tmp_path, documents)
    assert store.read_documents(tmp_path) == documents


def test_unknown_keys_from_a_newer_build_are_skipped():
    data = store.document_to_dict(sample_document())
    data["future_field"] = 1
    data["clauses"][0]["future_field"] = 2
    assert store.document_from_dict(data) == sample_document()


def test_the_export_is_a_fixed_projection_in_a_fixed_order():
    data = store.export_dict(sample_document())
    assert tuple(data) == (*store.EXPORT_DOCUMENT_KEYS, "clauses")
    assert all(tuple(c) == store.EXPORT_CLAUSE_KEYS for c in data["clauses"])
    assert data["clauses"][1]["fields"] == {"牵头部门": "科技部"}


def test_a_hit_is_every_field_plus_its_url_with_a_rounded_score():
    hit = Hit(doc_id="d", doc_title="t", clause_id="1", label="一、", heading="h", breadcrumb=["a"],
              text="x", snippet="<mark>x</mark>", date="2020", issuers=["国务院"], themes=[],
              doc_type="意见", score=1.234567)
    data = store.hit_to_dict(hit, "http://x/d/d/1")
    assert data["url"] == "http://x/d/d/1" and data["score"] == 1.2346
    assert set(data) - {"url"} == set(Hit.__dataclass_fields__)


def test_the_export_leaves_validity_out_of_its_fixed_shape():
    assert "validity" in store.document_to_dict(sample_document())
    assert "validity" not in store.export_dict(sample_document())


def test_a_document_from_before_validity_existed_reads_as_unknown():
    data = store.document_to_dict(sample_document())
    del data["validity"]
    assert store.document_from_dict(data).validity == "未知"


def test_the_citation_graph_round_trips_through_the_version_folder(tmp_path):
    """Every record of a real graph (all relations, statuses, unresolved titles) comes back
    equal, enums as enums and the citing pairs as tuples."""
    graph = link_corpus(fixture_documents(), FIXTURE_ALIASES, today=date(2026, 12, 1))
    assert graph.edges() and graph.unresolved and len({v.status for v in graph.validity.values()}) >= 4
    store.write_citations(tmp_path, graph)
    assert store.read_citations(tmp_path) == graph
    assert json.loads((tmp_path / store.CITATIONS).read_text(encoding="utf-8"))["validity"]


def test_a_version_without_a_citation_graph_has_an_empty_one(tmp_path):
    assert store.read_citations(tmp_path) == CitationGraph()


def test_a_store_written_before_the_provenance_flag_reads_as_official_text():
    data = store.document_to_dict(sample_document())
    del data["press_summary"]
    assert store.document_from_dict(data).press_summary is False
    assert store.export_dict(sample_document())["press_summary"] is True


def test_normalized_json_is_written_in_parts_as_json_dumps_writes_it(tmp_path):
    normalized = {"texts": [f"第{n}条 “引号” \\ 与 \u2028{n}" for n in range(2503)],
                  "headings": [], "contexts": ["一"]}
    parts = list(store.json_parts(normalized, chunk=100))
    assert "".join(parts) == json.dumps(normalized, ensure_ascii=False) and len(parts) > 20
    # Other values than lists (an echo state's header has a number and a string first).
    header = {"format": 3, "rule": "规则\"x", "ids": ["a", "乙"] * 1001, "none": [], "n": None}
    assert "".join(store.json_parts(header, chunk=7)) == json.dumps(header, ensure_ascii=False)
    store.write_normalized(tmp_path, normalized)
    assert json.loads((tmp_path / store.NORMALIZED).read_text(encoding="utf-8")) == normalized
