"""Character-bigram postings of one Whoosh segment's clauses, outside Whoosh.

A substring's candidate clauses are those holding every one of its bigrams (`analysis.bigrams`:
two letters, digits or CJK characters); each candidate is then verified against the
normalised text (`analysis.contains`), so the postings need no positions and no frequencies:
per bigram, the sorted numbers of the clauses holding it. Whoosh stored these as a TEXT field
and indexed them in pure Python one posting at a time (55% of its postings); here a part's
postings are a dict of lists built in one pass and written as four arrays.

One file per segment (`write`), beside the segment's own files and named after it, so the
build reuses it exactly as it reuses the segment (same content key, hard-linked). Docnums in
a file run from 0 (the segment's clauses); `BigramPostings` adds each part's first docnum.

File layout, native byte order (the magic number reads wrong on another one):

    header     MAGIC, VERSION, docs, keys, postings, itemsize (u32 each), total_length (u64)
    keys       u64 × keys       the bigrams as (ord(first) << 21) | ord(second), ascending
    starts     u32 × (keys+1)   where each bigram's docnums begin in `docnums`
    lengths    u32 × docs       each clause's bigram count with repeats (BM25's field length)
    docnums    u16 or u32 × postings (itemsize 2 when a part holds at most 65,536 clauses)

Delta or varint coding would shrink the docnums further, but decoding them is Python work
at query time, and u16 already halves them (×100: ~9 M postings, ~18 MB in all).

The reader maps the files (mmap: pages shared by every process serving the version, read
only where a lookup lands) and finds a bigram by bisection in its part's keys.
"""
from __future__ import annotations

import math
import mmap
import re
import struct
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from pathlib import Path

from whoosh.scoring import bm25
from whoosh.util.numeric import byte_to_length, length_to_byte

from indexer import analysis

MAGIC = 0x43534247          # "CSBG"
VERSION = 1
_HEADER = struct.Struct("=6IQ")
_SMALL_PART = 1 << 16        # docnums below this fit in u16
# A run of word-like characters: a bigram of `analysis.bigrams` is two consecutive characters
# of one run, so cutting runs (one regex pass in C) gives the same list as testing each pair.
_RUN = re.compile(analysis._WORDLIKE.pattern + "{2,}")


class BigramFileError(Exception):
    """A bigram postings file that is not one this module wrote."""


def pairs(text: str) -> list[str]:
    """`analysis.bigrams(text)`, the same list, computed from runs of word-like characters."""
    return [run[i:i + 2] for run in _RUN.findall(text) for i in range(len(run) - 1)]


def code(pair: str) -> int:
    """A bigram as an integer key (code points are at most 21 bits)."""
    return ord(pair[0]) << 21 | ord(pair[1])


def occurrences(text: str, pair: str) -> int:
    """How often `pair` (two word-like characters) occurs in `text`, overlaps included: its
    count in `pairs(text)`, without listing them."""
    if pair[0] != pair[1]:
        return text.count(pair)
    count, at = 0, text.find(pair)
    while at != -1:
        count += 1
        at = text.find(pair, at + 1)
    return count


def write(path: Path, texts: Iterable[str]) -> None:
    """The postings of `texts` (normalised, one per clause, numbered from 0) into `path`."""
    holders: dict[str, list[int]] = {}
    lengths = array("I")
    for n, text in enumerate(texts):
        found = pairs(text)
        lengths.append(len(found))
        for pair in set(found):
            listed = holders.get(pair)
            if listed is None:
                holders[pair] = [n]
            else:
                listed.append(n)
    keyed = sorted((code(pair), pair) for pair in holders)
    docnums = array("H" if len(lengths) <= _SMALL_PART else "I")
    keys, starts = array("Q"), array("I", [0])
    for key, pair in keyed:
        keys.append(key)
        docnums.extend(holders[pair])
        starts.append(len(docnums))
    with open(path, "wb") as f:
        f.write(_HEADER.pack(MAGIC, VERSION, len(lengths), len(keys), len(docnums),
                             docnums.itemsize, sum(lengths)))
        for part in (keys, starts, lengths, docnums):
            part.tofile(f)


class _Part:
    """One file, mapped."""

    def __init__(self, path: Path, first: int):
        self.first = first
        with open(path, "rb") as f:
            self.map = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        view = memoryview(self.map)
        if len(view) < _HEADER.size:
            raise BigramFileError(f"{path}: truncated")
        magic, version, self.docs, keys, postings, itemsize, self.total_length = \
            _HEADER.unpack_from(view)
        if magic != MAGIC or version != VERSION or itemsize not in (2, 4):
            raise BigramFileError(f"{path}: not a bigram postings file of version {VERSION}")
        at = _HEADER.size
        sizes = [("Q", 8 * keys), ("I", 4 * (keys + 1)), ("I", 4 * self.docs),
                 ("H" if itemsize == 2 else "I", itemsize * postings)]
        if at + sum(size for _, size in sizes) != len(view):
            raise BigramFileError(f"{path}: size does not match its header")
        self.views = [view]
        for typecode, size in sizes:
            self.views.append(view[at:at + size].cast(typecode))
            at += size
        _, self.keys, self.starts, self.lengths, self.docnums = self.views

    def holders(self, key: int):
        """The part's docnums (from 0) holding the bigram `key`; empty when none."""
        i = bisect_left(self.keys, key)
        if i == len(self.keys) or self.keys[i] != key:
            return ()
        return self.docnums[self.starts[i]:self.starts[i + 1]]

    def close(self) -> None:
        for view in reversed(self.views):
            view.release()
        try:
            self.map.close()
        except BufferError:     # a lookup still holds a slice: the map goes with it
            pass


class BigramPostings:
    """The bigram postings of a whole version: its segments' files, in docnum order."""

    def __init__(self, files: list[Path]):
        self.parts: list[_Part] = []
        try:
            first = 0
            for path in files:
                part = _Part(path, first)
                self.parts.append(part)
                first += part.docs
        except BaseException:
            self.close()
            raise
        self.docs = first
        self.total_length = sum(part.total_length for part in self.parts)
        self._firsts = [part.first for part in self.parts]

    def candidates(self, pairs: list[str]) -> list[int]:
        """Docnums of the clauses holding every one of `pairs` (at least one), ascending."""
        keys = [code(pair) for pair in pairs]
        found: list[int] = []
        for part in self.parts:
            lists = []
            for key in keys:
                held = part.holders(key)
                if not held:
                    break
                lists.append(held)
            else:
                found.extend(_offset(_intersection(lists), part.first))
        return found

    def doc_frequency(self, pair: str) -> int:
        key = code(pair)
        return sum(len(part.holders(key)) for part in self.parts)

    def length(self, docnum: int) -> int:
        """The clause's bigram count, repeats included."""
        part = self.parts[bisect_right(self._firsts, docnum) - 1]
        return part.lengths[docnum - part.first]

    def bm25_scores(self, pair: str, ordered: list[int], texts: list[str], B: float, K1: float
                    ) -> dict[int, float]:
        """BM25 of the bigram at each of the `ordered` docnums holding it: what Whoosh's BM25F
        gave it as a field, to the bit. idf and mean field length over the version (Whoosh's
        formulas); the clause's bigram count stored as Whoosh stores a field length (one byte,
        length_to_byte); the frequency counted in the clause's normalised text (`texts`)."""
        df = self.doc_frequency(pair)
        if not df:
            return {}
        idf = math.log(self.docs / (df + 1)) + 1
        mean_length = self.total_length / (self.docs or 1) or 1
        found = {}
        for docnum in ordered:
            tf = occurrences(texts[docnum], pair)
            if tf:
                length = byte_to_length(length_to_byte(self.length(docnum)))
                found[docnum] = bm25(idf, float(tf), length, mean_length, B, K1)
        return found

    def close(self) -> None:
        for part in self.parts:
            part.close()
        self.parts = []


def _intersection(lists: list) -> list[int]:
    """The docnums common to sorted docnum lists, ascending."""
    if len(lists) == 1:
        return lists[0].tolist()
    lists.sort(key=len)
    common = set(lists[0])
    for other in lists[1:]:
        if len(common) * 16 < len(other):
            # Few left: look each up (bisection) rather than read the long list.
            common = {n for n in common if _holds(other, n)}
        else:
            common.intersection_update(other)
        if not common:
            return []
    return sorted(common)


def _holds(docnums, n: int) -> bool:
    i = bisect_left(docnums, n)
    return i < len(docnums) and docnums[i] == n


def _offset(docnums: list[int], first: int) -> list[int]:
    return [n + first for n in docnums] if first else docnums
