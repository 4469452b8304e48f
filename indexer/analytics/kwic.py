"""Concordance (KWIC, keyword in context): one row per occurrence of the query's terms.

Rules:

- An occurrence is found where search finds it: on the clause's displayed text (label, heading
  and text joined by a space) after normalisation (NFKC, casefold, traditional → simplified,
  whitespace removed: indexer/analysis.py), so 產教融合 or a term broken by a line wrap counts,
  exactly as it matched.
- Each occurrence is mapped back to the original text through the normaliser's offsets: the
  keyword column shows the characters as printed, and the contexts are the `width` original
  characters either side (line breaks shown as spaces).
- Occurrences of several terms (a query's words and their synonyms) are read left to right;
  where two overlap, the one starting first wins, and the longer one at the same start (研究 and
  基础研究 in 基础研究: one row, 基础研究). For a single term the rows of a clause are therefore
  `normalize(text).count(term)`: non-overlapping occurrences, like `str.count`.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from indexer.analysis import find_all, normalize_with_offsets
from indexer.analytics.common import Match, csv_table, permalink
from indexer.clausetext import clause_text
from indexer.text import csv_lines

COLUMNS = [("left", "左文"), ("keyword", "关键词"), ("right", "右文"), ("doc_id", "文件ID"),
           ("clause_id", "条款ID"), ("permalink", "链接"), ("doc_number", "文号"),
           ("issuers", "发文机关"), ("date", "日期"), ("label", "条款编号"), ("title", "文件标题")]
DEFAULT_WIDTH = 20
MAX_WIDTH = 200


@dataclass(kw_only=True)
class KwicRow:
    left: str
    keyword: str
    right: str
    doc_id: str
    clause_id: str
    permalink: str
    doc_number: str
    issuers: list[str]
    date: str
    label: str
    title: str


def occurrences(text: str, terms: Sequence[str]) -> list[tuple[int, int]]:
    """(start, end) spans in the original `text` of the occurrences of the normalised `terms`,
    left to right, without overlaps (see the module docstring)."""
    normalized, offsets = normalize_with_offsets(text)
    found = sorted(((s, -e) for term in set(terms) if term for s, e in find_all(normalized, term)))
    spans, reached = [], 0
    for start, neg_end in found:
        if start >= reached:
            spans.append((offsets[start], offsets[-neg_end - 1] + 1))
            reached = -neg_end
    return spans


def concordance(matches: Iterable[Match], terms: Sequence[str],
                width: int = DEFAULT_WIDTH, base_url: str = "") -> list[KwicRow]:
    """The KWIC rows of every match, in result order and text order; permalinks start with
    `base_url` (the site's address, so a link pasted from the sheet works anywhere)."""
    return list(concordance_rows(matches, terms, width, base_url))


def concordance_rows(matches: Iterable[Match], terms: Sequence[str],
                     width: int = DEFAULT_WIDTH, base_url: str = "") -> Iterator[KwicRow]:
    """`concordance`, one row at a time (a download streams them)."""
    base_url = base_url.rstrip("/")
    width = max(0, min(width, MAX_WIDTH))
    for document, clause in matches:
        text = clause_text(clause)
        for start, end in occurrences(text, terms):
            yield KwicRow(
                left=_flat(text[max(0, start - width):start]), keyword=text[start:end],
                right=_flat(text[end:end + width]), doc_id=document.id, clause_id=clause.id,
                permalink=base_url + permalink(document.id, clause.id), doc_number=document.doc_number,
                issuers=list(document.issuers), date=document.date, label=clause.label,
                title=document.title)


def _flat(text: str) -> str:
    return text.replace("\r", " ").replace("\n", " ")


def kwic_table(rows: Iterable[KwicRow]) -> Iterator[Sequence]:
    """The header and one list of cells per row (columns: `COLUMNS`)."""
    keys = [key for key, _ in COLUMNS]
    return csv_table(COLUMNS, ([getattr(r, k) for k in keys] for r in rows))


def kwic_csv(rows: Iterable[KwicRow]) -> str:
    """The rows as CSV (columns: `COLUMNS`)."""
    return "".join(csv_lines(kwic_table(rows)))
