"""Clause text as hex tokens, and MatchSpec/FilterSpec compiled to SphinxQL.

Rules, and the measurements behind them (../shared/notes/scale-out.md, Sphinx 2.2.11 here):

- **Sphinx never tokenises our text.** Every character of the normalised text becomes one token,
  its code point in hex (人 → `4eba`). Sphinx's own CJK/ngram settings got 39–155 of 211
  substring counts right (Latin runs stay whole, punctuation separates); hex tokens got 211/211,
  and 70/70 at 500k clauses (§1).
- **Fields** (one clause = label + heading + text, normalised as in indexer/analysis.py):
  `body` = the sentinel `zz` + one token per character; `body2` = overlapping bigrams
  (`4ebax5de5`); `heading` = bigrams of label + heading (ranking only, below);
  `context` / `context1` = bigrams / characters of the document title and ancestor headings
  (question mode); `marks` = the group markers (partial mode, below).
- **A term is a phrase.** One character → `@body "c"`; n characters → `@body2 "b1 … b(n-1)"`.
  Consecutive positions of the bigrams ⇔ the term is a substring of the clause: an exact
  count whatever jieba or Sphinx would make of it (§1: AND/NOT/OR 12/12, phrases 10–1000 chars).
- **Latin word edges.** analysis.find_all does not let a term that starts (ends) with a letter
  continue a longer Latin word (`ai` never matches `said`). A letter's token carries `g` when
  no letter precedes it and `h` when none follows, in the text and in the term alike, so `ai`
  is `61g 69h` and cannot match the `61 69` inside `said`. Inside a term the flags follow from
  the term itself; at its edges they are exactly the rule.
- **User text never reaches MATCH** except as these tokens: a compiled MATCH only holds
  `[0-9a-z ,"@()|-]` (hex, flags, field names and lists; checked before sending, `_SAFE_MATCH`). Raw characters would
  need escaping (bare `" ( ) / ~` are syntax errors, `! - |` silently become operators, §2).
  The SQL literal is escaped by PyMySQL's parameter binding; filter values go through `int()`.
- **Pure NOT** is `query is non-computable` in 2.2.11; every clause holds `zz`, so
  `(@body zz) -(…)` is the exact complement (§1). No groups at all: `@body zz`.
- **Partial mode** (OR of the groups, ordered by the number of groups matched): group i is
  compiled as `((group) (@marks zzI))`. Every clause holds every marker, but a marker's hit is
  only emitted when its group matched, so the ranker's `word_count` over the `marks` field
  (weight MARKS_WEIGHT, told apart by `user_weight`) is the number of groups matched; the
  ranker puts it above the BM25 part (GROUP_STEP), so one ORDER BY WEIGHT() gives "most groups,
  then score" over all matches, exactly, at any corpus size (no per-group id lists). A marker's IDF is log(N/N) = 0, so it adds
  nothing to BM25. Groups beyond MAX_MARKS share the last marker (counted once).
- **Ranking**: `sum(bm25a(k1,b)*user_weight)*1000` with `idf='plain,tfidf_unnormalized'` and
  `global_idf=1`: Spearman ρ = 1.00 against a Python BM25 for 6 of 6 terms, where the default
  IDF inverted 科技创新 (ρ = −0.99) (§6); b is 0.4, not 0.75 (see BM25_B). **Heading boost
  without changing matches**: a ranked phrase of two characters or more is looked for in the
  heading field too, `@(body2,heading) "…"`, the heading weighted ×3. The heading's text
  (label + heading) is the start of the body's (label + heading + text), so a phrase in the
  heading is in the body too and the field adds no match, only its weight. Until the eighth
  stop the boost was `(query) MAYBE (@heading "…")` (total unchanged, 36503 = 36503, §6): a
  second evaluation of every phrase. At ×1000 the field list ranks the mix's pages in ~30 %
  less time (sum of 29 pages 1,617 → 1,135 ms), same totals, the same top 10 for 28 of 29
  queries (the other: one clause of the ten swapped at a tie), the same weight for 99 % of each
  query's top 2,000 (bm25a counts a keyword's hits over the field list together, not per
  subtree).
"""
from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from dataclasses import dataclass

from indexer.backends.base import FilterSpec, MatchSpec

SENTINEL = "zz"
# Markers of partial mode; query.MAX_TERMS is 12 and a question rarely has more content words.
MAX_MARKS = 16
MARKS = tuple(f"zz{i}" for i in range(MAX_MARKS))

# Field weights (integers: Sphinx takes no fractions). Body fields 2, heading 6 (×3 as in the
# Whoosh engine, HEADING_BOOST), context 1 (×0.5, CONTEXT_BOOST); markers are told apart by
# their weight.
FIELD_WEIGHTS = {"body": 2, "body2": 2, "heading": 6, "context": 1, "context1": 1, "marks": 7}
MARKS_WEIGHT = FIELD_WEIGHTS["marks"]
# The ranker: the number of matched groups (partial mode) × GROUP_STEP, plus the BM25 part
# (bm25a × field weight × 1000, summed over the matched fields) capped below GROUP_STEP, so the
# group count always comes first; 16 groups × 10^8 still fits WEIGHT()'s signed 32 bits.
# bm25a is not bounded by 1 (a long phrase has many bigram keywords, each adding its IDF), hence
# the cap rather than a bound assumed.
GROUP_STEP = 100_000_000
SCORE_SCALE = 1000
# k1 as Whoosh; b = 0.4 from a sweep on the judged set (tests/relevance_queries.toml, 2 shards,
# global IDF): recall@10 / MRR 0.941/0.962 at b=0.1, 0.950–0.954/0.983–0.987 for 0.2–0.5,
# 0.947/0.937 at 0.75 (Whoosh: 0.960/0.974). Field weights barely moved it: bm25a is one
# document-level score, the weights only scale it by which fields matched. bm25f was worse
# (0.91/0.86–0.88), adding lcs too (0.947/0.924).
BM25_K1, BM25_B = 1.2, 0.4
_BM25 = (f"sum(if(user_weight=={MARKS_WEIGHT}, 0, bm25a({BM25_K1},{BM25_B})*user_weight))"
         f"*{SCORE_SCALE}")
RANKER = (f"expr('sum(if(user_weight=={MARKS_WEIGHT}, word_count, 0))*{GROUP_STEP} + "
          f"if({_BM25} > {GROUP_STEP - 1}, {GROUP_STEP - 1}, {_BM25})')")
IDF = "plain,tfidf_unnormalized"
_SAFE_MATCH = re.compile(r'[0-9a-z ,"@()|\-]*')


# --- encoding ------------------------------------------------------------------------------

class _HexTable(dict):
    """character → its hex code point, computed once per distinct character (a corpus has a few
    thousand): `format` per character was most of the feed's encoding time (bench.scale
    --profile at ×10: char_codes 6.1 of 13.2 s of publish_sphinx)."""

    def __missing__(self, char: str) -> str:
        code = self[char] = format(ord(char), "x")
        return code


_HEX = _HexTable()
_LETTER_RUN = re.compile(r"[a-z]+")


def char_codes(text: str) -> list[str]:
    """One token per character of normalised text: its hex code point, a letter with `g` when
    no letter precedes it and `h` when none follows (see the module docstring): the first and
    last letters of each run of letters."""
    codes = list(map(_HEX.__getitem__, text))       # (map: ~1.5× a comprehension's speed)
    for run in _LETTER_RUN.finditer(text):
        codes[run.start()] += "g"
        codes[run.end() - 1] += "h"
    return codes


def bigram_tokens(codes: list[str]) -> list[str]:
    return list(map("x".join, zip(codes, codes[1:])))     # ~1.8× an f-string per pair


@dataclass(frozen=True)
class ClauseFields:
    heading: str
    body: str
    body2: str
    context: str
    context1: str
    marks: str


def clause_fields(text: str, heading: str, context: str) -> ClauseFields:
    """The full-text fields of one clause from its normalised text, heading and context."""
    codes = char_codes(text)
    context2, context1 = _context_fields(context)
    return ClauseFields(
        heading=" ".join(bigram_tokens(char_codes(heading))),
        body=" ".join([SENTINEL, *codes]),
        body2=" ".join(bigram_tokens(codes)),
        context=context2, context1=context1,
        marks=" ".join(MARKS))


@lru_cache(maxsize=1024)
def _context_fields(context: str) -> tuple[str, str]:
    """The context's bigram and character fields. The clauses of a document share a few
    contexts (×100: 9,653 distinct of 75,554), which were ~30 % of the feed's encoding time."""
    codes = char_codes(context)
    return " ".join(bigram_tokens(codes)), " ".join(codes)


# --- MATCH ---------------------------------------------------------------------------------

# Where a term is looked for: (unigram fields, bigram fields). In context (a question's words)
# a term also matches in the title and parent headings; one phrase over a field list matches
# where either field holds it (positions never run from one field into the next), and costs
# less than two phrases OR'ed (measured at ×1000, 如何促进科技成果转化: ranked 136 → 111 ms,
# the same ids and weights for all 5,000 kept matches).
BODY = (("body",), ("body2",))
BODY_OR_CONTEXT = (("body", "context1"), ("body2", "context"))
HEADING = "heading"


def _at(fields: tuple[str, ...]) -> str:
    return f"@{fields[0]}" if len(fields) == 1 else f"@({','.join(fields)})"


def phrase(term: str, fields: tuple[tuple[str, ...], tuple[str, ...]] = BODY) -> str:
    """A normalised string as a Sphinx phrase that matches exactly where it is a substring."""
    codes = char_codes(term)
    unigram, bigram = fields
    if len(codes) == 1:
        return f'({_at(unigram)} "{codes[0]}")'
    return f'({_at(bigram)} "{" ".join(bigram_tokens(codes))}")'


def _group(strings: tuple[str, ...], in_context: bool, ranked: bool) -> str:
    terms = list(dict.fromkeys(s for s in strings if s))
    if not ranked:
        terms = _without_subsumed(terms)
    unigram, bigram = BODY_OR_CONTEXT if in_context else BODY
    fields = (unigram, (*bigram, HEADING)) if ranked else (unigram, bigram)
    return "(" + " | ".join(phrase(t, fields) for t in terms) + ")" if terms else ""


def _without_subsumed(terms: list[str]) -> list[str]:
    """The terms of an OR group that matter for *which* clauses match: a term whose tokens
    contain another term's tokens in a row can only match where that one does (科技成果转化
    where 成果转化 does), so it adds no match; it still adds to a clause's score, so only
    unranked statements (counts, facets) leave it out. Tokens, not characters, decide: `ai`
    is not in `said` (word edges, above)."""
    codes = {t: char_codes(t) for t in terms}

    def inside(small: list[str], large: list[str]) -> bool:
        n = len(small)
        return any(large[i:i + n] == small for i in range(len(large) - n + 1))
    return [t for t in terms
            if not any(u != t and inside(codes[u], codes[t]) for u in terms)]


def compile_match(match: MatchSpec, ranked: bool = True) -> str:
    """The MATCH() expression of a MatchSpec (see the module docstring). Unranked (counts,
    facets: `ranker=none`) it matches the same clauses with less to evaluate: no heading field
    (it adds no match), no partial-mode markers (every clause holds them), no term
    another term of its group already covers (_without_subsumed). Measured at ×1000 on the
    grouped facet batch of 如何促进科技成果转化: 124 → ~45 ms."""
    groups = [g for g in (_group(strings, match.in_context, ranked) for strings in match.groups) if g]
    if not groups:
        positive = f"(@body {SENTINEL})"
    elif match.partial and ranked:
        marked = [f"({g} (@marks {MARKS[min(i, MAX_MARKS - 1)]}))" for i, g in enumerate(groups)]
        positive = "(" + " | ".join(marked) + ")"
    elif match.partial:
        positive = "(" + " | ".join(groups) + ")"
    else:
        positive = "(" + " ".join(groups) + ")"
    excluded = [phrase(t) for t in dict.fromkeys(match.excluded) if t]
    query = " ".join([positive, *(f"-{e}" for e in excluded)])
    if not _SAFE_MATCH.fullmatch(query):
        raise ValueError(f"compiled MATCH holds an unexpected character: {query[:200]!r}")
    return query


# --- filters -------------------------------------------------------------------------------

@dataclass(frozen=True)
class NameTables:
    """Names ↔ the integer ids stored as attributes (Sphinx 2.2 MVAs are integers only, §3).
    Ids start at 1; 0 means "none" (no type, undated, non-numeric year) and is never counted.
    (A date starting 0000 would be year 0 for the Whoosh engine and "no year" here.)"""
    issuers: tuple[str, ...]
    themes: tuple[str, ...]
    types: tuple[str, ...]
    documents: tuple[str, ...]          # document ids in store order
    validities: tuple[str, ...] = ()    # 时效性 statuses (links.Status order); () in manifests before it

    def ids(self, table: str, names) -> list[int]:
        """Ids of the known names, sorted (unknown names are dropped)."""
        index = {name: i for i, name in enumerate(getattr(self, table), 1)}
        return sorted({index[n] for n in names if n in index})

    def name(self, table: str, ident: int) -> str | None:
        names = getattr(self, table)
        return names[ident - 1] if 1 <= ident <= len(names) else None


def yyyymmdd(iso: str) -> int:
    return int(iso.replace("-", ""))


# A value no attribute holds (uint32 max): what a filter naming only unknown values asks for,
# so it matches nothing. Not 0: 0 is stored for "no type" and "no year".
NO_SUCH_ID = 0xFFFFFFFF
# Years are the first four digits of a date (search._year); anything else matches nothing.
YEARS = range(1, 10000)


def _in(column: str, values) -> str:
    """`column IN (…)`; an empty list (only unknown values asked) matches nothing."""
    listed = [int(v) for v in values] or [NO_SUCH_ID]
    return f"{column} IN ({','.join(map(str, listed))})"


def compile_where(filters: FilterSpec | None, tables: NameTables,
                  clause_id: Callable[[int], int] = lambda docnum: docnum + 1) -> list[str]:
    """WHERE conditions (to AND after MATCH) for a FilterSpec; integers only. `clause_id`
    gives the Sphinx id of a docnum (the version's sphinx.json, see sphinx/build.py)."""
    if filters is None:
        return []
    where = []
    if filters.issuers:
        where.append(_in("issuers", tables.ids("issuers", filters.issuers)))
    if filters.themes:
        where.append(_in("themes", tables.ids("themes", filters.themes)))
    if filters.doc_types:
        where.append(_in("doctype", tables.ids("types", filters.doc_types)))
    if filters.validities:
        where.append(_in("validity", tables.ids("validities", filters.validities)))
    if filters.years:
        where.append(_in("year", sorted(y for y in filters.years if int(y) in YEARS)))
    if filters.doc_id is not None:
        where.append(_in("docid", tables.ids("documents", [filters.doc_id])))
    if filters.doc_ids is not None:         # field search on document metadata (标题:, 机关: …)
        where.append(_in("docid", tables.ids("documents", filters.doc_ids)))
    if filters.docnums is not None:         # field search on task-record fields
        where.append(_in("id", sorted(clause_id(n) for n in filters.docnums)))
    if filters.date_lo or filters.date_hi:
        # The document's period [date_first, date_last] overlaps [lo, hi]; undated ones hold 0.
        where.append("date_first >= 1")
        if filters.date_lo:
            where.append(f"date_last >= {yyyymmdd(filters.date_lo)}")
        if filters.date_hi:
            where.append(f"date_first <= {yyyymmdd(filters.date_hi)}")
    return where
