"""Echoes: near-identical clauses in different documents (wording reused across issuers/years).

Computed at build time over the whole collection; an incremental build checks only the pairs
that involve a new or changed clause (see *Incremental* below) and gives what a full build gives.

Comparison text ("skeleton"): the clause's heading and text, without its label (三、 in one
document is （一） in another: numbering is not wording), normalised (NFKC full/half width,
casefold, traditional → simplified: indexer/analysis.py), with variant characters folded
(`VARIANTS`: ○→〇, 巿→市 …) and everything but letters, digits and CJK characters removed, so
punctuation (、/，, 「」/“”) and layout never make two wordings differ. Clauses whose skeleton is
shorter than `min_chars` (default 30) are left out: short stock phrases (本办法自发布之日起施行)
would echo everywhere and mean nothing.

Similarity: Jaccard of the two skeletons' sets of 5-character shingles (|A∩B| / |A∪B|); a pair
is an echo when it reaches `threshold` (default 0.7) and the clauses belong to different
documents. Each pair is reported once, the earlier document (by date, then id) first, as the
likely source. The exact check counts the intersection of two roaring bitmaps of the shingles'
dense numbers (`_Bitmaps`: pyroaring, in C), the shingles cut from the clauses' texts as they
are compared: a clause's sketch keeps only how many distinct shingles it has, and the build has
its texts in memory anyway (the normalised texts it writes), so neither the parse cache nor the
build holds shingle lists. Until the ninth stop each sketch held its shingles as sorted 64-bit
codes, ~1.3 KB a clause: ~0.9 GB of ×1000's build memory, for no faster a check.

Scaling (no all-pairs comparison): candidates come from a banded sketch (locality-sensitive
hashing). Each clause samples *fingerprints* — the 5-character shingles that start at an anchor
character (a fixed half of CJK characters, chosen by checksum, so two copies of a wording
sample the same shingles) — takes one CRC-32 of each, splits them into `BANDS` classes by
checksum modulo BANDS, and keys each class by its `ROWS` smallest checksums. Two clauses are a
candidate pair when they share a band key, and every candidate pair is compared exactly (after
a size filter: a Jaccard of J needs the smaller shingle set to be at least J × the larger).
Two clauses whose fingerprints have Jaccard J share a band key with probability ≈ J^ROWS, so
at least one of 10 bands of 3 with 1 − (1 − J³)¹⁰: 0.999 at J = 0.8, 0.985 at 0.7, 0.91 at
0.6, 0.74 at 0.5 (pairs below the threshold are then rejected by the exact check). Short
clauses have few fingerprints per class, so their keys are shorter (looser) and their J a
noisier estimate. CRC-32 keeps a build deterministic.

Common wording: a band key held by more than `MAX_BUCKET` clauses (256) is *common* and makes
no candidates. Without it the pairs grow with the square of a wording's family: a stock
paragraph in 1,000 documents is 500,000 pairs, and the benchmark's ×1000 (every seed clause
reworded 1,000 times) would be tens of millions, past any build's time and memory; with it the
exact checks are at most `MAX_BUCKET` × (band keys) per clause, linear in the collection. Two
clauses sharing an uncommon key are still paired even when they also share common ones. A
clause holding a common key is listed in echo_common.json (`common_wording`: about how many
clauses share that key), and its page says its wording is too common to list, with a search
for its opening words, so the cut is never silent. The ×100 benchmark's largest bucket holds
166 clauses, so its pairs are the same with or without the cap (700,129, compared).

Apart from that cap, the rule is a property of the pair alone: whether two clauses are a
candidate, and whether they are an echo, depends only on their two skeletons and documents,
never on which other clauses share a band key. (Before issue 15's rebuild work a band key shared by more than 64
clauses paired each member only with the next 64 of its bucket; that made the result depend on
bucket membership, so an incremental build could not reproduce it, and it was dropped. At ×100
(2,000 documents, 63,721 clauses long enough) the capped rule found 694,723 pairs and this one
finds 699,791: every one of the 694,723 with the same similarity, and 5,068 more (0.7 %) that
the cap had skipped.)

Incremental (`compute_state(…, previous=…)`): the version keeps a compact binary state
(`EchoState`, echo_state.bin): the rule's fingerprint (this module's source and the parameters),
every sketched clause's (document id, clause id, skeleton digest, document date) and the pairs in
their published order (most similar first, the export's order) as arrays of numbers into that
list. A clause is *unchanged* when
the previous version had the same document id, clause id and skeleton digest, under the same
rule. A pair of two unchanged clauses is taken from the previous version (its similarity depends
only on the two skeletons); only candidate pairs with at least one new or changed clause are
checked. The cap is followed too: the state keeps each clause's band keys, so a key's size in
the previous version is known (its size now, less the new and changed clauses holding it,
plus the removed and changed ones that held it); a reused pair whose only uncommon shared keys
became common is dropped, and the unchanged clauses sharing a key that stopped being common are
checked against each other. The union is exactly what a full build finds (tested across both
kinds of change).
The order is kept, not worked out again: two unchanged clauses compare the same way by ids, and
by dates too while no unchanged clause's document changed its date, so the reused pairs stay in
their order and each new pair is placed by binary search; a changed date sorts them all again.
At ×100 (~700,000 pairs) an add-one rebuild's echoes went from ~5 s (re-sorting the pairs, rows
and state rebuilt and written as JSON) to ~1.2 s (read the state, renumber, check, place,
write), measured on the shared 2-core machine.

Serving (`EchoIndex`, echo_index.bin): each clause's echoes as (partner docnum, similarity),
written by the build from the state and read in place (a memory map) by the clause page, which
sorts a clause's few entries itself; the export streams the pairs from the state. Until the
sixth stop the build wrote echoes.json and a serving process read all of it on its first echo.

The aligned diff (`diff_html`) compares the two clauses character by character on their folded
forms (so full/half width and variants are not differences) and shows the original text:
shared runs as plain text, the first clause's own characters in <del>, the second's in <ins>,
all HTML-escaped.
"""
from __future__ import annotations

import difflib
import hashlib
import json
import os
import re
import struct
import sys
import zlib
from array import array
from bisect import bisect_left
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from itertools import accumulate, chain, compress, islice, repeat
from dataclasses import dataclass, field
from functools import lru_cache
from operator import mul
from html import escape
from pathlib import Path
from typing import NamedTuple

from pyroaring import FrozenBitMap

from indexer import heap, store
from indexer.analysis import normalize
from indexer.analytics.common import permalink
from indexer.clausetext import clause_text
from indexer.records import Document

SHINGLE = 5
BANDS = 10
ROWS = 3
ANCHOR_RATE = 2          # one CJK character in ANCHOR_RATE starts a fingerprint
DEFAULT_THRESHOLD = 0.7
DEFAULT_MIN_CHARS = 30
_SIZE_SLACK = 1e-9       # the size filter never rejects a pair at exactly the threshold
# A band key held by more clauses than this is *common* and makes no candidates (module
# docstring, *Common wording*). The ×100 benchmark's largest bucket holds 166 clauses (every
# bucket is kept there); its ×1000 would hold ~1,000-clause buckets, each 500,000 pairs.
MAX_BUCKET = 256
VARIANTS = str.maketrans({"○": "〇", "◯": "〇", "巿": "市", "戸": "户", "説": "说", "．": ".",
                          "﹒": ".", "・": "·"})
_NOT_WORDLIKE = re.compile(r"[^0-9a-z\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_ANCHORS = "".join(chr(cp) for cp in range(0x4E00, 0xA000)
                   if zlib.crc32(chr(cp).encode()) % ANCHOR_RATE == 0)
_FINGERPRINT = re.compile(f"(?=([{_ANCHORS}].{{{SHINGLE - 1}}}))")

COLUMNS = [("similarity", "相似度"),
           *[(f"{key}_{side}", f"{zh}{mark}") for side, mark in (("a", "甲"), ("b", "乙"))
             for key, zh in (("doc_id", "文件ID"), ("clause_id", "条款ID"), ("title", "文件标题"),
                             ("doc_number", "文号"), ("issuers", "发文机关"), ("date", "日期"),
                             ("label", "条款编号"), ("permalink", "链接"), ("text", "条款正文"))]]


@dataclass(kw_only=True)
class EchoInput:
    doc_id: str
    clause_id: str
    text: str            # the clause's normalised heading and text (`echo_inputs`)
    date: str = ""       # the document's date, to put the earlier document first


@dataclass(kw_only=True, slots=True)
class EchoPair:
    doc_a: str
    clause_a: str
    doc_b: str
    clause_b: str
    similarity: float


class Sketch(NamedTuple):
    """What the comparison needs of one clause, computed once (in the parse workers, and kept
    in the parse cache: indexer/analytics_files.py `document_inputs`)."""
    digest: str              # the skeleton's 64-bit BLAKE2b, hex: "is this clause unchanged?"
    keys: tuple[int, ...]    # its band keys, each (ROWS checksums) packed into one int exactly
    size: int                # how many distinct shingles it has


def skeleton(normalised: str) -> str:
    """The comparison text of an already normalised clause text (see the module docstring)."""
    return _NOT_WORDLIKE.sub("", normalised.translate(VARIANTS))


def shingles(text: str) -> set[str]:
    return {text[i:i + SHINGLE] for i in range(len(text) - SHINGLE + 1)}


def band_keys(text: str) -> list[tuple[int, tuple[int, ...]]]:
    """The clause's band keys: its fingerprints' checksums split into `BANDS` classes by
    checksum modulo BANDS, each class keyed by its `ROWS` smallest checksums (fewer when a
    short clause has fewer in that class; a class it has none of gives no key)."""
    checksums = sorted(set(map(zlib.crc32, map(str.encode, _FINGERPRINT.findall(text)))))
    bands: list[list[int]] = [[] for _ in range(BANDS)]
    filled = 0
    for c in checksums:
        band = bands[c % BANDS]
        if len(band) < ROWS:
            band.append(c)
            filled += len(band) == ROWS
            if filled == BANDS:
                break
    return [(k, tuple(band)) for k, band in enumerate(bands) if band]


def _packed(checksums: tuple[int, ...]) -> int:
    """A band key as one int, exactly: the checksums ascend (so a later one is never 0) and
    the first names the band (it is ≡ band mod BANDS)."""
    return sum(c << (32 * i) for i, c in enumerate(checksums))


def sketch(normalised: str, min_chars: int = DEFAULT_MIN_CHARS) -> Sketch | None:
    """The clause's Sketch from its normalised text without label; None when its skeleton is
    shorter than `min_chars` (it takes part in no echo)."""
    text = skeleton(normalised)
    if len(text) < min_chars:
        return None
    return Sketch(digest=hashlib.blake2b(text.encode(), digest_size=8).hexdigest(),
                  keys=tuple(_packed(band) for _, band in band_keys(text)),
                  size=len(shingles(text)))


def echo_inputs(documents: Iterable[Document],
                normalised: Sequence[str] | None = None) -> list[EchoInput]:
    """One input per clause, in document and clause order. `normalised`, when given, holds
    the normalised displayed texts the index has already computed in that order (label, heading
    and text: the normalised label is cut off the front), which saves normalising again;
    otherwise heading and text are normalised here."""
    pairs = [(d, c) for d in documents for c in d.clauses]
    if normalised is None:
        texts = [normalize(" ".join(p for p in (c.heading, c.text) if p)) for _, c in pairs]
    else:
        texts = [without_label(text, c.label) for (_, c), text in zip(pairs, normalised, strict=True)]
    return [EchoInput(doc_id=d.id, clause_id=c.id, text=t, date=d.date)
            for (d, c), t in zip(pairs, texts)]


def without_label(text: str, label: str) -> str:
    """A clause's normalised displayed text without its normalised label in front."""
    return text[label_length(text, label):]


def label_length(text: str, label: str) -> int:
    """How many characters of a clause's normalised displayed text are its normalised label."""
    prefix = normalize(label) if label else ""
    return len(prefix) if prefix and text.startswith(prefix) else 0


@dataclass
class EchoClauses:
    """The sketched clauses of a collection, in document order (a document's clauses together),
    each with the text it was sketched from: `texts[i][starts[i]:]` (a normalised displayed text
    held elsewhere anyway, and where its label ends, so that no text is copied here)."""
    doc_ids: list[str] = field(default_factory=list)
    clause_ids: list[str] = field(default_factory=list)
    dates: list[str] = field(default_factory=list)
    sketches: list[Sketch] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    starts: array = field(default_factory=lambda: array("i"))

    def add(self, doc_id: str, clause_id: str, date: str, found: Sketch | None, text: str,
            start: int = 0) -> bool:
        """Add the clause when it has a sketch (else it takes part in no echo); whether it did.
        `found` is the sketch of `text[start:]`."""
        if found is None:
            return False
        self.doc_ids.append(doc_id)
        self.clause_ids.append(clause_id)
        self.dates.append(date)
        self.sketches.append(found)
        self.texts.append(text)
        self.starts.append(start)
        return True

    def skeleton(self, i: int) -> str:
        return skeleton(self.texts[i][self.starts[i]:])

    def __len__(self) -> int:
        return len(self.sketches)


def find_echoes(clauses: Sequence[EchoInput], threshold: float = DEFAULT_THRESHOLD,
                min_chars: int = DEFAULT_MIN_CHARS, max_bucket: int = MAX_BUCKET) -> list[EchoPair]:
    """Every pair of clauses of different documents at or above `threshold`, most similar first."""
    table = EchoClauses()
    for c in clauses:
        table.add(c.doc_id, c.clause_id, c.date, sketch(c.text, min_chars), c.text)
    rows, _ = compute(table, threshold, max_bucket=max_bucket)
    return [EchoPair(doc_a=a, clause_a=ca, doc_b=b, clause_b=cb, similarity=s)
            for a, ca, b, cb, s in rows]


def rule(threshold: float = DEFAULT_THRESHOLD, min_chars: int = DEFAULT_MIN_CHARS,
         max_bucket: int = MAX_BUCKET) -> str:
    """The fingerprint of the echo rule: this module's code and the parameters. A previous
    version's pairs are reused only under the same rule."""
    digest = hashlib.sha256(Path(__file__).read_bytes())
    digest.update(f"{threshold} {min_chars} {max_bucket}".encode())
    return digest.hexdigest()[:24]


def compute(clauses: EchoClauses, threshold: float = DEFAULT_THRESHOLD,
            previous: EchoState | None = None, min_chars: int = DEFAULT_MIN_CHARS,
            max_bucket: int = MAX_BUCKET) -> tuple[list[tuple], EchoState]:
    """Every echo of `clauses` as rows (doc_a, clause_a, doc_b, clause_b, similarity), most
    similar first, and the state to keep for the next build (`compute_state`, which a build
    calls directly: it writes the state without making these rows)."""
    state = compute_state(clauses, threshold, previous, min_chars, max_bucket)
    return state.rows(), state


def compute_state(clauses: EchoClauses, threshold: float = DEFAULT_THRESHOLD,
                  previous: EchoState | None = None, min_chars: int = DEFAULT_MIN_CHARS,
                  max_bucket: int = MAX_BUCKET) -> EchoState:
    """Every echo of `clauses`, in the published order, as an EchoState. With the `previous`
    version's state, pairs of two unchanged clauses are taken from it and only pairs involving
    another clause, or a band key that became or stopped being common, are checked (module
    docstring, *Incremental*)."""
    current_rule = rule(threshold, min_chars, max_bucket)
    n = len(clauses)
    sizes = Counter(key for found in clauses.sketches for key in found.keys)
    reuse = _reusable(clauses, previous, current_rule)
    if reuse is None:
        found = _checked(clauses, threshold, [True] * n, incremental=False, sizes=sizes,
                         max_bucket=max_bucket)
        del sizes           # every band key's count (×1000: ~100 MB), not needed to order
        return _state(clauses, current_rule, *_ordered(clauses, found))
    kept, a, b, t, in_order, mapping = reuse
    changed = [i not in kept for i in range(n)]
    found = _checked(clauses, threshold, changed, incremental=True, sizes=sizes, max_bucket=max_bucket)
    to_common, to_rare = _flipped(clauses, previous, mapping, changed, sizes, max_bucket)
    if to_common:
        a, b, t = _still_candidates(clauses, a, b, t, to_common, sizes, max_bucket)
    if to_rare:
        found.extend(_newly_rare(clauses, threshold, kept, a, b, to_rare))
    del sizes
    if in_order:
        return _state(clauses, current_rule, *_merged(clauses, a, b, t, found))
    # A kept clause's document changed its date: the earlier-first order of its pairs may
    # have changed, so everything is ordered again.
    pairs = _Found(map(min, a, b), map(max, a, b), t)
    pairs.extend(found)
    return _state(clauses, current_rule, *_ordered(clauses, pairs))


def _reusable(clauses: EchoClauses, previous: EchoState | None, current_rule: str
              ) -> tuple[set[int], array, array, array, bool, array] | None:
    """The unchanged clauses (numbers in `clauses`) and the previous pairs between two of
    them, renumbered, still in the previous order (a, b, thousandths arrays), whether that
    order still holds (no unchanged clause's date changed), and each previous clause's number
    now (-1: removed or changed); None when there is no usable previous state (nothing is
    reused)."""
    if previous is None or previous.rule != current_rule:
        return None
    number = {key: i for i, key in enumerate(zip(clauses.doc_ids, clauses.clause_ids))}
    mapping = array("i", [-1]) * len(previous.doc_ids)
    sketches, dates = clauses.sketches, clauses.dates
    in_order = True
    for j, key in enumerate(zip(previous.doc_ids, previous.clause_ids)):
        i = number.get(key, -1)
        if i >= 0 and sketches[i].digest == previous.digests[j]:
            mapping[j] = i
            if dates[i] != previous.dates[j]:
                in_order = False
    # Renumbered in C (array, map): ~700,000 pairs at ×100.
    a = array("i", map(mapping.__getitem__, previous.a))
    b = array("i", map(mapping.__getitem__, previous.b))
    t = array("H", previous.t)
    if -1 in a or -1 in b:          # a pair with a removed or changed clause: dropped
        keep = list(map((-1).__lt__, map(min, a, b)))
        a = array("i", compress(a, keep))
        b = array("i", compress(b, keep))
        t = array("H", compress(t, keep))
    return {i for i in mapping if i >= 0}, a, b, t, in_order, mapping


def _flipped(clauses: EchoClauses, previous: EchoState, mapping: array, changed: list[bool],
             sizes: Counter, max_bucket: int) -> tuple[set[int], set[int]]:
    """The band keys that became common since the previous version, and those that stopped
    being common: only keys a changed, added or removed clause holds can have changed size.
    A key's previous size is its size now, less the new and changed clauses holding it, plus
    the previous version's removed and changed clauses holding it (their keys are in the state)."""
    delta: Counter = Counter()
    for i, flag in enumerate(changed):
        if flag:
            delta.update(clauses.sketches[i].keys)
    for j, now in enumerate(mapping):
        if now < 0:
            delta.subtract(previous.keys[j])
    to_common, to_rare = set(), set()
    for key, added in delta.items():
        before = sizes.get(key, 0) - added
        if before <= max_bucket < sizes.get(key, 0):
            to_common.add(key)
        elif sizes.get(key, 0) <= max_bucket < before:
            to_rare.add(key)
    return to_common, to_rare


def _still_candidates(clauses: EchoClauses, a: array, b: array, t: array, to_common: set[int],
                      sizes: Counter, max_bucket: int) -> tuple[array, array, array]:
    """The reused pairs without those whose only uncommon shared band keys became common."""
    sketches = clauses.sketches
    keep = []
    for x, y in zip(a, b):
        shared = set(sketches[x].keys).intersection(sketches[y].keys)
        keep.append(shared.isdisjoint(to_common) or any(sizes[k] <= max_bucket for k in shared))
    return (array("i", compress(a, keep)), array("i", compress(b, keep)),
            array("H", compress(t, keep)))


def _newly_rare(clauses: EchoClauses, threshold: float, kept: set[int], a: array, b: array,
                to_rare: set[int]) -> _Found:
    """Echoes between two unchanged clauses of different documents sharing a band key that
    stopped being common (so they were no candidates through it), not already reused."""
    members: dict[int, list[int]] = {key: [] for key in to_rare}
    for i, found in enumerate(clauses.sketches):
        if i in kept:
            for key in found.keys:
                if key in members:
                    members[key].append(i)
    involved = {i for group in members.values() for i in group}
    known = {(x, y) if x < y else (y, x) for x, y in zip(a, b) if x in involved and y in involved}
    docs = clauses.doc_ids
    todo: dict[int, set[int]] = defaultdict(set)
    for group in members.values():
        for k, x in enumerate(group):
            todo[x].update(y for y in group[k + 1:]
                           if docs[y] != docs[x] and (x, y) not in known)
    found = _Found()
    sets = _Bitmaps(clauses)
    for x, partners in todo.items():
        _compare(x, partners, sets, threshold, found)
    return found


def _checked(clauses: EchoClauses, threshold: float, changed: list[bool], incremental: bool,
             sizes: Counter, max_bucket: int) -> _Found:
    """Every echo (a, b, similarity), a < b, with at least one changed clause: each changed
    clause against every clause of another document it shares an uncommon band key with."""
    sketches = clauses.sketches
    todo = [i for i, flag in enumerate(changed) if flag]
    uncommon = {key for key, size in sizes.items() if 1 < size <= max_bucket}
    wanted = {key for i in todo for key in sketches[i].keys} & uncommon if incremental else uncommon
    buckets = _buckets(sketches, wanted)
    start, end = _spans(clauses.doc_ids)
    # Clauses sharing keys one after the other, so the bitmaps of their partners are still
    # kept (`_Bitmaps.trim`): its group is the first clause of its first bucket (a clause
    # without CJK characters has no band key, and no partner).
    todo.sort(key=lambda i: (min((_first(buckets[k]) for k in sketches[i].keys if k in buckets),
                                 default=i), i))
    sets = _Bitmaps(clauses)
    found = _Found()
    for a in todo:
        partners: set[int] = set()
        for key in sketches[a].keys:
            members = buckets.get(key)
            if members is None or type(members) is int:
                continue                    # a common key, or one no other clause has
            if not incremental:             # every clause is checked: each pair once, a < b
                partners.update(members[bisect_left(members, end[a]):])
            else:
                partners.update(b for b in members if (b < start[a] or b >= end[a])
                                and (b > a or not changed[b]))
        if partners:
            _compare(a, partners, sets, threshold, found)
    return found


def _first(members: int | list[int]) -> int:
    return members if type(members) is int else members[0]


class _Found:
    """Echoes found, each as (x, y, thousandths) with x < y, in three arrays: 10 bytes a pair
    where a tuple of three Python objects took ~150 (×1000's ~48 M pairs: ~0.5 GB, not ~7 GB).
    The thousandths are `round(round(similarity, 3) * 1000)`, what the published rounding to
    3 places gives."""
    __slots__ = ("x", "y", "t")

    def __init__(self, x: Iterable[int] = (), y: Iterable[int] = (), t: Iterable[int] = ()):
        self.x, self.y, self.t = array("i", x), array("i", y), array("H", t)

    def __len__(self) -> int:
        return len(self.t)

    def __iter__(self) -> Iterator[tuple[int, int, int]]:
        return zip(self.x, self.y, self.t)

    def extend(self, other: _Found) -> None:
        self.x += other.x
        self.y += other.y
        self.t += other.t

    def drain(self, chunk: int = 1 << 20) -> Iterator[tuple[int, int, int]]:
        """Every pair, a chunk at a time from the end, each chunk cut off the arrays once taken, so
        the arrays shrink as the pairs move elsewhere (an array gives back its memory when
        more than a few items are deleted from its end; `_ordered` held ~0.4 GB of ×1000's
        pairs twice)."""
        while self.t:
            start = max(0, len(self.t) - chunk)
            taken = self.x[start:], self.y[start:], self.t[start:]
            for column in (self.x, self.y, self.t):
                del column[start:]
            yield from zip(*taken)


class _Bitmaps:
    """Clause number → its shingle set as a roaring bitmap (pyroaring), made on first use from
    its skeleton. The bitmap holds dense numbers: each distinct shingle gets the next number on
    first sight (a bijection, so intersection sizes are exact), and a clause's shingles, first
    seen together, get neighbouring numbers, which a roaring bitmap stores in one or two
    sorted-array containers. The intersection size is then counted in C.

    At most CAPACITY bitmaps are kept: past that, `trim` (called between two clauses'
    comparisons, never during one) drops them all with the numbering, which only has to agree
    among the bitmaps alive together. Clauses are compared grouped by bucket, so a dropped
    bitmap is rarely needed again.

    Measured on the ×100 benchmark's clauses (63,774 sketched, 2.7 M candidate pairs, sets of
    ~210 codes), shared 2-core machine: Python frozensets (`size - len(a - b)`, an LRU of 4,096
    sets) 12.7 µs a pair and 32 s for the whole comparison; bitmaps 1.2 µs a pair, the 225,106
    distinct codes' numbering and every clause's bitmap 2.7 s; ~40 MB for all the bitmaps."""
    CAPACITY = 100_000

    def __init__(self, clauses: EchoClauses):
        self.clauses = clauses
        self.maps: list[FrozenBitMap | None] = [None] * len(clauses)
        self.sizes = array("i", (s.size for s in clauses.sketches))
        self.numbers: dict[str, int] = {}
        self.alive: list[int] = []

    def __getitem__(self, i: int) -> FrozenBitMap:
        found = self.maps[i]
        if found is None:
            numbers = self.numbers
            number = numbers.setdefault
            text = self.clauses.skeleton(i)
            found = self.maps[i] = FrozenBitMap([number(text[k:k + SHINGLE], len(numbers))
                                                 for k in range(len(text) - SHINGLE + 1)])
            self.alive.append(i)
        return found

    def trim(self) -> None:
        """Drop every bitmap and the numbering when more than CAPACITY are kept."""
        if len(self.alive) > self.CAPACITY:
            for i in self.alive:
                self.maps[i] = None
            self.alive.clear()
            self.numbers.clear()


def _buckets(sketches: Sequence[Sketch], wanted: set[int]) -> dict[int, int | list[int]]:
    """Band key → the clauses having it, ascending (a lone clause as a bare int), for the
    `wanted` keys."""
    buckets: dict[int, int | list[int]] = {}
    for i, found in enumerate(sketches):
        for key in found.keys:
            if key not in wanted:
                continue
            members = buckets.get(key)
            if members is None:
                buckets[key] = i
            elif type(members) is int:
                buckets[key] = [members, i]
            else:
                members.append(i)
    return buckets


def _spans(doc_ids: Sequence[str]) -> tuple[array, array]:
    """Per clause, the first clause of its document and the first clause after it."""
    start, end = array("i", [0]) * len(doc_ids), array("i", [0]) * len(doc_ids)
    first = 0
    for i in range(1, len(doc_ids) + 1):
        if i == len(doc_ids) or doc_ids[i] != doc_ids[first]:
            for k in range(first, i):
                start[k], end[k] = first, i
            first = i
    return start, end


def _compare(a: int, partners: Iterable[int], sets: _Bitmaps, threshold: float,
             found: _Found) -> None:
    """The exact check of clause `a` against each partner; echoes are appended to `found`."""
    sets.trim()
    own = sets[a]
    size = len(own)
    low, high = size * threshold - _SIZE_SLACK, size / threshold + _SIZE_SLACK
    sizes, maps = sets.sizes, sets.maps
    shared_with = own.intersection_cardinality
    matched, similarities = [], []
    for b in partners:
        other_size = sizes[b]
        if low <= other_size <= high:   # else Jaccard ≤ min/max size < threshold
            shared = shared_with(maps[b] or sets[b])
            similarity = shared / (size + other_size - shared)
            if similarity >= threshold:
                matched.append(b)
                similarities.append(similarity)
    # Appended together, by C-level maps: ×1000 finds ~43 M echoes, and one Python min, max,
    # two rounds and three appends each took ~100 of the ~550 profiled seconds.
    found.x.extend(map(min, repeat(a), matched))
    found.y.extend(map(max, repeat(a), matched))
    found.t.extend(map(round, map(mul, map(round, similarities, repeat(3)), repeat(1000))))


def _earlier_first(clauses: EchoClauses, a: int, b: int) -> tuple[int, int]:
    docs, ids, dates = clauses.doc_ids, clauses.clause_ids, clauses.dates
    return (b, a) if (dates[b], docs[b], ids[b]) < (dates[a], docs[a], ids[a]) else (a, b)


def _merged(clauses: EchoClauses, a: array, b: array, t: array,
            found: _Found) -> tuple[array, array, array]:
    """The reused pairs (a, b, t: already in the published order) with the newly `found` ones
    put in their places: each new pair is oriented and placed by binary search, so the
    reused ones are never sorted again."""
    if not found:
        return a, b, t
    docs, ids = clauses.doc_ids, clauses.clause_ids

    def key(x: int, y: int, s: int) -> tuple:
        return -s, docs[x], ids[x], docs[y], ids[y]

    new = []
    for x, y, s in found:
        x, y = _earlier_first(clauses, x, y)
        new.append((key(x, y, s), x, y, s))
    new.sort()
    old = range(len(t))
    old_key = lambda k: key(a[k], b[k], t[k])   # noqa: E731
    out_a, out_b, out_t = array("i"), array("i"), array("H")
    done = 0
    for item in new:
        place = bisect_left(old, item[0], lo=done, key=old_key)
        out_a += a[done:place]
        out_b += b[done:place]
        out_t += t[done:place]
        out_a.append(item[1])
        out_b.append(item[2])
        out_t.append(item[3])
        done = place
    out_a += a[done:]
    out_b += b[done:]
    out_t += t[done:]
    return out_a, out_b, out_t


def _ordered(clauses: EchoClauses, pairs: _Found) -> tuple[array, array, array]:
    """The pairs in the published order, as arrays (a, b, similarity in thousandths): the
    earlier document (date, id, clause id) first, most similar first, then by ids. `pairs` is
    emptied as it is read (`_Found.drain`).

    Sorted per similarity: the pairs of one similarity (thousandths) go into an array of one
    int each (the two clauses' ranks by ids), and one such array at a time is sorted as Python
    ints — the same order as sorting the tuples and much cheaper. One int object a pair for all
    pairs at once (the earlier single sort) took ~40 bytes a pair, ~1.9 GB at ×1000's ~48 M
    pairs; now 8 bytes a pair plus the ints of the largest similarity's pairs."""
    docs, ids, dates = clauses.doc_ids, clauses.clause_ids, clauses.dates
    n = len(docs)
    by_date = _ranks(n, lambda i: (dates[i], docs[i], ids[i]))
    by_id = _ranks(n, lambda i: (docs[i], ids[i]))
    by_similarity = [array("q") for _ in range(1001)]
    for a, b, thousandths in pairs.drain():
        if by_date[b] < by_date[a]:
            a, b = b, a
        by_similarity[thousandths].append(by_id[a] * n + by_id[b])
    order = sorted(range(n), key=lambda i: (docs[i], ids[i]))
    out_a, out_b, out_t = array("i"), array("i"), array("H")
    freed = heap.Freed()        # the sorted similarities' arrays, given back as the output grows
    for thousandths in range(1000, -1, -1):
        keys = sorted(by_similarity[thousandths])
        by_similarity[thousandths] = None
        freed.add(8 * len(keys))
        for key in keys:
            a, b = divmod(key, n)
            out_a.append(order[a])
            out_b.append(order[b])
        out_t.extend(array("H", [thousandths]) * len(keys))
    return out_a, out_b, out_t


def _ranks(n: int, key) -> array:
    """Each clause's place when all n are sorted by `key`."""
    ranks = array("i", [0]) * n
    for place, i in enumerate(sorted(range(n), key=key)):
        ranks[i] = place
    return ranks


def _state(clauses: EchoClauses, current_rule: str, a: array, b: array, t: array) -> EchoState:
    return EchoState(rule=current_rule, doc_ids=list(clauses.doc_ids),
                     clause_ids=list(clauses.clause_ids),
                     digests=[s.digest for s in clauses.sketches], dates=list(clauses.dates),
                     a=a, b=b, t=t, keys=[s.keys for s in clauses.sketches])


# The state file: STATE_MAGIC, then two little-endian uint64 (header bytes, pairs), the header
# (UTF-8 JSON: format, rule and the clauses' four lists), then the pairs' three arrays, each
# little-endian (a and b int32, t uint16), then each clause's number of band keys (uint8) and
# the keys, each as ROWS little-endian uint32 (its checksums, zero where a short clause has
# fewer). Bump STATE_FORMAT when this changes: a state of another format reads as none (the
# next build checks every pair). 1 was echo_state.json; 2 had no band keys.
STATE_MAGIC = b"CESOUECH"
_LOW_32 = (1 << 32) - 1
STATE_FORMAT = 3
KEY_CHUNK = 1 << 16       # clauses whose band keys' words are made at once (~8 MB)
_STATE_COUNTS = struct.Struct("<QQ")
_STATE_START = len(STATE_MAGIC) + _STATE_COUNTS.size    # where the header begins
_PAIR_CODES = "iiH"     # the pair columns a, b, t, in the file's order
_PAIR_WIDTH = sum(array(code).itemsize for code in _PAIR_CODES)     # bytes a pair


def _state_head(data: bytes) -> tuple[int, int]:
    """(header bytes, pairs) from the start of a state file; ValueError when it is not one."""
    if len(data) < _STATE_START or not data.startswith(STATE_MAGIC):
        raise ValueError("not an echo state")
    return _STATE_COUNTS.unpack_from(data, len(STATE_MAGIC))


@dataclass(eq=True)
class EchoState:
    """What the next build reuses of a version's echoes: the rule's fingerprint, every
    sketched clause (document id, clause id, skeleton digest, document date) in table order,
    and the pairs in the published order as numbers into those lists (a: the earlier
    document's clause, b: the other, t: similarity in thousandths)."""
    rule: str
    doc_ids: list[str]
    clause_ids: list[str]
    digests: list[str]
    dates: list[str]
    a: array
    b: array
    t: array
    keys: list[tuple[int, ...]] = field(default_factory=list)   # each clause's band keys

    def rows(self) -> list[tuple]:
        """The pairs as rows: (doc_a, clause_a, doc_b, clause_b, similarity), in the published order."""
        docs, ids = self.doc_ids, self.clause_ids
        return [(docs[x], ids[x], docs[y], ids[y], s / 1000) for x, y, s in zip(self.a, self.b, self.t)]

    def pairs(self) -> Iterator[EchoPair]:
        """The rows as EchoPairs, one at a time."""
        docs, ids = self.doc_ids, self.clause_ids
        for x, y, s in zip(self.a, self.b, self.t):
            yield EchoPair(doc_a=docs[x], clause_a=ids[x], doc_b=docs[y], clause_b=ids[y],
                           similarity=s / 1000)

    def to_bytes(self) -> bytes:
        return b"".join(self.to_parts())

    def to_parts(self) -> Iterator:
        """The state file as bytes-like parts to write one after the other, made as they are
        written: the pair columns are the state's own arrays, not copies (×1000: its ~41 M
        pairs are 414 MB, and copying them, then their bytes, then the joined whole held
        ~1.3 GB more while it was written); the header's JSON is held in parts of a thousand
        strings (its length comes first) and the band keys' words are made a chunk of clauses
        at a time (whole, the two were ~200 MB more at the write)."""
        header = [part.encode() for part in store.json_parts(
            {"format": STATE_FORMAT, "rule": self.rule, "doc_ids": self.doc_ids,
             "clause_ids": self.clause_ids, "digests": self.digests, "dates": self.dates})]
        yield STATE_MAGIC
        yield _STATE_COUNTS.pack(sum(map(len, header)), len(self.t))
        yield from header
        del header
        yield from map(_little_endian, map(_typed, (self.a, self.b, self.t), _PAIR_CODES))
        yield _little_endian(array("B", map(len, self.keys)))
        for start in range(0, len(self.keys), KEY_CHUNK):
            yield _little_endian(_key_words(self.keys[start:start + KEY_CHUNK]))

    def pair_columns(self) -> Iterator[tuple[array, array, array]]:
        """The pairs' columns (a, b, t) in one chunk (`StatePairs.pair_columns`' form)."""
        yield self.a, self.b, self.t

    @classmethod
    def from_bytes(cls, data: bytes) -> EchoState | None:
        """The state `to_bytes` wrote, or None when `data` is not one of this format."""
        try:
            size, count = _state_head(data)
            start = _STATE_START
            header = json.loads(data[start:start + size].decode())
            if not isinstance(header, dict) or header.get("format") != STATE_FORMAT:
                return None
            lists = [header[k] for k in ("doc_ids", "clause_ids", "digests", "dates")]
            if not all(isinstance(x, list) for x in lists):
                return None
            n = len(lists[0])
            columns, offset = [], start + size
            for code, items in (*((code, count) for code in _PAIR_CODES), ("B", n)):
                column = array(code)
                width = column.itemsize * items
                if offset + width > len(data):
                    return None
                column.frombytes(data[offset:offset + width])
                offset += width
                columns.append(_native(column))
            words = array("I")
            words.frombytes(data[offset:offset + 4 * ROWS * sum(columns[3])])
            offset += 4 * ROWS * sum(columns[3])
            _native(words)
        except (ValueError, KeyError, struct.error, UnicodeDecodeError):
            return None
        if len(words) != ROWS * sum(columns[3]):
            return None
        keys = _keys_of_words(words, columns.pop())
        if (offset != len(data) or any(len(x) != n for x in lists) or not isinstance(header.get("rule"), str)
                or (count and (min(min(columns[0]), min(columns[1])) < 0
                               or max(max(columns[0]), max(columns[1])) >= n or max(columns[2]) > 1000))):
            return None
        return cls(header["rule"], *lists, *columns, keys=keys)


class StatePairs:
    """The pairs of a state file as `index_parts` reads them: a chunk of each column at a time
    from the file (`pair_columns`), so a build need not hold the state's pair arrays (~414 MB
    at ×1000) beside the index it makes from them."""
    CHUNK = 1 << 20         # pairs a chunk: 10 MB of columns

    def __init__(self, path: Path):
        self.path = Path(path)
        with open(self.path, "rb") as f:
            head = f.read(_STATE_START)
            length = os.fstat(f.fileno()).st_size
        try:
            size, self.count = _state_head(head)
        except ValueError:
            raise ValueError(f"not an echo state: {self.path}") from None
        self.start = _STATE_START + size
        if length < self.start + _PAIR_WIDTH * self.count:
            raise ValueError(f"echo state truncated: {self.path}")

    def pair_columns(self) -> Iterator[tuple[array, array, array]]:
        with open(self.path, "rb") as f:
            for first in range(0, self.count, self.CHUNK):
                items = min(self.CHUNK, self.count - first)
                chunk, column_start = [], self.start
                for code in _PAIR_CODES:
                    column = array(code)
                    f.seek(column_start + column.itemsize * first)
                    column.fromfile(f, items)
                    chunk.append(_native(column))
                    column_start += column.itemsize * self.count
                yield tuple(chunk)


def _native(column: array) -> array:
    """A column read as the files hold it (little-endian), in this machine's order: swapped in
    place on a big-endian machine."""
    if sys.byteorder == "big":
        column.byteswap()
    return column


def _little_endian(column: array):
    """The column's bytes as the files hold them (little-endian): a view on it, or (on a
    big-endian machine) a swapped copy's."""
    if sys.byteorder == "big":
        column = array(column.typecode, column)
        column.byteswap()
    return memoryview(column)


def _typed(values: Iterable[int], code: str) -> array:
    """`values` as an array of type `code`: itself when it is one already."""
    return values if isinstance(values, array) and values.typecode == code else array(code, values)


def _key_words(keys: list[tuple[int, ...]]) -> array:
    """Every band key, in order, as ROWS uint32 (its checksums; a packed key is exactly them,
    `_packed`), worked out column by column in C."""
    flat = list(chain.from_iterable(keys))
    words = array("I", [0]) * (ROWS * len(flat))
    for r in range(ROWS):
        words[r::ROWS] = array("I", map(_LOW_32.__and__, map((32 * r).__rrshift__, flat)))
    return words


def _keys_of_words(words: array, counts: array) -> list[tuple[int, ...]]:
    """`_key_words` read back: each clause's `counts[i]` keys from the words."""
    packed = list(words[0::ROWS])
    for r in range(1, ROWS):
        packed = list(map(int.__or__, packed, map((32 * r).__rlshift__, words[r::ROWS])))
    flat = iter(packed)
    return [tuple(islice(flat, count)) for count in counts]


# The per-clause echo index (`EchoIndex`, store.ECHO_INDEX): INDEX_MAGIC, then three
# little-endian uint64 (format, clauses, entries), then `clauses + 1` int64 offsets, `entries`
# int32 partner docnums and `entries` uint16 similarities in thousandths. Every pair is listed
# under both its clauses.
INDEX_MAGIC = b"CESOUEIX"
INDEX_FORMAT = 1
_INDEX_HEADER = struct.Struct("<8sQQQ")


def index_parts(pairs: EchoState | StatePairs, docnums: Sequence[int], clauses: int) -> list:
    """The echo index of a version of `clauses` clauses, as bytes-like parts to write one after
    the other: for each docnum, its echoes as (partner docnum, thousandths), in the state's
    pair order. `pairs` is the state, or its file (`StatePairs`: read a chunk at a time, twice);
    `docnums` gives each of the state's clauses its docnum. One pass over the pairs to count
    and one to place them (×100: 0.6 s for 700,000; ×1000's 41 M: ~67 s), 6 bytes an entry
    (two a pair) held."""
    where = array("i", docnums)
    held = Counter()
    for a, b, _ in pairs.pair_columns():
        held.update(map(where.__getitem__, a))
        held.update(map(where.__getitem__, b))
    offsets = array("q", accumulate((held.get(n, 0) for n in range(clauses)), initial=0))
    del held
    cursor = array("q", offsets[:-1])
    partners = array("i", [0]) * offsets[-1]
    similarity = array("H", [0]) * offsets[-1]
    for a, b, t in pairs.pair_columns():
        for x, y, s in zip(map(where.__getitem__, a), map(where.__getitem__, b), t):
            k = cursor[x]
            cursor[x] = k + 1
            partners[k], similarity[k] = y, s
            k = cursor[y]
            cursor[y] = k + 1
            partners[k], similarity[k] = x, s
    return [_INDEX_HEADER.pack(INDEX_MAGIC, INDEX_FORMAT, clauses, offsets[-1]),
            *map(_little_endian, (offsets, partners, similarity))]


class EchoIndex:
    """A version's per-clause echoes, read in place from its echo index (a memory map in the
    serving process: nothing is loaded, and the page cache is shared by every process serving
    the version). What a version with ~48 M pairs (the ×1000 benchmark) would otherwise hold as
    Python objects — every pair's row and a dict of them by clause — is tens of GB."""

    def __init__(self, data):
        """`data`: the file's bytes or a memory map of it; ValueError when it is not one."""
        if len(data) < _INDEX_HEADER.size:
            raise ValueError("too short for an echo index")
        magic, form, clauses, entries = _INDEX_HEADER.unpack_from(data)
        if magic != INDEX_MAGIC or form != INDEX_FORMAT:
            raise ValueError("not an echo index of this format")
        start = _INDEX_HEADER.size
        ends = [start + 8 * (clauses + 1)]
        ends += [ends[0] + 4 * entries, ends[0] + 6 * entries]
        if ends[-1] != len(data):
            raise ValueError("echo index truncated or overlong")
        view = memoryview(data)     # only now: a view left behind would pin a memory map
        self.offsets, self.partners, self.similarity = (
            _column(view[begin:end], code)
            for begin, end, code in zip([start, *ends[:2]], ends, "qiH"))
        self.clauses = clauses

    def of(self, docnum: int) -> list[tuple[int, int]]:
        """(partner docnum, thousandths) of each echo of the clause, in the state's order."""
        if not 0 <= docnum < self.clauses:
            return []
        begin, end = self.offsets[docnum], self.offsets[docnum + 1]
        return list(zip(self.partners[begin:end], self.similarity[begin:end]))


def _column(view: memoryview, code: str):
    """The little-endian column as a sequence of ints: a view on the data itself, or (on a
    big-endian machine) a swapped copy."""
    if sys.byteorder == "little":
        return view.cast(code)
    column = array(code, view.tobytes())
    column.byteswap()
    return column


def common_wording(state: EchoState, max_bucket: int = MAX_BUCKET) -> list[list]:
    """[doc_id, clause_id, holders] for every clause holding a common band key (more than
    `max_bucket` clauses hold it: its wording is shared so widely that its pairs are not
    listed), `holders` being the largest such key's count: about how many clauses share it."""
    sizes = Counter(key for keys in state.keys for key in keys)
    found = []
    for doc_id, clause_id, keys in zip(state.doc_ids, state.clause_ids, state.keys):
        most = max((sizes[k] for k in keys), default=0)
        if most > max_bucket:
            found.append([doc_id, clause_id, most])
    return found


def echoes_by_clause(pairs: Iterable[EchoPair]) -> dict[tuple[str, str], list[tuple[str, str, float]]]:
    """(doc_id, clause_id) → its echoes (other doc_id, clause_id, similarity), most similar first."""
    found: dict[tuple[str, str], list[tuple[str, str, float]]] = defaultdict(list)
    for p in pairs:
        found[(p.doc_a, p.clause_a)].append((p.doc_b, p.clause_b, p.similarity))
        found[(p.doc_b, p.clause_b)].append((p.doc_a, p.clause_a, p.similarity))
    for echoes in found.values():
        echoes.sort(key=clause_echo_order)
    return dict(found)


def clause_echo_order(echo: tuple[str, str, float]) -> tuple:
    """The order of one clause's echoes (other doc_id, clause_id, similarity): most similar
    first, then by the other clause's ids."""
    return -echo[2], echo[0], echo[1]


def echoes_to_json(pairs: Iterable[EchoPair]) -> list[list]:
    """Compact storage for the index version: [doc_a, clause_a, doc_b, clause_b, similarity]."""
    return [[p.doc_a, p.clause_a, p.doc_b, p.clause_b, p.similarity] for p in pairs]


def echoes_from_json(data: Iterable[Sequence]) -> list[EchoPair]:
    return [EchoPair(doc_a=a, clause_a=ca, doc_b=b, clause_b=cb, similarity=s)
            for a, ca, b, cb, s in data]


@lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    folded = normalize(char).translate(VARIANTS)
    return folded if len(folded) == 1 else (" " if char.isspace() else char)


def diff_html(a: str, b: str) -> str:
    """An inline character diff of two clause texts (see the module docstring)."""
    fa, fb = "".join(map(_fold_char, a)), "".join(map(_fold_char, b))
    out = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, fa, fb, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(escape(a[i1:i2]))
            continue
        if i2 > i1:
            out.append(f"<del>{escape(a[i1:i2])}</del>")
        if j2 > j1:
            out.append(f"<ins>{escape(b[j1:j2])}</ins>")
    return "".join(out)


def echo_rows(pairs: Iterable[EchoPair], documents: Iterable[Document]) -> Iterator[list]:
    """Every pair with both documents' metadata and both clauses' text (columns: `COLUMNS`),
    one row at a time, so the export streams (700k pairs at ×100)."""
    by_id = {d.id: d for d in documents}
    clauses = {(d.id, c.id): c for d in by_id.values() for c in d.clauses}
    for p in pairs:
        row: list = [p.similarity]
        for doc_id, clause_id in ((p.doc_a, p.clause_a), (p.doc_b, p.clause_b)):
            d, c = by_id.get(doc_id), clauses.get((doc_id, clause_id))
            if d is None or c is None:
                break
            row += [d.id, c.id, d.title, d.doc_number, list(d.issuers), d.date, c.label,
                    permalink(d.id, c.id), clause_text(c)]
        else:
            yield row
