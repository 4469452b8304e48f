"""Co-occurring words (相关词) of a search, and a terms × terms co-occurrence matrix.

The unit is the clause. Each clause's *word set* is the set of jieba words of its normalised
displayed text, segmented in jieba's precise mode with the domain dictionary (the dictionary
indexer/analysis.py `configure_jieba` loads; precise, not the index's search mode, because
search mode adds overlapping fragments such as 始创 from 原始创新, which would be counted as
words of their own), keeping words of two or more characters that are not all digits and not in the stop-word list
(corpus/config/stopwords.txt, looked up like the other config files).

Word sets are computed once per clause, at build time: the parse workers segment each clause
(`segment`: the words before stop words are taken out, one string) and the parse cache keeps
the result with the file (indexer/analytics_files.py `document_inputs`), so a rebuild segments
only new or changed files. The build then assembles the version's `WordStats` from them
(`WordStats.assemble`), taking out the stop words of the version's stopwords.txt, which is one
of the config files the parse cache's parser version hashes (indexer/cache.py), so a changed
list makes every file parsed again. Stored compactly (`to_json`/`from_json`: one vocabulary,
numbered in order of first appearance, clauses in document order with their words sorted; each
clause a list of word numbers). A version without the file segments every clause once, on first
use (`WordStats.build`). A request only adds up the stored sets of its matching clauses, so its
cost is proportional to the matches, never to the collection.

Score: for each word w, the 2×2 table over clauses — matching clauses with w (a), matching
clauses without (b), other clauses with w (c), other clauses without (d) — gives Dunning's
log-likelihood G² = 2 Σ O·ln(O/E). Only words over-represented in the matches (a/(a+b) >
(a+c)/N) with a ≥ `min_count` are kept, best score first. The query's own terms are excluded:
a word equal to a matched string, contained in one (研究 for 基础研究) or containing one
(基础研究工作 for 基础研究).

Matrix: for chosen words, cell (i, j) = the matching clauses containing both (the diagonal:
containing i); Ochiai-normalised: count(i, j) / √(count(i) · count(j)).
"""
from __future__ import annotations

import json
import math
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from itertools import islice
from pathlib import Path

from indexer import config
from indexer.aliases import config_file
import jieba

from indexer.analysis import normalize
from indexer.analytics.common import Match, csv_text
from indexer.clausetext import clause_text
from indexer.records import Clause, Document

COLUMNS = [("term", "词"), ("count", "共现条款数"), ("score", "对数似然比G²")]
DEFAULT_MIN_COUNT = 3
DEFAULT_LIMIT = 50
MATRIX_TERMS = 30
BUILD_CHUNK = 50      # documents per task when WordStats.build runs in parallel


def load_stopwords(corpus_dir: Path | None = None) -> frozenset[str]:
    """The stop words of the corpus config (one a line, `#` starts a comment), normalised."""
    path = config_file(corpus_dir or config.corpus_dir(), "stopwords.txt")
    if not path.exists():
        return frozenset()
    lines = (line.split("#", 1)[0].strip() for line in path.read_text(encoding="utf-8").splitlines())
    return frozenset(normalize(line) for line in lines if line)


def word_set(text: str, stopwords: frozenset[str]) -> set[str]:
    """The counted words of a displayed text (see the module docstring)."""
    return {w for w in split_segmented(segment(normalize(text))) if w not in stopwords}


def segment(normalised: str) -> str:
    """The words of an already normalised text that count before stop words are taken out:
    sorted, distinct, separated by one space (no counted word has one: jieba yields the
    characters outside its runs one by one, except "\\r\\n")."""
    return " ".join(sorted({w for run in jieba.re_han_default.split(normalised) if run
                            for w in _precise_words(run) if len(w) >= 2 and not w.isdigit()}))


def split_segmented(words: str) -> list[str]:
    return words.split(" ") if words else []


def clear_segment_cache() -> None:
    """Forget words segmented under an earlier dictionary (call after loading another one)."""
    _precise_words.cache_clear()


@lru_cache(maxsize=1 << 16)
def _precise_words(run: str) -> tuple[str, ...]:
    return tuple(jieba.cut(run))


@dataclass(kw_only=True)
class WordStats:
    """Per-clause word sets of one index version and their collection frequencies."""
    vocabulary: list[str]
    clause_words: dict[tuple[str, str], array]   # (doc_id, clause_id) → word numbers
    stopwords: frozenset[str]

    @classmethod
    def assemble(cls, segmented: Iterable[tuple[tuple[str, str], str]],
                 stopwords: frozenset[str]) -> WordStats:
        """The stats from each clause's `segment` output, in document order: the stop words
        are taken out here (the one place that numbers words; `build` segments, then calls it).
        Words are numbered in order of first appearance. Per clause, the words are looked up
        in C (`map`); only a clause with a word not seen before takes the slow path. With the
        frequencies counted on first use (`frequency`), ×100's 75,500 clauses went from ~2.3 to
        ~1.2 s (measured alone, on the shared 2-core machine)."""
        number: dict[str, int] = dict.fromkeys(stopwords, -1)    # a stop word: -1, dropped
        vocabulary: list[str] = []
        clause_words: dict[tuple[str, str], array] = {}
        for key, words in segmented:
            found = split_segmented(words)
            ids = list(map(number.get, found))
            if None in ids:
                for k, (w, i) in enumerate(zip(found, ids)):
                    if i is None:
                        i = number.get(w)
                        if i is None:
                            i = number[w] = len(vocabulary)
                            vocabulary.append(w)
                        ids[k] = i
            clause_words[key] = array("I", filter((-1).__ne__, ids) if -1 in ids else ids)
        return cls(vocabulary=vocabulary, clause_words=clause_words, stopwords=stopwords)

    @classmethod
    def build(cls, documents: Sequence[Document], stopwords: frozenset[str],
              map_each: Callable = map) -> WordStats:
        """Segment every clause of the collection (call it after `analysis.configure_jieba`
        has loaded the version's dictionary) and `assemble` the stats, as a build does from the
        parse workers' output. `map_each` may be a parallel map (indexer/pipeline.py
        `parallel_map`): documents are segmented in chunks."""
        clear_segment_cache()     # words cached under an earlier dictionary
        chunks = [documents[i:i + BUILD_CHUNK] for i in range(0, len(documents), BUILD_CHUNK)]
        return cls.assemble((item for found in map_each(_chunk_segments, chunks) for item in found),
                            stopwords)

    @cached_property
    def frequency(self) -> array:
        """word number → clauses containing it (counted on first use: a build only writes
        the word sets)."""
        return _frequency(len(self.vocabulary), self.clause_words.values())

    @cached_property
    def number(self) -> dict[str, int]:
        """word → its number (built on first use, once per loaded version)."""
        return {w: i for i, w in enumerate(self.vocabulary)}

    @property
    def clauses(self) -> int:
        return len(self.clause_words)

    def words_of(self, document: Document, clause: Clause) -> list[str]:
        """The clause's word set; segmented on the spot if the clause is not in this version."""
        ids = self.clause_words.get((document.id, clause.id))
        if ids is None:
            return sorted(word_set(clause_text(clause), self.stopwords))
        return [self.vocabulary[i] for i in ids]

    def to_json(self) -> dict:
        return {**self._json_head(), "clauses": list(self._json_rows())}

    def json_parts(self, chunk: int = 20_000) -> Iterator[str]:
        """json.dumps(self.to_json()), in parts of `chunk` clauses: the build writes word_stats.json
        from these, so no more than a chunk's word numbers are Python ints at once (the whole
        document at ×1000 — 755,000 clauses, ~22 M word numbers as ints, and its 224 MB
        string — was a ~2 GB spike, the build's peak)."""
        head = json.dumps(self._json_head(), ensure_ascii=False)
        yield head[:-1] + ', "clauses": ['
        rows = self._json_rows()
        first = True
        while part := list(islice(rows, chunk)):
            text = json.dumps(part, ensure_ascii=False)[1:-1]
            yield text if first else ", " + text
            first = False
        yield "]}"

    def _json_head(self) -> dict:
        return {"vocabulary": self.vocabulary, "stopwords": sorted(self.stopwords)}

    def _json_rows(self) -> Iterator[list]:
        return ([d, c, ids.tolist()] for (d, c), ids in self.clause_words.items())

    @classmethod
    def from_json(cls, data: dict) -> WordStats:
        vocabulary = data["vocabulary"]
        clause_words = {(d, c): array("I", ids) for d, c, ids in data["clauses"]}
        return cls(vocabulary=vocabulary, clause_words=clause_words,
                   stopwords=frozenset(data.get("stopwords", ())))


def _frequency(words: int, clause_words: Iterable[array]) -> array:
    """word number → the clauses containing it."""
    frequency = array("I", bytes(4 * words))
    for ids in clause_words:
        for i in ids:
            frequency[i] += 1
    return frequency


def _chunk_segments(documents: Sequence[Document]) -> list[tuple[tuple[str, str], str]]:
    return [((d.id, c.id), segment(normalize(clause_text(c)))) for d in documents for c in d.clauses]


@dataclass(kw_only=True)
class CooccurringTerm:
    term: str
    count: int
    score: float


@dataclass(kw_only=True)
class Cooccurrence:
    query: str
    clauses: int
    terms: list[CooccurringTerm]

    def to_json(self) -> dict:
        return {"query": self.query, "clauses": self.clauses,
                "terms": [vars(t).copy() for t in self.terms]}


def cooccurrence(query: str, matches: Iterable[Match], terms: Sequence[str], stats: WordStats,
                 min_count: int = DEFAULT_MIN_COUNT, limit: int = DEFAULT_LIMIT) -> Cooccurrence:
    """The words over-represented in the matching clauses, best G² first."""
    counts: Counter = Counter()
    matched = 0
    for document, clause in matches:
        matched += 1
        counts.update(stats.words_of(document, clause))
    index = stats.number
    found = []
    for word, a in counts.items():
        if a < min_count or _is_query_term(word, terms):
            continue
        in_collection = stats.frequency[index[word]] if word in index else a
        score = g2(a, matched, max(in_collection, a), max(stats.clauses, matched))
        if score > 0:
            found.append(CooccurringTerm(term=word, count=a, score=round(score, 3)))
    found.sort(key=lambda t: (-t.score, -t.count, t.term))
    return Cooccurrence(query=query, clauses=matched, terms=found[:limit])


def _is_query_term(word: str, terms: Sequence[str]) -> bool:
    return any(word in term or term in word for term in terms if term)


def g2(a: int, matched: int, with_word: int, total: int) -> float:
    """Dunning's G² of a word in `a` of `matched` clauses and `with_word` of `total`;
    0 when the word is not over-represented in the matches."""
    b, c = matched - a, with_word - a
    d = total - matched - c
    if total <= matched or a * total <= with_word * matched:
        return 0.0
    observed = ((a, matched, with_word), (b, matched, total - with_word),
                (c, total - matched, with_word), (d, total - matched, total - with_word))
    return 2 * sum(o * math.log(o * total / (row * col)) for o, row, col in observed if o > 0)


@dataclass(kw_only=True)
class CooccurrenceMatrix:
    terms: list[str]
    counts: list[list[int]]      # counts[i][j]: matching clauses containing terms i and j

    def ochiai(self) -> list[list[float]]:
        diag = [self.counts[i][i] for i in range(len(self.terms))]
        return [[round(n / math.sqrt(diag[i] * diag[j]), 4) if diag[i] and diag[j] else 0.0
                 for j, n in enumerate(row)] for i, row in enumerate(self.counts)]


def cooccurrence_matrix(matches: Iterable[Match], terms: Sequence[str],
                        stats: WordStats) -> CooccurrenceMatrix:
    """Clause co-occurrence counts of `terms` (e.g. the best MATRIX_TERMS of `cooccurrence`)."""
    position = {t: i for i, t in enumerate(terms)}
    counts = [[0] * len(terms) for _ in terms]
    for document, clause in matches:
        present = sorted({position[w] for w in stats.words_of(document, clause) if w in position})
        for x, i in enumerate(present):
            for j in present[x:]:
                counts[i][j] += 1
                if i != j:
                    counts[j][i] += 1
    return CooccurrenceMatrix(terms=list(terms), counts=counts)


def matrix_csv(matrix: CooccurrenceMatrix, ochiai: bool = False) -> str:
    """The matrix as CSV: header 词 + the terms, then one row per term (Gephi/UCINET/SPSS)."""
    values = matrix.ochiai() if ochiai else matrix.counts
    columns = [("term", "词")] + [(t, t) for t in matrix.terms]
    return csv_text(columns, ([t, *row] for t, row in zip(matrix.terms, values)))


def cooccurrence_csv(result: Cooccurrence) -> str:
    return csv_text(COLUMNS, ([t.term, t.count, t.score] for t in result.terms))
