"""Links between documents on the pages: references in clause text, 引用 / 被引用 lists, the
validity line, and the list of documents cited but not in the collection.

What the pages show, and why:

* **In clause text** a reference resolved to another document links to it — to the cited clause
  when the pointer (第十条) resolved, else to the document. A pointer into the same document
  (本办法第五条, 前款) links to that clause. A reference the collection cannot resolve stays plain
  text with a hint (未收录), so the reader knows it is a document, only not held yet. A document
  naming itself (its cover notice) is not a link.
* **引用** lists what a document (or one clause) cites in other documents and what it cites that
  is not held, grouped by relation in the fixed order 依据, 废止, 修订, 配套, 提及; pointers into
  itself are left out (they are links in the text already). **被引用** lists the clauses of
  other documents that cite it; on a clause page only those citing exactly that clause.
  The same citing clause → same target under one relation is listed once.
* **Validity** is never shown without its basis: the status, the sentence and the clause it is
  read from.

The hrefs are made here (Flask's url_for); the HTML of clause text is made by
`indexer.present.linked_paragraphs`, which escapes every piece. The lists are plain data for
templates/_links.html, which Jinja escapes.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from flask import g, url_for

from indexer.links.export import validity_json
from indexer.links.model import CitedBy, Reference, Relation, Validity
from indexer.present import LinkSpan, Reading, clause_caption, linked_lines
from indexer.records import Document
from indexer.search import Searcher

UNRESOLVED_HINT = "本库未收录此文件"
# CSS class of each status's badge (ASCII class names; the badge's text is the status itself).
VALIDITY_CLASSES = {"现行有效": "in-force", "已废止": "repealed", "已失效": "expired",
                    "尚未施行": "not-yet", "未知": "unknown"}


@dataclass(kw_only=True)
class LinkRow:
    """One line of a 引用 / 被引用 list."""
    title: str              # the other document (cited or citing), or the title as printed
    href: str | None        # None: not in the collection
    clause: str = ""        # the other side's clause title (第十条 …), "" for a whole document
    here: str = ""          # which clause of this page's document (shown on document pages)
    here_href: str | None = None


@dataclass(kw_only=True)
class PageLinks:
    validity: Validity
    basis_href: str | None
    references: list[tuple[str, list[LinkRow]]] = field(default_factory=list)   # (relation, rows)
    cited_by: list[tuple[str, list[LinkRow]]] = field(default_factory=list)
    reference_count: int = 0
    cited_by_count: int = 0


# --- clause text ----------------------------------------------------------------------------

def use_document(s: Searcher, doc: Document) -> None:
    """Make the references of `doc`'s clause texts available to the clause_body macro."""
    spans: dict[str, list[LinkSpan]] = {}
    for ref in s.references(doc.id):
        if ref.field == "text":
            span = text_span(s, ref)
            if span:
                spans.setdefault(ref.clause, []).append(span)
    g.cesou_clause_links = spans


def text_span(s: Searcher, ref: Reference) -> LinkSpan | None:
    """How one reference shows in the text: a link, a hinted plain span, or None (no markup)."""
    hint = f"{ref.relation} · "
    if ref.target_doc is None:
        if ref.internal:
            return None                 # 前款 of an article the document does not have
        return LinkSpan(start=ref.start, end=ref.end, href=None, hint=hint + UNRESOLVED_HINT)
    if ref.is_self and not ref.target_clause:
        return None                     # the document naming itself
    target = s.document(ref.target_doc)
    if target is None:
        return None
    clause = s.clause(target.id, ref.target_clause) if ref.target_clause else None
    shown = f"《{target.title}》" + (f" {clause_caption(clause)}" if clause else "")
    return LinkSpan(start=ref.start, end=ref.end, href=_url(target.id, ref.target_clause),
                    hint=hint + shown)


def clause_paragraphs(r: Reading, terms: list[str]) -> list[str]:
    """A clause body's paragraphs (a present.Reading's) as HTML, references linked and terms
    marked (the macro's function: the spans are those `use_document` prepared for this request,
    if any)."""
    spans = g.get("cesou_clause_links", {}).get(r.clause.id, []) if g else []
    return linked_lines(r.clause.text, r.paragraphs, terms, spans)


# --- the 引用 / 被引用 lists ----------------------------------------------------------------

def page_links(s: Searcher, doc: Document, clause_id: str | None = None) -> PageLinks:
    """The lists of a document page (clause_id None) or of one clause page."""
    validity = s.validity(doc.id)
    refs = [r for r in s.references(doc.id, clause_id) if not (r.internal or r.is_self)]
    cited = s.cited_by(doc.id, clause_id)
    on_document = clause_id is None
    reference_rows = _grouped((r.relation, _reference_row(s, doc, r, on_document)) for r in refs)
    cited_rows = _grouped((c.relation, _cited_row(s, doc, c, on_document)) for c in cited)
    return PageLinks(
        validity=validity,
        basis_href=_url(validity.basis_doc, validity.basis_clause) if validity.basis_doc else None,
        references=reference_rows, cited_by=cited_rows,
        reference_count=sum(len(rows) for _, rows in reference_rows),
        cited_by_count=sum(len(rows) for _, rows in cited_rows))


def _reference_row(s: Searcher, doc: Document, ref: Reference, on_document: bool) -> LinkRow:
    target = s.document(ref.target_doc) if ref.target_doc else None
    if target is None:
        title = f"《{ref.title}》" if ref.title else ref.text
        if ref.doc_number and ref.doc_number not in title:
            title += f"（{ref.doc_number}）"
        row = LinkRow(title=title, href=None, clause=ref.article)
    else:
        clause = s.clause(target.id, ref.target_clause) if ref.target_clause else None
        row = LinkRow(title=target.title, href=_url(target.id, ref.target_clause),
                      clause=clause_caption(clause) if clause else ref.article)
    if on_document:
        row.here, row.here_href = _clause_name(s, doc.id, ref.clause), _url(doc.id, ref.clause)
    return row


def _cited_row(s: Searcher, doc: Document, entry: CitedBy, on_document: bool) -> LinkRow:
    citing = s.document(entry.doc)
    row = LinkRow(title=citing.title if citing else entry.doc, href=_url(entry.doc, entry.clause),
                  clause=_clause_name(s, entry.doc, entry.clause))
    if on_document and entry.target_clause:
        row.here = _clause_name(s, doc.id, entry.target_clause)
        row.here_href = _url(doc.id, entry.target_clause)
    return row


def _grouped(pairs: Iterable[tuple[Relation, LinkRow]]) -> list[tuple[str, list[LinkRow]]]:
    """Rows by relation in the order of `Relation`, each row once."""
    groups: dict[Relation, list[LinkRow]] = {relation: [] for relation in Relation}
    for relation, row in pairs:
        if row not in groups[relation]:
            groups[relation].append(row)
    return [(str(relation), rows) for relation, rows in groups.items() if rows]


def _clause_name(s: Searcher, doc_id: str, clause_id: str) -> str:
    """What a reader calls the clause (present.clause_caption: 第十条, 引言第2段, （1）会同…)."""
    clause = s.clause(doc_id, clause_id)
    return clause_caption(clause) if clause else clause_id


def _url(doc_id: str, clause_id: str | None = None) -> str:
    if clause_id:
        return url_for("site.clause", doc_id=doc_id, clause_id=clause_id)
    return url_for("site.document", doc_id=doc_id)


# --- documents cited but not held -----------------------------------------------------------

def missing_json(s: Searcher, external: bool = False) -> list[dict]:
    """The to-do list of the collection: every title (or 文号) cited but not held, most cited
    first, with the citing clauses."""
    return [{"title": u.title, "doc_number": u.doc_number, "count": u.count,
             "citing": [{"doc": doc_id, "clause": clause_id,
                         "doc_title": (s.document(doc_id).title if s.document(doc_id) else ""),
                         "clause_title": _clause_name(s, doc_id, clause_id),
                         "url": url_for("site.clause", doc_id=doc_id, clause_id=clause_id,
                                        _external=external)}
                        for doc_id, clause_id in u.citing]}
            for u in s.citations().unresolved]


def validity_of(s: Searcher, doc_id: str) -> dict:
    return validity_json(s.validity(doc_id))


def validity_class(status: str) -> str:
    return "validity-" + VALIDITY_CLASSES.get(status, "unknown")
