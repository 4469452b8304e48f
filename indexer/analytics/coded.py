"""Coded export: a search's clauses as a spreadsheet a researcher codes by hand.

One row per matching clause, in result order, with every metadata field of the clause and its
document (`COLUMNS`), the breadcrumb (the parent clauses' titles joined by ` › `), the permalink,
and then one empty column per code the researcher names (`code=政策工具&code=力度` → columns
政策工具, 力度). The XLSX has a frozen header row and is streamed by indexer/xlsx.py (rows
written as they are made; why not openpyxl's writer: there); every cell but the numbers is
stored as text, so corpus text that starts with `=` is never read as a formula. What an export
keeps grows with its documents, not its rows: each document's cells (made once, and given to
the XLSX as `xlsx.Shared` runs, rendered once); its clauses' breadcrumbs (the titles of their
ancestors, as `present.outline` gives them) and permalink paths are kept by the index version
(`ClausePlaces`), worked out once per version.

Re-import: `read_coded` reads a coded sheet back as (doc_id, clause_id, {code: value}). Rows are
identified by the 文件ID and 条款ID columns (stable ids that survive rebuilds), columns by their
header, not their position, so a researcher may reorder or hide columns; every column whose
header is not one of `COLUMNS` is a code column.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from operator import attrgetter
from pathlib import Path
from typing import BinaryIO

from openpyxl import load_workbook

from indexer import present, xlsx
from indexer.analytics.common import Match, clause_segment, csv_text, document_path
from indexer.facets import year_of
from indexer.text import LIST_SEPARATOR
from indexer.records import Clause, ClauseKind, Document, QueryError

COLUMNS = [("rank", "序号"), ("doc_id", "文件ID"), ("clause_id", "条款ID"), ("title", "文件标题"),
           ("doc_number", "文号"), ("issuers", "发文机关"), ("date", "日期"), ("year", "年份"),
           ("doc_type", "文种"), ("doc_themes", "文件主题"), ("label", "条款编号"),
           ("heading", "条款标题"), ("breadcrumb", "所在位置"), ("text", "条款正文"),
           ("clause_themes", "条款主题"), ("kind", "条款类型"), ("fields", "任务字段"),
           ("permalink", "链接"), ("source", "来源文件")]
HEADERS = {zh for _, zh in COLUMNS}
_KIND_TEXT = {kind: str(kind) for kind in ClauseKind}     # str() of a StrEnum, once
MAX_CODES = 30
MAX_CODE_LENGTH = 40
# What each XLSX row of `_rows(…, join=True)` holds, position by position (xlsx.Sheet.layout):
# the rank, the document id (a Shared run of 1), the clause id, the document's 7 cells from
# title to themes (Shared), the clause's 8 text cells from label to permalink, the source
# (Shared). tests/test_analytics_coded.py checks it against the rows.
XLSX_LAYOUT = (int, 1, str, 7, str, str, str, str, str, str, str, str, 1)
# Wider columns (1-based column numbers) for the title, breadcrumb, text and permalink.
WIDTHS = {4: 30, 13: 30, 14: 60, 18: 30}


def check_codes(codes: Sequence[str]) -> list[str]:
    """The researcher's code names, stripped; QueryError when empty, repeated, too many, too
    long, or the same as a metadata column."""
    names = [c.strip() for c in codes]
    if len(names) > MAX_CODES:
        raise QueryError(f"编码列最多 {MAX_CODES} 个。 At most {MAX_CODES} code columns.")
    for name in names:
        if not name or len(name) > MAX_CODE_LENGTH:
            raise QueryError(f"编码列名须为 1–{MAX_CODE_LENGTH} 个字符（收到 {name!r}）。 "
                             f"A code name must be 1–{MAX_CODE_LENGTH} characters.")
        if name in HEADERS:
            raise QueryError(f"编码列名与元数据列重名：{name}。 Code name {name!r} is a metadata column.")
    if len(set(names)) != len(names):
        raise QueryError("编码列名重复。 Code names must be distinct.")
    return names


def coded_rows(matches: Iterable[Match], base_url: str = "") -> Iterator[list]:
    """The metadata cells of each matching clause (`COLUMNS` order); lists stay lists."""
    return _rows(matches, base_url, join=False)


def _rows(matches: Iterable[Match], base_url: str, join: bool,
          places: ClausePlaces | None = None) -> Iterator[list]:
    """`coded_rows`; for the XLSX (`join`), lists joined with ； and each document's cells as
    `xlsx.Shared` runs (rendered once per document, not once per row). A document's cells are
    made once per export; its clauses' breadcrumbs and permalink paths come from `places`
    (kept by the index version, so worked out once per version; a fresh one when not given)."""
    base_url = base_url.rstrip("/")
    places = places if places is not None else ClausePlaces()
    documents: dict[str, tuple] = {}
    for rank, (document, clause) in enumerate(matches, 1):
        known = documents.get(document.id)
        if known is None or known[0] is not document:
            described = [document.title, document.doc_number, list(document.issuers), document.date,
                         year_of(document), document.doc_type, list(document.themes)]
            if join:
                described[2], described[6] = LIST_SEPARATOR.join(described[2]), LIST_SEPARATOR.join(described[6])
                known = (document, places.of(document), described, xlsx.Shared([document.id]),
                         xlsx.Shared(described), xlsx.Shared([document.source]))
            else:
                known = (document, places.of(document), described)
            documents[document.id] = known
        crumb, path = known[1].get(clause.id) or _place(document, clause, {}, {})
        fields = LIST_SEPARATOR.join(f"{k}：{v}" for k, v in clause.fields.items()) if clause.fields else ""
        if join:
            yield [rank, known[3], clause.id, known[4], clause.label, clause.heading, crumb,
                   clause.text, LIST_SEPARATOR.join(clause.themes) if clause.themes else "",
                   _KIND_TEXT.get(clause.kind) or str(clause.kind), fields, base_url + path, known[5]]
        else:
            title, doc_number, issuers, date, year, doc_type, themes = known[2]
            yield [rank, document.id, clause.id, title, doc_number, list(issuers), date, year, doc_type,
                   list(themes), clause.label, clause.heading, crumb, clause.text,
                   list(clause.themes), clause.kind, fields, base_url + path, document.source]


class ClausePlaces:
    """Per document, each clause's breadcrumb (the titles of its parents, outermost first,
    joined by ` › `, as `present.outline` gives its ancestors) and permalink path, worked out
    for all of a document's clauses the first time one of them is exported, and kept. The
    index version keeps one (`IndexVersion.clause_places`), so a large export pays for them
    once per version: the ×100 benchmark's largest sheet (人才, 17,419 rows of 2,001
    documents) spent ~65 of its ~140 ms of rows on breadcrumbs worked out per request."""

    def __init__(self):
        self._documents: dict[str, tuple[Document, dict[str, tuple[str, str]]]] = {}

    def of(self, document: Document) -> dict[str, tuple[str, str]]:
        """clause id → (breadcrumb, permalink path) for every clause of `document`."""
        known = self._documents.get(document.id)
        if known is None or known[0] is not document:
            crumbs: dict[str | None, str] = {}
            by_id = dict(zip(map(attrgetter("id"), document.clauses), document.clauses))
            known = self._documents[document.id] = (
                document, {c.id: _place(document, c, by_id, crumbs) for c in document.clauses})
        return known[1]


def _place(document: Document, clause: Clause, by_id: dict[str, Clause],
           crumbs: dict[str | None, str]) -> tuple[str, str]:
    """(breadcrumb, permalink path) of `clause`; `crumbs` caches a breadcrumb per parent id."""
    path = document_path(document.id) + clause_segment(clause.id)
    parent = clause.parent
    if parent is None or parent not in by_id:
        return "", path
    crumb = crumbs.get(parent)
    if crumb is None:
        ancestors: list[Clause] = []
        while parent in by_id and len(ancestors) < len(by_id):   # bound: a parent cycle
            ancestors.append(by_id[parent])
            parent = by_id[parent].parent
        crumb = crumbs[clause.parent] = " › ".join(present.clause_title(a) for a in reversed(ancestors))
    return crumb, path


def coded_csv(matches: Iterable[Match], codes: Sequence[str] = (), base_url: str = "") -> str:
    """The coded sheet as CSV (metadata columns, then one empty column per code)."""
    codes = check_codes(codes)
    columns = COLUMNS + [(c, c) for c in codes]
    return csv_text(columns, (row + [""] * len(codes) for row in coded_rows(matches, base_url)))


def coded_xlsx(matches: Iterable[Match], out: BinaryIO | Path, codes: Sequence[str] = (),
               base_url: str = "") -> None:
    """The coded sheet as XLSX written to `out` (a path or a binary file object)."""
    xlsx.write(out, coded_sheets(matches, codes, base_url))


def coded_sheets(matches: Iterable[Match], codes: Sequence[str] = (), base_url: str = "",
                 places: ClausePlaces | None = None) -> list[xlsx.Sheet]:
    """The coded workbook: the clauses (frozen header, the metadata columns then one empty
    column per code) and a legend sheet mapping each Chinese header to its key (for scripts).
    Checks the codes now, so a bad code is an error before anything is streamed."""
    codes = check_codes(codes)
    rows = _rows(matches, base_url, join=True, places=places)
    return [xlsx.Sheet(name="条款", header=[zh for _, zh in COLUMNS] + codes, rows=rows,
                       freeze_header=True, widths=WIDTHS, layout=XLSX_LAYOUT),
            xlsx.Sheet(name="列说明", rows=[["表头", "key"], *([zh, key] for key, zh in COLUMNS)])]


def read_coded(xlsx: BinaryIO | Path) -> list[tuple[str, str, dict[str, str]]]:
    """(doc_id, clause_id, {code: value}) for every row of a coded sheet (first sheet, header
    in row 1); empty code cells are "", rows without both ids are skipped."""
    book = load_workbook(xlsx, read_only=True, data_only=True)
    try:
        rows = book.worksheets[0].iter_rows(values_only=True)
        header = [str(h).strip() if h is not None else "" for h in next(rows, ())]
        if "文件ID" not in header or "条款ID" not in header:
            raise QueryError("表格缺少 文件ID 或 条款ID 列。 The sheet lacks the 文件ID/条款ID columns.")
        doc_at, clause_at = header.index("文件ID"), header.index("条款ID")
        code_at = [(i, h) for i, h in enumerate(header) if h and h not in HEADERS]
        found = []
        for row in rows:
            row = list(row) + [None] * (len(header) - len(row))
            if row[doc_at] and row[clause_at]:
                codes = {h: "" if row[i] is None else str(row[i]) for i, h in code_at}
                found.append((str(row[doc_at]), str(row[clause_at]), codes))
        return found
    finally:
        book.close()
