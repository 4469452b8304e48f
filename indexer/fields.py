"""Field search: 标题:, 文号:, 机关:, 正文: and the fields of task records (牵头部门: …).

A term typed with a field prefix (indexer/query.py) matches only in that field:

* document fields — 标题 (title), 文号 (the document's own 文号, in any bracket form), 机关 or
  发文机关 (an issuer: its name contains the term, or the term is another name of it) —
  narrow the search to the documents whose field holds the term (a `FilterSpec.doc_ids`);
* task-record fields — any field name the collection's task records use (牵头部门, 时间期限,
  具体举措 …) — narrow it to the clauses whose field holds the term (`FilterSpec.docnums`);
* 正文 — the clause's own text, which is what an unprefixed term searches anyway.

Comparison is on normalised text (analysis.normalize), as everywhere. A prefixed term in an OR
group, or with a name that is no field, is searched as plain text (prefix included), so a
pasted 意见：… still finds itself. Excluded field terms (-机关:教育部) remove what they match.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from indexer import analysis, known
from indexer.links.resolve import number_key
from indexer.query import ParsedQuery, Term
from indexer.records import Document

CLAUSE_TEXT = "正文"


def _issuer_matches(document: Document, value: str, canonical: Callable[[str], str]) -> bool:
    return canonical(value) in document.issuers or any(
        value in analysis.normalize(issuer) for issuer in document.issuers)


def _number_matches(document: Document, value: str) -> bool:
    wanted = known.doc_number_of(value)
    if wanted:
        return number_key(document.doc_number) == wanted
    return value in analysis.normalize(document.doc_number)


# Field name → does this document's field hold the (normalised) value?
DOCUMENT_FIELDS: dict[str, Callable] = {
    "标题": lambda d, v, canonical: v in analysis.normalize(d.title),
    "文号": lambda d, v, canonical: _number_matches(d, v),
    "机关": _issuer_matches,
    "发文机关": _issuer_matches,
}


@dataclass(frozen=True)
class FieldScope:
    """What the field terms of a query allow: document ids and clause docnums (None: any)."""
    doc_ids: frozenset[str] | None = None
    docnums: frozenset[int] | None = None


def apply_fields(parsed: ParsedQuery, version) -> tuple[ParsedQuery, FieldScope]:
    """The query without its field terms, and the scope those terms allow."""
    groups, scope = [], FieldScope()
    for group in parsed.groups:
        if len(group) == 1 and _known(group[0], version):
            scope = _narrow(scope, group[0], version, keep=True)
        else:
            groups.append([_as_text(t) for t in group])
    excluded = []
    for term in parsed.excluded:
        if _known(term, version):
            scope = _narrow(scope, term, version, keep=False)
        else:
            excluded.append(_as_text(term))
    return ParsedQuery(groups=groups, excluded=excluded), scope


def _known(term: Term, version) -> bool:
    return term.field is not None and (term.field in DOCUMENT_FIELDS or term.field == CLAUSE_TEXT
                                       or term.field in version.task_field_names)


def _as_text(term: Term) -> Term:
    """A field term searched in the clause text: 正文's value, any other its whole text."""
    if term.field == CLAUSE_TEXT:
        return Term(text=term.value, typed=term.typed.split(":", 1)[1], quoted=term.quoted)
    return term


def _narrow(scope: FieldScope, term: Term, version, keep: bool) -> FieldScope:
    if term.field == CLAUSE_TEXT:       # only reached for exclusions
        return scope
    if term.field in DOCUMENT_FIELDS:
        holds = DOCUMENT_FIELDS[term.field]
        canonical = version.alias_table.canonical_issuer
        found = frozenset(d.id for d in version.documents if holds(d, term.value, canonical))
        everything = frozenset(d.id for d in version.documents)
        chosen = found if keep else everything - found
        return replace(scope, doc_ids=chosen if scope.doc_ids is None else scope.doc_ids & chosen)
    found = frozenset(n for n, fields in version.task_fields()
                      if term.value in analysis.normalize(fields.get(term.field, "")))
    chosen = found if keep else frozenset(range(version.clause_count)) - found
    return replace(scope, docnums=chosen if scope.docnums is None else scope.docnums & chosen)
