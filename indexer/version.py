"""One published index version, opened: the documents store and the backend over it.

An `IndexVersion` is immutable once opened. A request takes one (indexer.search.Engine's
`snapshot()`) and is served from it from start to end, so a rebuild that publishes meanwhile
is seen by the next request, never by half of this one.

What lives here is backend-independent: the documents and their clauses, per-clause arrays
addressed by docnum (the clause's position in the store: documents in order, then their
clauses), the normalised texts the engine verifies and snippets from, and each document's
outline for breadcrumbs, the citation graph (citations.json: what each clause cites, what
cites each document and clause, each document's validity with its basis; a version built before
the graph existed has an empty one, so its pages simply list no links), and the analytics'
per-version data (year totals, word sets, echoes), read once on first use. The backend
(`backend`) answers matching, counting and ranking.
"""
from __future__ import annotations

import functools
from array import array
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from indexer import aliases, analysis, analytics_files, known, present, store
from indexer.analytics import coded, cooccur, echoes, trends
from indexer.backends import base
from indexer.links.model import CitationGraph, CitedBy, Reference, Status, Validity
from indexer.records import Clause, Document


class IndexNotFound(Exception):
    """No index is published yet; the message tells how to build one."""


@dataclass(kw_only=True)
class IndexVersion:
    path: Path
    documents: list[Document]
    document_aliases: dict[str, str]    # alias document id → canonical id
    alias_table: aliases.AliasTable
    texts: list[str]                    # docnum → normalised label+heading+text
    headings: list[str]                 # docnum → normalised label+heading
    contexts: list[str]                 # docnum → normalised title + ancestor headings
    doc_of: array                       # docnum → index into documents
    clause_of: array                    # docnum → index into that document's clauses
    doc_start: list[int]                # document index → its first docnum
    by_id: dict[str, int]               # canonical document id → index into documents
    clause_docnum: dict[tuple[str, str], int]
    citations: CitationGraph = field(default_factory=CitationGraph)
    backend: base.SearchBackend | None = None
    outlines: dict[int, list[present.OutlineEntry]] = field(default_factory=dict)  # filled on use
    _task_fields: list[tuple[int, dict[str, str]]] | None = None

    @property
    def clause_count(self) -> int:
        return len(self.texts)

    @functools.cached_property
    def task_field_names(self) -> frozenset[str]:
        """Every field name of the collection's task records (牵头部门, 时间期限 …)."""
        return frozenset(name for _, fields in self.task_fields() for name in fields)

    @functools.cached_property
    def titles(self) -> known.TitleIndex:
        """文号 and title keys for known-item lookup."""
        return known.TitleIndex(self.documents, self.alias_table)

    @functools.cached_property
    def year_totals(self) -> trends.YearTotals:
        """Clauses and documents of each year of the collection: the trends' denominators."""
        return trends.collection_totals(self.documents)

    @functools.cached_property
    def word_stats(self) -> cooccur.WordStats:
        """Every clause's word set (co-occurrence), as the build wrote it."""
        return analytics_files.read_word_stats(self.path, self.documents)

    @functools.cached_property
    def clause_places(self) -> coded.ClausePlaces:
        """Each exported clause's breadcrumb and permalink path, kept for the version."""
        return coded.ClausePlaces()

    def echo_pairs(self) -> Iterator[echoes.EchoPair]:
        """Every pair of near-identical clauses in different documents, most similar first,
        read one at a time (an export streams them; nothing is kept)."""
        return analytics_files.read_echo_pairs(self.path, self.documents, self.texts)

    @functools.cached_property
    def common_wording(self) -> dict[tuple[str, str], int]:
        """(doc_id, clause_id) → about how many clauses share its too-common wording."""
        return analytics_files.read_common_wording(self.path)

    @functools.cached_property
    def echo_index(self) -> echoes.EchoIndex | None:
        """Each clause's echoes, read in place (None: a version published without the index,
        or with one that does not describe this version's clauses)."""
        index = analytics_files.read_echo_index(self.path)
        return index if index is not None and index.clauses == self.clause_count else None

    @functools.cached_property
    def _echoes_by_clause(self) -> dict[tuple[str, str], list[tuple[str, str, float]]]:
        """A version published without an echo index: every echo, by clause, in memory."""
        return echoes.echoes_by_clause(self.echo_pairs())

    def echoes_of(self, doc_id: str, clause_id: str) -> list[tuple[str, str, float]]:
        """The clause's echoes (other doc_id, clause_id, similarity), in
        `echoes.clause_echo_order`."""
        index = self.echo_index
        if index is None:
            return self._echoes_by_clause.get((self.canonical(doc_id) or doc_id, clause_id), [])
        docnum = self.docnum(doc_id, clause_id)
        if docnum is None:
            return []
        found = []
        for partner, thousandths in index.of(docnum):
            if not 0 <= partner < self.clause_count:
                continue                    # never written so; a damaged file is not a 500
            document = self.document_at(partner)
            found.append((document.id, self.clause_at(partner).id, thousandths / 1000))
        return sorted(found, key=echoes.clause_echo_order)

    def task_fields(self) -> list[tuple[int, dict[str, str]]]:
        """(docnum, fields) of every clause that has fields: few, so scanned per query."""
        if self._task_fields is None:
            self._task_fields = [(n, self.clause_at(n).fields) for n in range(self.clause_count)
                                 if self.clause_at(n).fields]
        return self._task_fields

    def canonical(self, doc_id: str) -> str | None:
        """The canonical id for a canonical or alias document id; None when unknown."""
        return doc_id if doc_id in self.by_id else self.document_aliases.get(doc_id)

    def document(self, doc_id: str) -> Document | None:
        canonical = self.canonical(doc_id)
        return self.documents[self.by_id[canonical]] if canonical else None

    def docnum(self, doc_id: str, clause_id: str) -> int | None:
        return self.clause_docnum.get((self.canonical(doc_id) or "", clause_id))

    def document_at(self, docnum: int) -> Document:
        return self.documents[self.doc_of[docnum]]

    def clause_at(self, docnum: int) -> Clause:
        return self.documents[self.doc_of[docnum]].clauses[self.clause_of[docnum]]

    def docnums_of(self, document_index: int) -> range:
        first = self.doc_start[document_index]
        return range(first, first + len(self.documents[document_index].clauses))

    # --- the citation graph -------------------------------------------------------------------

    def references(self, doc_id: str, clause_id: str | None = None) -> list[Reference]:
        """What a document cites (or one of its clauses, when clause_id is given)."""
        refs = self.citations.references.get(self.canonical(doc_id) or "", [])
        return refs if clause_id is None else [r for r in refs if r.clause == clause_id]

    def cited_by(self, doc_id: str, clause_id: str | None = None) -> list[CitedBy]:
        """Who cites a document (or exactly one of its clauses, when clause_id is given)."""
        entries = self.citations.cited_by.get(self.canonical(doc_id) or "", [])
        return entries if clause_id is None else [c for c in entries if c.target_clause == clause_id]

    def validity(self, doc_id: str) -> Validity:
        return self.citations.validity.get(self.canonical(doc_id) or "", Validity(status=Status.UNKNOWN))

    def breadcrumb(self, docnum: int) -> list[str]:
        """Titles of the clause's parents; each document's outline is worked out once."""
        d = self.doc_of[docnum]
        if d not in self.outlines:
            self.outlines[d] = present.outline(self.documents[d])
        return [present.clause_caption(a) for a in self.outlines[d][self.clause_of[docnum]].ancestors]


def open_version(path: Path, index_dir: Path, open_backend) -> IndexVersion:
    """Read a complete version folder; `open_backend(version)` opens its search backend."""
    analysis.configure_jieba(path / store.CONFIG / "userdict.txt", store.jieba_cache(index_dir))
    documents = store.read_documents(path)
    normalized = store.read_json(path / store.NORMALIZED)
    doc_of, clause_of, doc_start = array("i"), array("i"), []
    for d, document in enumerate(documents):
        doc_start.append(len(doc_of))
        doc_of.extend([d] * len(document.clauses))
        clause_of.extend(range(len(document.clauses)))
    if len(doc_of) != len(normalized["texts"]):
        raise IndexNotFound(f"索引版本 {path} 不完整，请重新构建（make build）。")
    version = IndexVersion(
        path=path, documents=documents,
        document_aliases=store.read_json(path / store.DOCUMENT_ALIASES),
        alias_table=aliases.load_aliases(path),
        texts=normalized["texts"], headings=normalized["headings"],
        contexts=normalized["contexts"], doc_of=doc_of, clause_of=clause_of,
        doc_start=doc_start, by_id={doc.id: i for i, doc in enumerate(documents)},
        clause_docnum={(documents[doc_of[n]].id, documents[doc_of[n]].clauses[clause_of[n]].id): n
                       for n in range(len(doc_of))},
        citations=store.read_citations(path))
    version.backend = open_backend(version)
    return version
