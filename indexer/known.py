"""Known-item lookup: the document a query names by its 文号 or its title.

A researcher who types 国发〔2018〕4号, 国发[2018]4, 《国务院关于全面加强基础科学研究的若干意见》,
the title without its 关于…的通知 wrapper, or a short title (双一流实施办法) wants that document
first, shown as a card above the clause results. Rules, strongest first:

1. **文号**: an issuing code, a four-digit year in any bracket pair (〔〕 [] （） 【】 ［］, half or
   full width, spaces anywhere) and a serial, 号 optional, equal to a document's own 文号.
2. **Title**: the query equals a document's title compared as citations are resolved
   (indexer/links/resolve.py: no spacing, quotes or 《》, the cover-notice wrapper unwrapped,
   issuer aliases canonical), or equals its loose key (no issuer before 关于, no 关于, no year
   prefix, no （暂行）/（试行）).
3. **Short title**: the query, with abbreviations replaced by their full names (双一流 →
   世界一流大学和一流学科; 中国科协 for 中国科学技术协会, from the alias table), is spelled by at
   most SHORT_PIECES pieces of the title's loose key (bracketed parts such as （2021—2025年）
   left out), in order, each at least two characters, and covers at least SHORT_COVERAGE of it. Pieces in order keep 人才 or 基础研究 from naming a document: a
   two-word topic never covers half a title.

Only an unquoted single-run query (one term, no operators) is looked up; the cards never
change the clause results below them.
"""
from __future__ import annotations

import re
import unicodedata

from indexer.aliases import AliasTable
from indexer.links.resolve import loose_title_key, name_pairs, number_key, title_key
from indexer.patterns import DOC_NUMBER_TYPED
from indexer.records import Document

BRACKETED = re.compile(r"[（(][^（）()]*[）)]")
MIN_TITLE_QUERY = 4          # characters: shorter queries are topics, not titles
SHORT_PIECES = 3             # 双一流实施办法 → 世界一流大学和一流学科 + 实施办法: 2 pieces
SHORT_COVERAGE = 0.5         # of the title's loose key, in characters
MIN_PIECE = 2
MAX_CARDS = 5


def doc_number_of(query: str) -> tuple[str, int, int] | None:
    """(issuing code, year, serial) when the whole query is a 文号, in any common form."""
    match = DOC_NUMBER_TYPED.match(unicodedata.normalize("NFKC", query.strip()).replace(" ", ""))
    if not match:
        return None
    return match["agency"], int(match["year"]), int(match["number"])


def canonical_doc_number(query: str) -> str | None:
    """The 文号 as documents print it (国发〔2018〕4号), to search clause texts that cite it."""
    key = doc_number_of(query)
    return f"{key[0]}〔{key[1]}〕{key[2]}号" if key else None


class TitleIndex:
    """The keys `lookup` compares, worked out once per index version, and where to find them:
    the exact and loose keys in dicts, and each short key (the loose key without bracketed
    parts) under its first and last two characters. A short title spells the key with pieces
    of at least MIN_PIECE characters, so the key holds the query's first two characters and its
    last two: only titles holding both are scored, which gives what scoring every title gives
    (tests/test_search.py compares them) at a cost that does not grow with the collection
    (every title scored took ~15 ms a search at ×100, 2,000 documents)."""

    def __init__(self, documents: list[Document], aliases: AliasTable):
        self.aliases = aliases
        self.names = name_pairs(aliases.issuers)
        newest_first = sorted(documents, key=lambda d: d.date, reverse=True)
        self.entries = [TitleEntry(d, title_key(d.title, self.names), loose_title_key(d.title, self.names))
                        for d in newest_first]
        self.by_key: dict[str, list[int]] = {}
        self.by_bigram: dict[str, set[int]] = {}
        self.by_number: dict[tuple, list[Document]] = {}
        for position, entry in enumerate(self.entries):
            self.by_key.setdefault(entry.key, []).append(position)
            self.by_key.setdefault(entry.loose_key, []).append(position)
            short = entry.short_key
            for i in range(len(short) - MIN_PIECE + 1):
                self.by_bigram.setdefault(short[i:i + MIN_PIECE], set()).add(position)
        for d in newest_first:
            if number_key(d.doc_number):
                self.by_number.setdefault(number_key(d.doc_number), []).append(d)

    def lookup(self, query: str) -> list[Document]:
        """The documents `query` names, best first (at most MAX_CARDS); newest first among
        equals."""
        query = query.strip()
        wanted = doc_number_of(query)
        if wanted:
            return self.by_number.get(wanted, [])[:MAX_CARDS]
        if len(query) < MIN_TITLE_QUERY or any(c.isspace() for c in query):
            return []
        exact, loose = title_key(query, self.names), loose_title_key(query, self.names)
        variants = [title_key(v) for v in _expansions(query, self.aliases)]
        scored = [(score(exact, loose, variants, self.entries[p]), self.entries[p].document)
                  for p in sorted(self._candidates(exact, loose, variants))]
        scored = [pair for pair in scored if pair[0] > 0]
        scored.sort(key=lambda pair: -pair[0])      # stable: keeps newest first among equals
        return [d for _, d in scored[:MAX_CARDS]]

    def _candidates(self, exact: str, loose: str, variants: list[str]) -> set[int]:
        """The titles that can score above 0 (see the class docstring)."""
        found = {*self.by_key.get(exact, ()), *self.by_key.get(loose, ())}
        empty: set[int] = set()
        for variant in variants:
            if len(variant) >= MIN_TITLE_QUERY:
                found |= self.by_bigram.get(variant[:MIN_PIECE], empty) & \
                    self.by_bigram.get(variant[-MIN_PIECE:], empty)
        return found


class TitleEntry:
    """One document's title keys (`title_key`, `loose_title_key`, and the loose key without
    bracketed parts, which short titles are compared with)."""
    __slots__ = ("document", "key", "loose_key", "short_key")

    def __init__(self, document: Document, key: str, loose_key: str):
        self.document, self.key, self.loose_key = document, key, loose_key
        self.short_key = BRACKETED.sub("", loose_key)   # （2021—2025年）: nobody types a plan's period


def score(exact: str, loose: str, variants: list[str], entry: TitleEntry) -> float:
    """3 for the title itself, 2 for its loose key, else the short-title coverage (0–1) of the
    best of `variants` (the query and its expansions, as `title_key`s)."""
    if exact == entry.key:
        return 3.0
    if loose == entry.loose_key:
        return 2.0
    return max((_coverage(variant, entry.short_key) for variant in variants), default=0.0)


def _expansions(query: str, aliases: AliasTable) -> list[str]:
    """The query with each abbreviation it contains replaced by its other names."""
    found = [query]
    groups = [[c, *others] for table in (aliases.synonyms, aliases.issuers)
              for c, others in table.items()]
    for group in groups:
        for name in sorted(group, key=len, reverse=True):
            if name and name in query:
                found += [query.replace(name, other) for other in group if other != name]
                break
    return found


def _coverage(query: str, key: str) -> float:
    """Share of the short key `key` spelled by `query` (a `title_key`) as at most SHORT_PIECES
    in-order pieces of at least MIN_PIECE characters each; 0 when it is not spelled so."""
    if len(query) < MIN_TITLE_QUERY or not key:
        return 0.0
    pieces, at, rest = 0, 0, query
    while rest:
        length = _longest_prefix_in(rest, key, at)
        if length < MIN_PIECE:
            return 0.0
        at = key.index(rest[:length], at) + length
        rest, pieces = rest[length:], pieces + 1
        if pieces > SHORT_PIECES:
            return 0.0
    coverage = len(query) / len(key)
    return coverage if coverage >= SHORT_COVERAGE else 0.0


def _longest_prefix_in(text: str, key: str, start: int) -> int:
    """Length of the longest prefix of `text` found in `key` at or after `start`."""
    length = 0
    while length < len(text) and key.find(text[:length + 1], start) >= 0:
        length += 1
    return length
