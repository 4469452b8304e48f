"""Trends: per-year counts that add up to the search total, rates, splits, CSV and the SVG chart."""
from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from collections import Counter

import pytest

from analytics_support import clause, document, engine_matches
from indexer.analytics.chart import trends_svg
from indexer.analytics.common import UNSET
from indexer.facets import year_of
from indexer.analytics.trends import (COLUMNS, collection_totals, trend_series, trends, trends_csv,
                                      trends_json)
from indexer.records import QueryError, SearchRequest
from indexer.search import Engine

SVG = "{http://www.w3.org/2000/svg}"

DOCS = [
    document("a", [clause("1", "基础研究"), clause("2", "基础研究与人才", themes=("人才",)),
                   clause("3", "其他")], issuers=("国务院", "教育部"), date="2017-03-01"),
    document("b", [clause("1", "基础研究", themes=("人才", "基础研究"))], issuers=("教育部",),
             date="2018-05", doc_type="办法"),
    document("c", [clause("1", "基础研究"), clause("2", "无关")], issuers=(), date=""),
    document("d", [clause(str(i), "无关") for i in range(4)], date="2018-01-01"),
]


def matching(docs, word):
    return [(d, c) for d in docs for c in d.clauses if word in c.text]


def test_counts_rates_and_undated():
    (series,) = trend_series("基础研究", matching(DOCS, "基础研究"), collection_totals(DOCS))
    assert [(p.year, p.clauses, p.documents) for p in series.points] == [(2017, 2, 1), (2018, 1, 1)]
    # 2017: 2 of 3 clauses, 1 of 1 document; 2018: 1 of 5 clauses, 1 of 2 documents.
    assert [p.clauses_per_1000 for p in series.points] == [666.667, 200.0]
    assert [p.documents_per_100 for p in series.points] == [100.0, 50.0]
    assert (series.undated_clauses, series.undated_documents) == (1, 1)
    assert series.total_clauses == 4


def test_several_queries_keep_their_order():
    series = trends([("其他", matching(DOCS, "其他")), ("基础研究", matching(DOCS, "基础研究"))],
                    collection_totals(DOCS))
    assert [(s.query, s.total_clauses) for s in series] == [("其他", 1), ("基础研究", 4)]


def test_json_shape_is_exact():
    data = trends_json(trend_series("基础研究", matching(DOCS, "基础研究"), collection_totals(DOCS)))
    assert list(data) == ["series"]
    assert list(data["series"][0]) == ["query", "by", "key", "points"]
    assert list(data["series"][0]["points"][0]) == ["year", "clauses", "documents",
                                                   "clauses_per_1000", "documents_per_100"]
    assert data["series"][0]["key"] is None and data["series"][0]["by"] is None


def test_issuer_split_counts_a_joint_clause_under_each_issuer():
    series = trend_series("基础研究", matching(DOCS, "基础研究"), collection_totals(DOCS), by="issuer")
    totals = {s.key: s.total_clauses for s in series}
    assert totals == {"教育部": 3, "国务院": 2, UNSET: 1}
    assert [s.key for s in series] == ["教育部", "国务院", UNSET]     # largest first


def test_theme_and_type_splits():
    totals = collection_totals(DOCS)
    by_theme = {s.key: s.total_clauses for s in
                trend_series("基础研究", matching(DOCS, "基础研究"), totals, by="theme")}
    assert by_theme == {UNSET: 2, "人才": 2, "基础研究": 1}
    by_type = trend_series("基础研究", matching(DOCS, "基础研究"), totals, by="type", limit=1)
    assert [(s.key, s.total_clauses) for s in by_type] == [("意见", 3)]


def test_no_match_still_has_a_zero_series_and_bad_split_is_refused():
    (series,) = trend_series("无此词", [], collection_totals(DOCS))
    assert [p.clauses for p in series.points] == [0, 0]
    with pytest.raises(QueryError):
        trend_series("x", [], collection_totals(DOCS), by="author")


def test_csv_has_chinese_header_and_one_row_per_point():
    series = trend_series("基础研究", matching(DOCS, "基础研究"), collection_totals(DOCS), by="issuer")
    rows = list(csv.reader(io.StringIO(trends_csv(series))))
    assert rows[0] == [zh for _, zh in COLUMNS]
    assert len(rows) == 1 + sum(len(s.points) for s in series)
    assert rows[1][:5] == ["基础研究", "issuer", "教育部", "2017", "2"]


def test_svg_points_link_to_their_search_and_text_is_escaped():
    docs = [document("x", [clause("1", "<b>&")], date="2019-01-01"),
            document("y", [clause("1", "<b>&")], issuers=('机关"<甲>',), date="2020-01-01")]
    series = trend_series('<b>&"', matching(docs, "<b>&"), collection_totals(docs), by="issuer")
    svg = trends_svg(series, lambda q, y, k: f"/?q={q}&year={y}&issuer={k}")
    root = ET.fromstring(svg)           # well-formed: everything escaped
    assert root.get("viewBox") and root.get("width") is None
    links = root.iter(f"{SVG}a")
    hrefs = sorted(a.get("href") for a in links)
    assert hrefs == sorted(f'/?q=<b>&"&year={y}&issuer={k}'
                           for k in ("国务院", '机关"<甲>') for y in (2019, 2020))
    assert "<script" not in svg and "年份" in svg and "每千条款命中数" in svg


@pytest.fixture(scope="module")
def engine(built_index):
    return Engine(built_index)


@pytest.mark.parametrize("req", [
    SearchRequest(q="基础研究"), SearchRequest(q="人工智能 人才"), SearchRequest(q='"科技成果转化"'),
    SearchRequest(q="基础研究", issuers=["国务院"]), SearchRequest(q="双一流", years=[2017]),
    SearchRequest(q="创新", date_from="2015", date_to="2018-06"),
])
def test_year_counts_sum_to_the_search_total(engine, req):
    matches, _, total = engine_matches(engine, req)
    (series,) = trend_series(req.q, matches, collection_totals(engine.documents()))
    assert total > 0
    assert series.total_clauses == total          # Σ points + undated = the search total
    facet = {int(v.value): v.count for v in engine.search(req).facets["year"]}
    assert {p.year: p.clauses for p in series.points if p.clauses} == facet
    documents_per_year = Counter(year_of(d) for d in {d.id: d for d, _ in matches}.values())
    assert {p.year: p.documents for p in series.points if p.documents} == \
        {y: n for y, n in documents_per_year.items() if y is not None}


def test_issuer_split_matches_the_issuer_facet(engine):
    req = SearchRequest(q="基础研究")
    matches, _, _ = engine_matches(engine, req)
    series = trend_series(req.q, matches, collection_totals(engine.documents()), by="issuer")
    facet = {v.value: v.count for v in engine.search(req).facets["issuer"]}
    assert {s.key: s.total_clauses for s in series} == facet
