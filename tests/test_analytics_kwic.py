"""Concordance: one row per occurrence, counted independently; contexts from the original text."""
from __future__ import annotations

import csv
import io
import re

import pytest

from analytics_support import clause, document, engine_matches
from indexer.analysis import normalize
from indexer.clausetext import clause_text as displayed_text
from indexer.analytics.kwic import COLUMNS, concordance, kwic_csv, occurrences
from indexer.records import SearchRequest
from indexer.search import Engine


def test_occurrences_map_back_to_the_original_text():
    text = "推进產教融合，产教\n融合；ＡＩ与AI。"
    spans = occurrences(text, [normalize("产教融合")])
    assert [text[s:e] for s, e in spans] == ["產教融合", "产教\n融合"]
    assert [text[s:e] for s, e in occurrences(text, ["ai"])] == ["ＡＩ", "AI"]


def test_overlapping_terms_give_one_row_longest_first():
    text = "基础研究和应用研究，研究"
    spans = occurrences(text, ["研究", "基础研究"])
    assert [text[s:e] for s, e in spans] == ["基础研究", "研究", "研究"]
    assert len(occurrences("哈哈哈哈哈", ["哈哈"])) == "哈哈哈哈哈".count("哈哈") == 2


def test_rows_carry_context_and_metadata():
    doc = document("gf-2017-1", [clause("art-3", "一二三四五基础研究六七\n八九十", label="第三条")],
                   issuers=("国务院", "教育部"), date="2017-02-03", doc_number="国发〔2017〕1号")
    (row,) = concordance([(doc, doc.clauses[0])], ["基础研究"], width=4)
    assert (row.left, row.keyword, row.right) == ("二三四五", "基础研究", "六七 八")
    assert row.permalink == "/d/gf-2017-1/art-3" and row.label == "第三条"
    assert row.doc_number == "国发〔2017〕1号" and row.issuers == ["国务院", "教育部"]
    rows = list(csv.reader(io.StringIO(kwic_csv([row]))))
    assert rows[0] == [zh for _, zh in COLUMNS]
    assert rows[1][:3] == ["二三四五", "基础研究", "六七 八"] and rows[1][7] == "国务院；教育部"


def test_label_and_heading_are_part_of_the_text():
    doc = document("x", [clause("1", "正文没有", label="一、", heading="基础研究")])
    (row,) = concordance([(doc, doc.clauses[0])], ["基础研究"])
    assert row.left == "一、 " and row.right == " 正文没有"


@pytest.fixture(scope="module")
def engine(built_index):
    return Engine(built_index)


def independent_count(text: str, terms: list[str]) -> int:
    """Occurrences by a regex alternation, longest term first (leftmost, then longest, no
    overlaps); a Latin term must not continue a longer Latin word."""
    def pattern(term):
        return (r"(?<![a-z])" if term[0].isalpha() and term[0].isascii() else "") + re.escape(term) + \
            (r"(?![a-z])" if term[-1].isalpha() and term[-1].isascii() else "")
    alternation = "|".join(pattern(t) for t in sorted(terms, key=len, reverse=True))
    return len(re.findall(alternation, normalize(text)))


@pytest.mark.parametrize("q", ["基础研究", "人才", "一流学科", '"科技成果转化"', "產教融合", "AI",
                               "基础研究 人才", "中科院"])
def test_row_count_equals_occurrences_counted_independently(engine, q):
    matches, terms, total = engine_matches(engine, SearchRequest(q=q))
    assert total > 0
    rows = concordance(matches, terms, width=10)
    assert len(rows) == sum(independent_count(displayed_text(c), terms) for _, c in matches) >= total
    assert all(normalize(r.keyword) in terms for r in rows)
    texts = {(d.id, c.id): displayed_text(c).replace("\n", " ") for d, c in matches}
    assert all(r.left + r.keyword + r.right in texts[(r.doc_id, r.clause_id)] for r in rows)
