"""Coded export: XLSX and CSV with every metadata field and named code columns; re-import."""
from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from analytics_support import clause, document, engine_matches
from indexer import present
from indexer.analytics import coded
from indexer.analytics.coded import COLUMNS, coded_csv, coded_rows, coded_xlsx, read_coded
from indexer.records import QueryError, SearchRequest
from indexer.search import Engine
from indexer.text import LIST_SEPARATOR

HEADER = [zh for _, zh in COLUMNS]

DOC = document("gf-2017-9", [
    clause("1", "", label="一、", heading="总体要求"),
    clause("1.2", "=SUM(A1) 公式\x07样的正文", label="（二）", heading="基本原则", parent="1",
           themes=("人才", "基础研究"), fields={"牵头部门": "科技部", "时间": "2018年"}),
], issuers=("国务院", "教育部"), date="2017-06-01", doc_number="国发〔2017〕9号", themes=("人才",))
MATCHES = [(DOC, DOC.clauses[1]), (DOC, DOC.clauses[0])]


def test_xlsx_rows_header_codes_and_frozen_row(tmp_path):
    path = tmp_path / "coded.xlsx"
    coded_xlsx(MATCHES, path, codes=["政策工具", "力度"], base_url="http://h/")
    book = load_workbook(path)
    sheet = book.worksheets[0]
    assert sheet.freeze_panes == "A2"
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0] == HEADER + ["政策工具", "力度"]
    row = dict(zip(rows[0], rows[1]))
    assert row["序号"] == 1 and row["文件ID"] == "gf-2017-9" and row["条款ID"] == "1.2"
    assert row["发文机关"] == "国务院；教育部" and row["年份"] == 2017 and row["文号"] == "国发〔2017〕9号"
    assert row["所在位置"] == "一、总体要求" and row["链接"] == "http://h/d/gf-2017-9/1.2"
    assert row["任务字段"] == "牵头部门：科技部；时间：2018年" and row["条款主题"] == "人才；基础研究"
    assert row["条款正文"] == "=SUM(A1) 公式样的正文"          # control character dropped, no formula
    assert sheet.cell(row=2, column=HEADER.index("条款正文") + 1).data_type == "s"
    assert row["政策工具"] is None and row["力度"] is None
    assert [r[2] for r in rows[1:]] == ["1.2", "1"]
    assert [r[0] for r in book["列说明"].iter_rows(values_only=True)][1:] == HEADER


def test_coded_sheet_reimports(tmp_path):
    path = tmp_path / "coded.xlsx"
    coded_xlsx(MATCHES, path, codes=["政策工具", "力度"])
    book = load_workbook(path)
    sheet = book.worksheets[0]
    sheet.cell(row=2, column=len(HEADER) + 1, value="供给型")
    sheet.cell(row=2, column=len(HEADER) + 2, value=3)
    sheet.cell(row=3, column=len(HEADER) + 1, value="环境型")
    book.save(path)
    assert read_coded(path) == [("gf-2017-9", "1.2", {"政策工具": "供给型", "力度": "3"}),
                                ("gf-2017-9", "1", {"政策工具": "环境型", "力度": ""})]


def test_reimport_finds_columns_by_header_not_position(tmp_path):
    from openpyxl import Workbook
    book = Workbook()
    book.active.append(["力度", "条款ID", "备注", "文件ID"])
    book.active.append([2, "art-6", None, "gf-2018-4"])
    book.active.append([None, None, None, None])
    book.save(tmp_path / "moved.xlsx")
    assert read_coded(tmp_path / "moved.xlsx") == [("gf-2018-4", "art-6", {"力度": "2", "备注": ""})]
    book = Workbook()
    book.active.append(["a", "b"])
    book.save(tmp_path / "bad.xlsx")
    with pytest.raises(QueryError):
        read_coded(tmp_path / "bad.xlsx")


def test_csv_has_the_same_columns():
    rows = list(csv.reader(io.StringIO(coded_csv(MATCHES, codes=["政策工具"]))))
    assert rows[0] == HEADER + ["政策工具"] and len(rows) == 3
    assert rows[1][HEADER.index("条款正文")].startswith("'=SUM")      # Excel will not run it
    assert rows[1][-1] == ""


@pytest.mark.parametrize("codes", [[""], ["文件ID"], ["a", "a"], ["x" * 41], [str(i) for i in range(31)]])
def test_bad_code_names_are_refused(codes):
    with pytest.raises(QueryError):
        coded_csv(MATCHES, codes=codes)


def test_real_result_set_exports_every_match(built_index, tmp_path):
    engine = Engine(built_index)
    matches, _, total = engine_matches(engine, SearchRequest(q="人才"))
    out = io.BytesIO()
    coded_xlsx(matches, out, codes=["政策工具"])
    out.seek(0)
    rows = list(load_workbook(out, read_only=True).worksheets[0].iter_rows(values_only=True))
    assert len(rows) == 1 + total
    ids = [(r[1], r[2]) for r in rows[1:]]
    assert ids == [(d.id, c.id) for d, c in matches]
    assert all(engine.clause(d, c) is not None for d, c in ids)     # ids resolve: re-importable


def test_xlsx_cells_are_the_rows_cells_with_outline_breadcrumbs(built_index):
    """The XLSX writes each document's cells once (xlsx.Shared) and works out breadcrumbs per
    parent; its cells are still coded_rows' (lists joined with ；, every value as text but the
    numbers) and each breadcrumb is present.outline's ancestors."""
    engine = Engine(built_index)
    matches, _, _ = engine_matches(engine, SearchRequest(q="创新"))
    cycle = document("cyc", [clause("a", "甲", label="一、", heading="甲", parent="b"),
                             clause("b", "乙", label="二、", heading="乙", parent="a")])
    matches = matches + [(cycle, c) for c in cycle.clauses] + matches[:5]
    out = io.BytesIO()
    coded_xlsx(matches, out)
    out.seek(0)
    got = list(load_workbook(out, read_only=True).worksheets[0].iter_rows(values_only=True))[1:]
    joined = ([LIST_SEPARATOR.join(v) if isinstance(v, list) else v for v in row] for row in coded_rows(matches))
    expected = [[None if v == "" else v for v in row] for row in joined]
    assert [list(r) for r in got] == expected
    for (document_, clause_), row in zip(matches, expected):
        entry = {e.clause.id: e for e in present.outline(document_)}[clause_.id]
        crumb = " › ".join(present.clause_title(a) for a in entry.ancestors)
        assert row[HEADER.index("所在位置")] == (crumb or None)


def test_clause_places_are_worked_out_once_per_document_and_give_the_same_rows():
    """An export given the version's ClausePlaces gives the rows a fresh one gives, and a
    second export through the same places works out no breadcrumb again."""
    matches = MATCHES * 3
    places = coded.ClausePlaces()
    assert list(coded_rows(matches)) == list(coded._rows(matches, "", False, places))
    calls = []
    original = coded._place
    try:
        coded._place = lambda *a, **k: calls.append(1) or original(*a, **k)
        again = list(coded._rows(matches, "", False, places))
    finally:
        coded._place = original
    assert calls == [] and again == list(coded_rows(matches))
    assert {row[2]: row[12] for row in again} == {"1.2": "一、总体要求", "1": ""}
