"""Helpers shared by the analytics modules: matches, permalinks, CSV text.

Rules the analytics share with the rest of Cesou are not restated here but used from their one
home: a document's year is `facets.year_of` (the year facet's rule: a document whose date does
not start with a year is *undated*, and each analysis says what it does with those); a clause's
text is `clausetext.clause_text` (label, heading and text, what the index matches on); a CSV
cell is `text.csv_cell` (the search CSV's rule: a leading = + - @ quoted for Excel).
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from urllib.parse import quote

from indexer.records import Clause, Document
from indexer.text import csv_cell

Match = tuple[Document, Clause]
UNSET = "（未注明）"     # the split key of a clause whose document has no issuer/type, or no theme


def permalink(doc_id: str, clause_id: str) -> str:
    """The site path of a clause: /d/<doc_id>/<clause_id>."""
    return f"/d/{quote(doc_id, safe='')}/{quote(clause_id, safe='.')}"


def distinct_documents(matches: Iterable[Match]) -> list[Document]:
    """The documents of the matches, each once, in first-match order."""
    seen: dict[str, Document] = {}
    for document, _ in matches:
        seen.setdefault(document.id, document)
    return list(seen.values())


def csv_text(columns: Sequence[tuple[str, str]], rows: Iterable[Sequence]) -> str:
    """CSV with the Chinese header of `columns` ((key, 中文) pairs) and one line per row."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([zh for _, zh in columns])
    writer.writerows([csv_cell(v) for v in row] for row in rows)
    return out.getvalue()
