"""Ranking: BM25 over substrings for every match, BM25F over jieba words for the best.

A variant (one normalised string searched for) scores the mean BM25F of its character
bigrams plus the mean of its jieba words' field scores — the clause's own words, its
label+heading (×HEADING_BOOST) and its context, the document title and parent headings
(×CONTEXT_BOOST) — so a long synonym does not outweigh a short one by its length alone. A
group scores its best variant; a clause sums its groups.

Full BM25F reads postings, a cost that grows with the corpus, so every match is first
ordered by `quick_scores` (substring occurrences in the normalised text and heading, read
from memory) and only the best RESCORE_WINDOW are rescored; the window does not depend on
the page, so pages and the export follow one order.
"""
from __future__ import annotations

import math
from collections.abc import Callable

from indexer import analysis

# Ranking weights of the fields (BM25F); tuned with `python -m indexer relevance`, which moves
# little between 1-5 for headings and 0.25-1 for context (see docs/search.md).
WORDS_BOOST = 1.0
HEADING_BOOST = 3.0
CONTEXT_BOOST = 0.5
BIGRAM_BOOST = 1.0
# Clauses rescored with full BM25F after the quick ranking of all matches. 200 → 100 left
# the relevance evaluation unchanged and cut the ×100 p95 (docs/performance.md).
RESCORE_WINDOW = 100
BM25_K1, BM25_B = 1.2, 0.75       # Whoosh's defaults, for the quick ranking
# A heading without text of its own (二、完善基础研究布局) only points at its children, which say more.
BARE_HEADING_WEIGHT = 0.8

# (field, token, sorted docnums) → {docnum: BM25F score of that token in that field}
FieldScores = Callable[[str, str, list[int]], dict[int, float]]


def bigrams_of(term: str) -> list[str]:
    return sorted(set(analysis.bigrams(term)))


def quick_scores(variants: list[list[str]], docnums: set[int], texts: list[str],
                 headings: list[str], mean_length: float,
                 matches: Callable[[str], set[int]]) -> dict[int, float]:
    """BM25 of each group's best variant counted as substring occurrences in the clause's
    normalised text and heading: cheap, and close enough to choose what to rescore."""
    scores = dict.fromkeys(docnums, 0.0)
    for group in variants:
        best = dict.fromkeys(docnums, 0.0)
        for term in group:
            found = matches(term) & docnums
            idf = math.log(1 + (len(texts) - len(found) + 0.5) / (len(found) + 0.5))
            for n in found:
                text, tf_heading = texts[n], headings[n].count(term)
                tf = text.count(term)
                norm = BM25_K1 * (1 - BM25_B + BM25_B * len(text) / mean_length)
                score = idf * (tf * (BM25_K1 + 1) / (tf + norm)
                               + HEADING_BOOST * tf_heading * (BM25_K1 + 1) / (tf_heading + BM25_K1))
                best[n] = max(best[n], score)
        for n, score in best.items():
            scores[n] += score
    return scores


def full_scores(variants: list[list[str]], docnums: set[int], field_scores: FieldScores,
                bare: Callable[[int], bool]) -> dict[int, float]:
    """BM25F relevance of `docnums` (see the module docstring); `bare(n)` tells a heading
    without text of its own."""
    ordered = sorted(docnums)
    cache: dict[tuple[str, str], dict[int, float]] = {}

    def scores_of(fieldname: str, token: str) -> dict[int, float]:
        if (fieldname, token) not in cache:
            cache[fieldname, token] = field_scores(fieldname, token, ordered)
        return cache[fieldname, token]

    pieces = {t: (bigrams_of(t), analysis.words(t)) for group in variants for t in group}

    def variant_score(term: str, docnum: int) -> float:
        pairs, words = pieces[term]
        score = sum(scores_of("bigrams", p).get(docnum, 0.0) for p in pairs) * \
            BIGRAM_BOOST / max(len(pairs), 1)
        for word in words:
            score += (WORDS_BOOST * scores_of("words", word).get(docnum, 0.0)
                      + HEADING_BOOST * scores_of("heading", word).get(docnum, 0.0)
                      + CONTEXT_BOOST * scores_of("context", word).get(docnum, 0.0)
                      ) / len(words)
        return score

    return {n: sum(max(variant_score(t, n) for t in group) for group in variants)
            * (BARE_HEADING_WEIGHT if bare(n) else 1.0) for n in ordered}


def order(score_of: dict[int, float], groups_found: dict[int, int] | None):
    """Sort key: score desc, docnum asc; with partial matches, most groups matched first."""
    if groups_found is not None:
        return lambda n: (-groups_found[n], -score_of[n], n)
    return lambda n: (-score_of[n], n)


def rank(variants: list[list[str]], allowed: set[int], *, texts: list[str], headings: list[str],
         mean_length: float, matches: Callable[[str], set[int]], field_scores: FieldScores,
         bare: Callable[[int], bool], groups_found: dict[int, int] | None
         ) -> tuple[list[int], dict[int, float]]:
    """Every allowed match in relevance order, with scores: quick scores for all, BM25F for
    the best RESCORE_WINDOW."""
    window, rest, quick = allowed, [], {}
    if len(allowed) > RESCORE_WINDOW:
        quick = quick_scores(variants, allowed, texts, headings, mean_length, matches)
        by_quick = sorted(allowed, key=order(quick, groups_found))
        window, rest = set(by_quick[:RESCORE_WINDOW]), by_quick[RESCORE_WINDOW:]
    scores = full_scores(variants, window, field_scores, bare)
    ranked = sorted(window, key=order(scores, groups_found)) + rest
    scores.update((n, quick[n]) for n in rest)
    return ranked, scores
