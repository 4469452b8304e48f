"""The peer engine of the benchmark: SQLite FTS5 doing Cesou's job on the same clauses.

Same input (the pipeline's clauses, label + heading + text), same analysis (Cesou's normaliser
and jieba words, stored space-separated so FTS5's unicode61 tokenizer keeps each word whole),
same query language (indexer.query: AND of groups, OR inside a group, synonyms, a question
falling back to its content words, partial matches when nothing has every term), same answer:
total, top 10 by bm25 with snippet(), issuer and year counts over all matches (GROUP BY).

An unquoted term is a phrase of its jieba words, the closest FTS5 gets to Cesou's substring
match; hit counts can differ where jieba cuts a word differently in context, and the benchmark
prints both counts so the difference stays visible.
"""
from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path

from indexer import analysis, query
from indexer.aliases import AliasTable
from indexer.index import clause_text
from indexer.records import Corpus, FacetValue, SearchRequest

SNIPPET_TOKENS = 24

SCHEMA = """
CREATE TABLE documents (n INTEGER PRIMARY KEY, id TEXT, title TEXT, year INTEGER);
CREATE TABLE document_issuers (document INTEGER, issuer TEXT);
CREATE TABLE clauses (n INTEGER PRIMARY KEY, document INTEGER, id TEXT);
CREATE VIRTUAL TABLE words USING fts5(text, tokenize = 'unicode61');
"""
INDEXES = """
CREATE INDEX document_issuers_issuer ON document_issuers (issuer, document);
CREATE INDEX document_issuers_document ON document_issuers (document, issuer);
CREATE INDEX clauses_document ON clauses (document);
CREATE INDEX documents_year ON documents (year);
"""


@dataclass
class BaselineBuild:
    segment_s: float            # normalise + jieba words for every clause
    insert_s: float             # FTS5 inserts, B-tree indexes, commit
    bytes: int
    clauses: int


@dataclass
class BaselineHit:
    doc_id: str
    clause_id: str
    snippet: str
    score: float


@dataclass
class BaselineResult:
    total: int
    hits: list[BaselineHit]
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)   # "issuer", "year"
    partial: bool = False


def build(corpus: Corpus, path: Path) -> BaselineBuild:
    """Write the FTS5 database for `corpus` at `path` (replacing any old one)."""
    path = Path(path)
    path.unlink(missing_ok=True)
    started = time.perf_counter()
    rows = []
    for d, document in enumerate(corpus.documents):
        for clause in document.clauses:
            rows.append((d, clause.id, " ".join(analysis.words(analysis.normalize(clause_text(clause))))))
    segmented = time.perf_counter()
    db = sqlite3.connect(path)
    with db:
        db.executescript(SCHEMA)
        db.executemany("INSERT INTO documents VALUES (?, ?, ?, ?)",
                       [(d, doc.id, doc.title, _year(doc.date)) for d, doc in enumerate(corpus.documents)])
        db.executemany("INSERT INTO document_issuers VALUES (?, ?)",
                       [(d, issuer) for d, doc in enumerate(corpus.documents) for issuer in set(doc.issuers)])
        db.executemany("INSERT INTO clauses VALUES (?, ?, ?)",
                       [(n, d, clause_id) for n, (d, clause_id, _) in enumerate(rows)])
        db.executemany("INSERT INTO words (rowid, text) VALUES (?, ?)",
                       [(n, text) for n, (_, _, text) in enumerate(rows)])
        db.executescript(INDEXES)
        db.execute("INSERT INTO words (words) VALUES ('optimize')")
    db.close()
    return BaselineBuild(segment_s=segmented - started, insert_s=time.perf_counter() - segmented,
                         bytes=path.stat().st_size, clauses=len(rows))


class Baseline:
    """Searches a database written by `build`."""

    def __init__(self, path: Path, alias_table: AliasTable):
        self.db = sqlite3.connect(Path(path))
        self.alias_table = alias_table

    def search(self, req: SearchRequest) -> BaselineResult:
        parsed = query.parse(req.q)
        groups = [self._group(group) for group in parsed.groups]
        groups = [g for g in groups if g]
        excluded = self._group(parsed.excluded)
        where, params = self._filters(req)
        match = _all(groups, excluded)
        total = self._count(match, where, params)
        sentence = parsed.sentence()
        if total == 0 and sentence:
            words = query.sentence_words(sentence.typed)
            groups = [g for g in (self._group([query.Term(w, w)]) for w in words) if g]
            match = _all(groups, excluded)
            total = self._count(match, where, params)
        partial = False
        if total == 0 and len(groups) > 1:
            match = _any(groups, excluded)
            total, partial = self._count(match, where, params), True
        if not match:
            return BaselineResult(total=0, hits=[])
        top = self.db.execute(
            f"""SELECT d.id, c.id, snippet(words, 0, '<mark>', '</mark>', '…', {SNIPPET_TOKENS}),
                       bm25(words)
                FROM words JOIN clauses c ON c.n = words.rowid JOIN documents d ON d.n = c.document
                WHERE words MATCH ? {where} ORDER BY rank LIMIT ?""",
            [match, *params, req.per_page]).fetchall()
        hits = [BaselineHit(doc_id, clause_id, snippet.replace(" ", ""), -score)
                for doc_id, clause_id, snippet, score in top]
        issuers = self.db.execute(
            f"""SELECT i.issuer, count(*) FROM words JOIN clauses c ON c.n = words.rowid
                JOIN document_issuers i ON i.document = c.document
                WHERE words MATCH ? {where} GROUP BY i.issuer ORDER BY count(*) DESC, i.issuer""",
            [match, *params]).fetchall()
        years = self.db.execute(
            f"""SELECT d.year, count(*) FROM words JOIN clauses c ON c.n = words.rowid
                JOIN documents d ON d.n = c.document
                WHERE words MATCH ? {where} AND d.year IS NOT NULL GROUP BY d.year ORDER BY d.year""",
            [match, *params]).fetchall()
        return BaselineResult(
            total=total, hits=hits, partial=partial,
            facets={"issuer": [FacetValue(value=v, count=n) for v, n in issuers],
                    "year": [FacetValue(value=str(v), count=n) for v, n in years]})

    def _group(self, terms: list[query.Term]) -> str:
        """One FTS5 OR-group: each term and its synonyms as phrases of their jieba words."""
        phrases = []
        for term in terms:
            names = [term.typed] if term.quoted else self.alias_table.expand(term.text)
            for name in names:
                words = analysis.words(analysis.normalize(name))
                phrase = '"' + " ".join(w.replace('"', '""') for w in words) + '"'
                if words and phrase not in phrases:
                    phrases.append(phrase)
        return "(" + " OR ".join(phrases) + ")" if phrases else ""

    def _filters(self, req: SearchRequest) -> tuple[str, list]:
        where, params = "", []
        if req.issuers:
            issuers = [self.alias_table.canonical_issuer(i) for i in req.issuers]
            where += (f" AND c.document IN (SELECT document FROM document_issuers "
                      f"WHERE issuer IN ({', '.join('?' * len(issuers))}))")
            params += issuers
        if req.years:
            where += (f" AND c.document IN (SELECT n FROM documents "
                      f"WHERE year IN ({', '.join('?' * len(req.years))}))")
            params += list(req.years)
        return where, params

    def _count(self, match: str, where: str, params: list) -> int:
        if not match:
            return 0
        return self.db.execute(
            f"SELECT count(*) FROM words JOIN clauses c ON c.n = words.rowid WHERE words MATCH ? {where}",
            [match, *params]).fetchone()[0]


def _all(groups: list[str], excluded: str) -> str:
    return _with_exclusion(" AND ".join(groups), excluded)


def _any(groups: list[str], excluded: str) -> str:
    return _with_exclusion(" OR ".join(groups), excluded)


def _with_exclusion(match: str, excluded: str) -> str:
    return f"({match}) NOT {excluded}" if match and excluded else match


def _year(date: str) -> int | None:
    return int(date[:4]) if date[:4].isdigit() else None
