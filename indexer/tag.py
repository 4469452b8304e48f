"""Tag stage: every clause and document gets the themes of an editable taxonomy, with reasons.

The taxonomy is corpus/config/themes.toml (or the corpus' own config/themes.toml): each theme has a
name, a description and terms with weights. An editor tunes it and rebuilds; `python -m indexer
themes` shows what each theme caught.

How a clause is scored — no hidden model, every number can be recomputed by hand:
- The clause's own text is its label + heading + text (children excluded). Only this text counts:
  a clause under a heading about talent is not about talent unless it says so itself, so every
  theme can show the terms that triggered it. Task-record fields listed in `ignore_fields`
  (牵头部门：国际合作局) say who is responsible, not what the task is about: their values are skipped.
- Matching rule: a term with Latin letters matches case-insensitively, but not inside a longer
  Latin word or number (AI is not found in AIDS). Any other term of at most
  `word_match_max_length` characters (default 2) must be a whole jieba word in search mode (the
  precise segmentation plus the dictionary words nested in longer words): 奖励 is found in
  科技奖励制度, but 奖 is not found in 奖学金. Longer terms (人工智能, 科技成果转化) are specific
  enough to match as plain substrings. Segmentation uses a private jieba tokenizer on jieba's own
  dictionary, so tags do not change with the user dictionary the index stage loads.
- Within one theme, overlapping matches count once, for the longest term (科技成果转化 does not
  also count as 成果转化).
- raw score = Σ weight × occurrences; score = raw × 1000 / max(length, length_floor), i.e.
  weighted hits per 1000 characters. The floor stops one term in a ten-character heading from
  looking like a dense topic. A theme is assigned when score ≥ clause_threshold.

How a document is scored: a theme's share is the fraction of the document's clauses tagged with
it. The document keeps up to `document_max_themes` themes, best first, whose share is at least
`document_min_share`; the best theme is always kept, so every document with at least one tagged
clause has a theme. When no clause reaches the threshold (a short or unusual document), the
document takes the one theme with the highest raw score over its title and all its text; only a
document without a single term of any theme gets no theme, rather than an unexplained one
(`python -m indexer themes` lists it, for the editor to add the missing terms).
"""
from __future__ import annotations

import functools
import logging
import re
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import jieba

from indexer.aliases import config_file
from indexer.records import Clause, Document

LATIN = re.compile(r"[A-Za-z]")


class TaxonomyError(ValueError):
    """themes.toml cannot be used; the message names the file and the problem."""


@dataclass
class Theme:
    name: str
    description: str
    terms: dict[str, float]     # term → weight


@dataclass
class Taxonomy:
    themes: list[Theme]
    clause_threshold: float = 12.0      # weighted hits per 1000 characters
    length_floor: int = 200             # characters; shorter clauses are scored as if this long
    document_min_share: float = 0.15    # fraction of the document's clauses tagged with the theme
    document_max_themes: int = 3
    word_match_max_length: int = 2      # CJK terms up to this length must be whole jieba words
    ignore_fields: list[str] = field(default_factory=list)   # record fields naming who, not what

    def is_word_term(self, term: str) -> bool:
        return _is_word_term(term, self.word_match_max_length)


def _is_word_term(term: str, word_match_max_length: int) -> bool:
    return len(term) <= word_match_max_length and not LATIN.search(term)


# --- loading the taxonomy ------------------------------------------------------------------

SETTINGS = {
    "clause_threshold": float,
    "length_floor": int,
    "document_min_share": float,
    "document_max_themes": int,
    "word_match_max_length": int,
}


def load_taxonomy(corpus_dir: Path) -> Taxonomy:
    """Read and check themes.toml; any problem raises TaxonomyError naming the file."""
    path = config_file(corpus_dir, "themes.toml")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        return parse_taxonomy(data)
    except OSError as error:
        raise TaxonomyError(f"{path}: cannot read the theme taxonomy ({error.strerror})") from None
    except (tomllib.TOMLDecodeError, TaxonomyError) as error:
        raise TaxonomyError(f"{path}: {error}") from None


def parse_taxonomy(data: dict) -> Taxonomy:
    settings = {}
    for key, kind in SETTINGS.items():
        if key in data:
            value = data[key]
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                raise TaxonomyError(f"setting {key} must be a non-negative number, got {value!r}")
            if kind is int and value != int(value):
                raise TaxonomyError(f"setting {key} must be a whole number, got {value!r}")
            settings[key] = kind(value)
    ignore_fields = data.get("ignore_fields", [])
    if not isinstance(ignore_fields, list) or not all(isinstance(f, str) for f in ignore_fields):
        raise TaxonomyError(f"setting ignore_fields must be a list of field names, "
                            f"got {ignore_fields!r}")
    settings["ignore_fields"] = ignore_fields
    unknown = set(data) - set(SETTINGS) - {"theme", "ignore_fields"}
    if unknown:
        raise TaxonomyError(f"unknown top-level setting(s): {', '.join(sorted(unknown))}")
    entries = data.get("theme")
    if not isinstance(entries, list) or not entries:
        raise TaxonomyError("no themes: add at least one [[theme]] table")
    themes = [parse_theme(number, entry) for number, entry in enumerate(entries, start=1)]
    names = Counter(theme.name for theme in themes)
    repeated = [name for name, count in names.items() if count > 1]
    if repeated:
        raise TaxonomyError(f"theme name(s) used twice: {', '.join(repeated)}")
    if settings.get("document_max_themes", 1) < 1:
        raise TaxonomyError("setting document_max_themes must be at least 1")
    return Taxonomy(themes=themes, **settings)


def parse_theme(number: int, entry: object) -> Theme:
    where = f"theme #{number}"
    if not isinstance(entry, dict):
        raise TaxonomyError(f"{where} must be a [[theme]] table")
    name = entry.get("name")
    if not isinstance(name, str) or not name.strip():
        raise TaxonomyError(f"{where} has no name")
    where = f"theme #{number} ({name})"
    description = entry.get("description", "")
    if not isinstance(description, str):
        raise TaxonomyError(f"{where}: description must be text")
    terms = entry.get("terms")
    if not isinstance(terms, dict) or not terms:
        raise TaxonomyError(f"{where} has no terms: add a [theme.terms] table of \"term\" = weight lines")
    for term, weight in terms.items():
        if not term.strip():
            raise TaxonomyError(f"{where}: empty term")
        if isinstance(weight, bool) or not isinstance(weight, (int, float)) or weight <= 0:
            raise TaxonomyError(f"{where}: term {term!r} needs a positive weight, got {weight!r}")
    return Theme(name=name.strip(), description=description.strip(),
                 terms={term.strip(): float(weight) for term, weight in terms.items()})


# --- scoring a text ------------------------------------------------------------------------

@dataclass
class ThemeMatch:
    """One theme's evidence in one text."""
    raw: float              # Σ weight × occurrences
    terms: list[str]        # triggering terms, most frequent first, then in order of appearance


@dataclass(frozen=True)
class ThemeIndex:
    """A taxonomy's terms compiled for matching, and each term's themes: (theme number, the
    term's place among the theme's terms). Made once per tagging run (`theme_index`): making
    it for every clause was ~10 % of the parse (×100, cProfile)."""
    compiled: CompiledTerms
    themes_of: dict[str, list[tuple[int, int]]]


def theme_index(taxonomy: Taxonomy) -> ThemeIndex:
    themes_of: dict[str, list[tuple[int, int]]] = {}
    for number, theme in enumerate(taxonomy.themes):
        for place, term in enumerate(theme.terms):
            themes_of.setdefault(term, []).append((number, place))
    return ThemeIndex(_compiled(_terms_key(taxonomy)), themes_of)


def match_themes(text: str, taxonomy: Taxonomy, index: ThemeIndex | None = None) -> dict[str, ThemeMatch]:
    """Every theme with at least one term in `text`, with its raw score and terms. `index` is
    theme_index(taxonomy), made here when not given."""
    index = index or theme_index(taxonomy)
    found = find_terms(text, index.compiled)
    hits: dict[int, list[tuple[int, str]]] = {}
    for term in found:
        for number, place in index.themes_of[term]:
            hits.setdefault(number, []).append((place, term))
    matches = {}
    for number in sorted(hits):         # taxonomy order; within a theme, its terms' order
        theme = taxonomy.themes[number]
        spans = [(start, end, term) for _, term in sorted(hits[number]) for start, end in found[term]]
        kept = sorted(drop_overlaps(spans))
        counts = Counter(term for _, _, term in kept)
        if counts:
            raw = sum(theme.terms[term] * n for term, n in counts.items())
            # Most frequent first; ties in order of first appearance (kept is in text order).
            terms = sorted(counts, key=lambda term: -counts[term])
            matches[theme.name] = ThemeMatch(raw=raw, terms=terms)
    return matches


@dataclass(frozen=True)
class CompiledTerms:
    """A taxonomy's terms sorted by matching rule, compiled once for every text it tags."""
    latin: tuple[tuple[str, re.Pattern], ...]   # matched case-insensitively, not inside a Latin word
    words: tuple[str, ...]                      # must be whole jieba words
    substrings: tuple[str, ...]                 # matched as plain substrings


def _terms_key(taxonomy: Taxonomy) -> tuple:
    terms = dict.fromkeys(term for theme in taxonomy.themes for term in theme.terms)
    return tuple(terms), taxonomy.word_match_max_length


@functools.lru_cache(maxsize=8)
def _compiled(key: tuple) -> CompiledTerms:
    terms, word_match_max_length = key
    latin = tuple((term, re.compile(rf"(?<![A-Za-z0-9]){re.escape(term)}(?![A-Za-z0-9])", re.IGNORECASE))
                  for term in terms if LATIN.search(term))
    words = tuple(term for term in terms if _is_word_term(term, word_match_max_length))
    substrings = tuple(term for term in terms
                       if not LATIN.search(term) and not _is_word_term(term, word_match_max_length))
    return CompiledTerms(latin=latin, words=words, substrings=substrings)


def find_terms(text: str, compiled: CompiledTerms) -> dict[str, list[tuple[int, int]]]:
    """Each term found in `text` → its (start, end) spans, non-overlapping, in text order."""
    found: dict[str, list[tuple[int, int]]] = {}
    for term, pattern in compiled.latin:
        spans = [(m.start(), m.end()) for m in pattern.finditer(text)]
        if spans:
            found[term] = spans
    for term in compiled.substrings:
        if term in text:
            found[term] = _occurrences(term, text)
    present_words = [term for term in compiled.words if term in text]
    if present_words:
        words = _word_spans(text, present_words)
        for term in present_words:
            if term in words:
                found[term] = words[term]
    return found


def _occurrences(term: str, text: str) -> list[tuple[int, int]]:
    spans, start = [], text.find(term)
    while start != -1:
        spans.append((start, start + len(term)))
        start = text.find(term, start + len(term))
    return spans


def _word_spans(text: str, terms: list[str]) -> dict[str, list[tuple[int, int]]]:
    """jieba search-mode words → their spans, for the parts of `text` holding one of `terms`.

    Segmenting a clause is the costly part of tagging, and most of a clause holds no short term.
    jieba cuts each run of its `re_han_default` characters on its own, so segmenting only the
    runs that contain a term gives exactly the words a whole-text segmentation gives there.
    """
    words: dict[str, list[tuple[int, int]]] = {}
    offset = 0
    for run in jieba.re_han_default.split(text):
        if any(term in run for term in terms):
            for word, start, end in _run_words(run):
                words.setdefault(word, []).append((offset + start, offset + end))
        offset += len(run)
    return words


@functools.lru_cache(maxsize=1 << 16)
def _run_words(run: str) -> tuple[tuple[str, int, int], ...]:
    # Cached: the same sentences recur across the clauses of a corpus (standard phrasings, copies).
    return tuple(segmenter().tokenize(run, mode="search"))


@functools.cache
def segmenter() -> jieba.Tokenizer:
    jieba.setLogLevel(logging.WARNING)      # no "Building prefix dict" lines in command output
    return jieba.Tokenizer()


def drop_overlaps(spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Keep the longest match wherever matches of one theme overlap."""
    kept = []
    for start, end, term in sorted(spans, key=lambda s: (-(s[1] - s[0]), s[0])):
        if all(end <= k_start or start >= k_end for k_start, k_end, _ in kept):
            kept.append((start, end, term))
    return kept


def density(raw: float, length: int, taxonomy: Taxonomy) -> float:
    """Weighted hits per 1000 characters, short texts counted as length_floor long."""
    return raw * 1000 / max(length, taxonomy.length_floor, 1)


def own_text(clause: Clause) -> str:
    return "\n".join(part for part in (clause.label, clause.heading, clause.text) if part)


def scored_text(clause: Clause, taxonomy: Taxonomy) -> str:
    """The clause's own text without the values of ignored record fields."""
    text = own_text(clause)
    for name in taxonomy.ignore_fields:
        if clause.fields.get(name):
            text = text.replace(f"{name}：{clause.fields[name]}", name)
    return text


# --- tagging -------------------------------------------------------------------------------

def tag_clause(clause: Clause, taxonomy: Taxonomy, index: ThemeIndex | None = None) -> None:
    text = scored_text(clause, taxonomy)
    scored = []
    for name, match in match_themes(text, taxonomy, index).items():
        score = density(match.raw, len(text), taxonomy)
        if score >= taxonomy.clause_threshold:
            scored.append((score, name, match.terms))
    scored.sort(key=lambda s: -s[0])
    clause.themes = [name for _, name, _ in scored]
    clause.theme_terms = {name: terms for _, name, terms in scored}


def theme_shares(document: Document) -> dict[str, float]:
    """Each theme's share of the document: the fraction of its clauses tagged with the theme."""
    # Counting clauses, not characters: one long clause listing many criteria (a 第七条 of
    # selection conditions) must not outweigh twenty clauses about the document's subject.
    counts = Counter(name for clause in document.clauses for name in clause.themes)
    return {name: n / len(document.clauses) for name, n in counts.items()}   # no clauses: no counts


def tag_document(document: Document, taxonomy: Taxonomy, index: ThemeIndex | None = None) -> None:
    index = index or theme_index(taxonomy)
    for clause in document.clauses:
        tag_clause(clause, taxonomy, index)
    ranked = sorted(theme_shares(document).items(), key=lambda item: (-item[1], item[0]))
    chosen = [name for rank, (name, share) in enumerate(ranked)
              if rank == 0 or share >= taxonomy.document_min_share][:taxonomy.document_max_themes]
    if chosen:
        document.themes = chosen
        document.theme_terms = {name: document_terms(document, name) for name in chosen}
    else:
        whole = "\n".join([document.title, *(scored_text(c, taxonomy) for c in document.clauses)])
        best = max(match_themes(whole, taxonomy, index).items(), key=lambda item: item[1].raw, default=None)
        document.themes = [best[0]] if best else []
        document.theme_terms = {best[0]: best[1].terms} if best else {}


def document_terms(document: Document, theme: str) -> list[str]:
    """The theme's triggering terms over the document's clauses, most widespread first."""
    counts = Counter(term for clause in document.clauses for term in clause.theme_terms.get(theme, []))
    return [term for term, _ in counts.most_common()]


def tag_documents(documents: list[Document], taxonomy: Taxonomy) -> None:
    """Set themes and theme_terms on every clause and document, in place."""
    index = theme_index(taxonomy)
    for document in documents:
        tag_document(document, taxonomy, index)


# --- the `themes` report (python -m indexer themes) ------------------------------------------

def themes_report(documents: list[Document], taxonomy: Taxonomy, top: int = 5) -> str:
    """Per theme: counts, the documents where it is most widespread, and terms that never fired;
    then each document's themes."""
    shares = [(document, theme_shares(document)) for document in documents]
    lines = []
    for theme in taxonomy.themes:
        in_documents = [d for d in documents if theme.name in d.themes]
        clauses = [c for d in documents for c in d.clauses if theme.name in c.themes]
        lines.append(f"{theme.name}: {len(in_documents)} documents, {len(clauses)} clauses"
                     f" — {theme.description}")
        ranked = sorted(((share[theme.name], d) for d, share in shares if theme.name in share),
                        key=lambda pair: -pair[0])
        for share, document in ranked[:top]:
            mark = "*" if theme.name in document.themes else " "
            lines.append(f"  {mark} {share:6.1%}  {document.title}")
        used = {term for c in clauses for term in c.theme_terms[theme.name]}
        unused = [term for term in theme.terms if term not in used]
        if unused:
            lines.append(f"    terms that tagged nothing: {'、'.join(unused)}")
    lines.append("documents:")
    for document, share in shares:
        themes = "、".join(f"{name} {share[name]:.0%}" for name in document.themes)
        lines.append(f"  {document.title}: {themes or 'NO THEME (no term of any theme found)'}")
    lines.append("(share = fraction of the document's clauses tagged with the theme;"
                 " * = a document theme)")
    return "\n".join(lines)
