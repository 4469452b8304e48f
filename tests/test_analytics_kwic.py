"""Concordance: one row per occurrence, counted independently; contexts from the original text."""
from __future__ import annotations

import csv
import io
import re

import pytest

from analytics_support import clause, document, engine_matches
from indexer.analysis import normalize
from indexer.clausetext import clause_text as displayed_text
from indexer.analytics.kwic import COLUMNS, concordance, csv_pieces, kwic_csv, occurrences
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


def download_csv(matches, terms, width, texts=None, piece_chars=1 << 16):
    return "".join(csv_pieces(matches, terms, width, "http://cesou.test/", texts, piece_chars))


TRICKY = [clause("1", "前文，“引号”\"直引号\"，基础研究,逗号", label="第一条"),
          clause("2", "=基础研究+-@开头\n基础\n研究\r\n跨行", heading="标题"),
          clause("3", "-基础研究@", label="一、", heading="產教融合"),
          clause("4", "省略……基础研究……ＡＩ与AI 5G", label="（1）"),
          clause("5", "没有关键词"),
          clause("6", "基礎研究 在 句首", parent="1"),
          clause("7", "\"基础研究\"")]


@pytest.mark.parametrize("terms", [["基础研究"], ["基础研究", "研究", "ai"], ["ai"], ["产教融合", "基础"]])
@pytest.mark.parametrize("width", [1, 3, 20])
def test_download_csv_is_the_general_paths_csv(terms, width):
    """csv_pieces, which quotes each document's and clause's cells once and writes CSV by hand,
    gives the text of kwic_csv(concordance(…)), which uses csv.writer, with or without the
    index's normalised texts."""
    doc = document("gf,\"1\"", TRICKY, issuers=("国务院", "=教育部"), doc_number="-1号", title="标题,\"引\"")
    other = document("=x", TRICKY[:2], issuers=(), date="")
    matches = [(doc, c) for c in doc.clauses] + [(other, c) for c in other.clauses]
    texts = [normalize(displayed_text(c)) for _, c in matches]
    expected = kwic_csv(concordance(matches, terms, width, "http://cesou.test/"))
    assert expected.count("\r\n") >= 3
    assert download_csv(matches, terms, width) == expected
    assert download_csv(matches, terms, width, texts, piece_chars=50) == expected


@pytest.mark.parametrize("q", ["基础研究", "人才", '"科技成果转化"', "產教融合", "AI", "基础研究 人才",
                               "如何促进科技成果转化"])
def test_download_csv_over_the_index_is_the_general_paths_csv(engine, q):
    matches, terms, texts = engine.matches_with_texts(SearchRequest(q=q))
    assert [normalize(displayed_text(c)) for _, c in matches] == texts
    expected = kwic_csv(concordance(matches, terms, 20, "http://cesou.test/"))
    assert download_csv(matches, terms, 20, texts) == expected
    assert concordance(matches, terms, 20, "http://cesou.test/", texts) == \
        concordance(matches, terms, 20, "http://cesou.test/")
