"""Stable, human-readable document identifiers, built from a document's own metadata.

Like ELI ({type}/{year}/{number}), an id comes from what the document says about itself, never
from a file name or a position in a file, so it survives renaming files and adding documents:

- with a 文号: pinyin initials of the agency code, the year, the number
  (国发〔2017〕35号 → gf-2017-35, 国科发基〔2017〕322号 → gkfj-2017-322);
- without: the date, pinyin initials of the title's first characters, and of the type
  (2014-07-07 中国科学院“率先行动”计划暨全面深化改革纲要 → 2014-07-07-zgkxysxx-gy). The type
  is spelled with the frozen patterns.ID_TYPES (行动计划 → 计划 → jh, 实施细则 → 其他 → qt),
  so that reading types more finely never moves a document's link.

Two documents with the same id are told apart by sorting them on their metadata and text:
the first keeps the id, the others get -2, -3 … in that order.
"""
from __future__ import annotations

import re

from pypinyin import Style, lazy_pinyin

from indexer.patterns import DOC_NUMBER, ID_TYPES, OTHER_TYPE
from indexer.records import Document

_TITLE_CHARS = 8        # enough to tell documents of one day apart, short enough to type
_UNDATED = "nd"


def document_id(title: str, doc_number: str, date: str, doc_type: str) -> str:
    """The id a document's metadata gives it (before collisions are resolved)."""
    match = DOC_NUMBER.match(doc_number.strip())
    if match:
        agency = initials(match.group("agency")) or "wh"
        return f"{agency}-{match.group('year')}-{int(match.group('number'))}"
    id_type = _id_type(doc_type)
    parts = [date or _UNDATED, initials(_title_core(title, id_type))[:_TITLE_CHARS]]
    if id_type:
        parts.append(initials(id_type))
    return "-".join(p for p in parts if p)


def assign_document_ids(documents: list[Document]) -> None:
    """Give every document its id, unique across `documents`, whatever their order."""
    by_id: dict[str, list[Document]] = {}
    for document in documents:
        base = document_id(document.title, document.doc_number, document.date, document.doc_type)
        by_id.setdefault(base, []).append(document)
    for base, same in by_id.items():
        for n, document in enumerate(sorted(same, key=_identity_key), start=1):
            document.id = base if n == 1 else f"{base}-{n}"


def initials(text: str) -> str:
    """Lowercase pinyin initials of the Chinese characters; Latin letters and digits kept."""
    letters = lazy_pinyin(text, style=Style.FIRST_LETTER)
    return re.sub(r"[^a-z0-9]", "", "".join(letters).lower())


def _id_type(doc_type: str) -> str:
    """The type as ids spell it: the frozen ID_TYPES word the type ends with, else 其他."""
    if not doc_type:
        return ""
    return next((t for t in ID_TYPES if doc_type.endswith(t)), OTHER_TYPE)


def _title_core(title: str, doc_type: str) -> str:
    """The title's distinctive part: no leading 关于 (half of all titles start with it), no
    quotes or brackets, no trailing genre word (the type follows separately)."""
    core = re.sub(r"[(（][^()（）]*[)）]", "", title)
    core = re.sub(r"[^\w]", "", core).removeprefix("关于")
    if doc_type and core.endswith(doc_type) and len(core) > len(doc_type):
        core = core[: -len(doc_type)]
    return core


def _identity_key(document: Document) -> tuple:
    text = "\n".join(c.label + c.heading + c.text for c in document.clauses)
    return (document.title, document.date, document.doc_number, text)
