"""Near-duplicate documents: keep one copy, record the others as aliases.

The same document often reaches a corpus twice (standalone and inside a compilation) with tiny
differences: a cover notice, a wrap-duplicated character, a missing word. Two documents are
copies when nearly all character shingles of the shorter one occur in the longer one
(containment, not Jaccard, so a copy that adds a cover notice still matches).

Comparing every pair is quadratic, so each document is only compared in full with the kept
documents that share most of its sampled shingles (one in SAMPLE_RATE, chosen by checksum so
that both copies sample the same ones): a copy shares at least ~THRESHOLD of them, give or
take sampling noise (`_may_be_copy`), while documents on the same topic (rewordings, other
years' editions) share clearly fewer and need no full comparison.

Finding those likely copies (`likely_pairs`) without counting the shared samples of every pair:
a pair needs required(a) shared samples, a being the smaller sample count (`_required`: the
least count `_may_be_copy` accepts), so the smaller side misses at most a − required(a) of its
samples in the other and the other must hold one of any a − required(a) + 1 of them — prefix
filtering from set-similarity joins, one-sided. Those taken are the side's rarest samples
(fewest documents), whose holders are few; the holders, as bitsets over documents, are OR-ed
into the candidates, and each candidate's shared count is then computed exactly (popcount of
two bitsets of samples), so the pairs are exactly those counting every pair accepts (tested
against that on random sample sets, and on the seed corpus with edited copies). The larger
side needs no bound: MIN_SIZE_RATIO bounds the shingle counts, not the sample counts, so it
could only give an approximate bound, and the one-sided prefix does not need one. Which
samples make a prefix decides the speed only, never the pairs, so the frequencies changing
when documents are added cannot lose a pair, and remembered likely copies stay valid.
Measured on the benchmark corpus (bench/generate.py: each seed document reworded N times; a
2-core machine loaded by other builds, old and new in one process): ×100 (2,100 documents,
1.8 M samples) 36.5 s → 13.0 s, ×300 (6,300) 362.7 s → 39.8 s, same 2,436 and 21,398 pairs.
A random three quarters of ×1000 (15,898 documents, 13.8 M samples): 318 s, +116 MB, 131,141
pairs (old not run; N² from ×300 gives ~40 min).
The old counting touched every shared sample of every pair (each sample of a document is held
by most of its N rewordings); now a document ORs its ~14 % rarest samples' bitsets and verifies
the candidates they give (about 90 at ×100, 270 at ×300 per document) with an AND and a
popcount each. That is still proportional to N on this benchmark (a rewording's rarest samples
are word choices that a third of the other rewordings share), a smaller cost per near-copy
rather than a flat one. And the likely pairs themselves grow with N² here (short rewordings of
one notice pass `_may_be_copy`, as its sampling allows, and are then compared in full): at ×300
those 21,398 full comparisons took as long as finding them.

Memory and rebuilds: a document is known here by its `Fingerprint` (sampled shingles as CRC32
numbers, a digest of its text, its shingle count), worked out per file by the parse workers
and kept in the parse cache; full shingle sets are made only for pairs to compare: per job
of likely pairs, in the processes that measure them ahead of the fold (`Comparisons.measure`;
×1000: the fold's comparisons 143 → 74–82 s on two cores), or kept for a few hundred documents
when the fold compares itself (they were most of a ×100 build's 2.5 GB). Each document's likely
copies and each pair's containment are remembered by text digest (`Comparisons`, kept beside
the parse cache), so a rebuild looks for likely copies only of new or changed documents
(pairs with one, against all) and compares only their pairs, and folds in the same order with
the same candidates as a full build. The samples are keyed by CRC32 rather than by the
shingle itself: two shingles with one CRC32 can only add a candidate, which the full
comparison then decides.
"""
from __future__ import annotations

import hashlib
import math
import re
import zlib
from array import array
from collections import Counter, OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain

from indexer.parallel import parallel_map
from indexer.records import Document

SHINGLE = 5          # characters; long enough that unrelated policy texts rarely share many
THRESHOLD = 0.9      # containment of the shorter document's shingles in the longer one
MIN_SIZE_RATIO = 0.5  # an excerpt or a digest quoted in a longer document is not a copy of it
SAMPLE_RATE = 8      # one shingle in SAMPLE_RATE is used to find candidate copies
MIN_SAMPLE = 8       # below this a document is too short to sample: compare it with all
# A possible copy shares at least THRESHOLD of the smaller document's sampled shingles, less
# this many binomial standard deviations of sampling noise.
CANDIDATE_SIGMAS = 4
# Shingle sets kept for the comparisons the fold still makes itself (a document too short to
# sample, against every kept one): a few hundred hold ~1/10 of a ×100 build's memory.
SHINGLE_CACHE = 256
# Likely pairs measured per job (`Comparisons.measure`): a job carries its documents' texts, up
# to two thousand documents' (~15 MB at ×1000), and MEASURE_AHEAD jobs a worker are in flight.
MEASURE_CHUNK = 1000
MEASURE_AHEAD = 2     # jobs a worker submitted ahead: each holds its documents' texts
# Below this many pairs to measure, starting processes costs more than it saves (×100's full
# build: 2,436 pairs, ~2 s in one process).
MEASURE_PARALLEL_MIN = 5000
# Up to this many new or changed documents, a rebuild counts their shared samples with every
# document rather than running `likely_pairs` over all (×100, one added document: 1.3 s, as
# before, against ~5 s: `likely_pairs` orders and indexes every document's samples).
COUNT_NEW = 16


@dataclass(frozen=True)
class Fingerprint:
    """What folding needs of a document without holding its shingles: worked out once per
    document (in the parse workers, kept in the parse cache), a few KB each."""
    key: bytes          # digest of the shingled text: equal texts, equal keys
    sample: array       # sorted CRC32s of its sampled shingles (those ≡ 0 mod SAMPLE_RATE)
    size: int           # distinct shingles


def fingerprint(document: Document) -> Fingerprint:
    text = _shingle_text(document)
    shingles = _shingles(document, text)
    crcs = (zlib.crc32(s.encode()) for s in shingles)
    sample = array("I", sorted({c for c in crcs if c % SAMPLE_RATE == 0}))
    return Fingerprint(hashlib.blake2b(text.encode(), digest_size=16).digest(), sample, len(shingles))


class Comparisons:
    """What folding worked out, by fingerprint keys, remembered across builds (the parse cache
    keeps it): the containment of each pair compared, and each sampled document's likely
    copies (documents sharing enough samples). A rebuild then counts shared samples and
    compares shingles only for new or changed documents. Shingle sets are made when a pair is
    new and kept for the last SHINGLE_CACHE documents only."""

    def __init__(self, known: dict | None = None):
        known = known or {}
        self.known: dict[tuple[bytes, bytes], float] = dict(known.get("pairs", {}))
        self.known_likely: dict[bytes, set[bytes]] = dict(known.get("likely", {}))
        self.used: dict[tuple[bytes, bytes], float] = {}
        self.likely: dict[bytes, set[bytes]] = {}
        self._shingles: OrderedDict[int, set[str]] = OrderedDict()

    def remembered(self) -> dict:
        """What the next build can reuse: this build's pairs and likely copies."""
        return {"pairs": self.used, "likely": self.likely}

    def containment(self, a: Document, pa: Fingerprint, b: Document, pb: Fingerprint) -> float:
        if not _comparable(pa.size, pb.size):
            return 0.0
        if pa.key == pb.key:        # the same text (its digest): a set in itself, whole
            return 1.0
        pair = (pa.key, pb.key) if pa.key <= pb.key else (pb.key, pa.key)
        found = self.known.get(pair)
        if found is None:
            found = containment(self._of(a), self._of(b))
        self.used[pair] = found
        return found

    def measure(self, documents: list[Document], prints: list[Fingerprint], workers: int = 1) -> None:
        """Work out the containment of every likely pair not known yet, ahead of the fold,
        which then only looks the values up (the same values it would compute, so the same
        copies). A pair's containment depends on its two texts alone, so the pairs go out in
        jobs of MEASURE_CHUNK, each with its documents' shingle texts, to `workers` fresh
        processes when there are at least MEASURE_PARALLEL_MIN (indexer/parallel.py: this
        process holds the parsed corpus, which forked workers would copy). Pairs are ordered
        by the fold's order, so a job's pairs share documents. The fold itself goes one
        document at a time, in order: it made each set ~7 times with 256 kept (×1000: 156,789
        sets for 21,001 documents, ~2.2 of its ~3 minutes, on one core)."""
        first: dict[bytes, tuple[Document, Fingerprint]] = {}
        for document, print_ in zip(documents, prints):
            first.setdefault(print_.key, (document, print_))
        order = {key: n for n, key in enumerate(sorted(first, key=lambda k: _preference(first[k][0])))}
        todo = sorted(((a, b) for a, others in self.likely.items() for b in others
                       if a < b and (a, b) not in self.known
                       and _comparable(first[a][1].size, first[b][1].size)),
                      key=lambda pair: sorted((order[pair[0]], order[pair[1]])))
        chunks = [todo[i:i + MEASURE_CHUNK] for i in range(0, len(todo), MEASURE_CHUNK)]
        jobs = (({key: _shingle_text(first[key][0]) for key in dict.fromkeys(chain.from_iterable(chunk))},
                 chunk) for chunk in chunks)
        with parallel_map(workers if len(todo) >= MEASURE_PARALLEL_MIN else 1, fresh=True,
                          ahead=MEASURE_AHEAD) as map_each:
            for chunk, values in zip(chunks, map_each(_measured, jobs)):
                self.known.update(zip(chunk, values))

    def _of(self, document: Document) -> set[str]:
        found = self._shingles.get(id(document))
        if found is None:
            found = self._shingles[id(document)] = _shingles(document)
            if len(self._shingles) > SHINGLE_CACHE:
                self._shingles.popitem(last=False)
        else:
            self._shingles.move_to_end(id(document))
        return found

    def find_likely(self, prints: list[Fingerprint]) -> None:
        """Each sampled document's likely copies among `prints` (symmetric): remembered for
        documents seen before, found for new ones against all: by `likely_pairs`, or, for up
        to COUNT_NEW documents, by counting their shared samples with every document (same
        pairs; cheaper then: `likely_pairs` orders and indexes every document's samples)."""
        sampled = {p.key: p for p in prints if len(p.sample) >= MIN_SAMPLE}
        new = {k for k in sampled if k not in self.known_likely}
        self.likely = {k: ({n for n in self.known_likely[k] if n in sampled}
                           if k in self.known_likely else set()) for k in sampled}
        if len(new) > COUNT_NEW:
            pairs = likely_pairs(list(sampled.values()), new)
        else:
            pairs = _counted_pairs(sampled, [k for k in sampled if k in new])
        for a, b in pairs:
            self.likely[a].add(b)
            self.likely[b].add(a)


def _counted_pairs(sampled: dict[bytes, Fingerprint],
                   new: list[bytes]) -> Iterator[tuple[bytes, bytes]]:
    """The pairs with a document of `new` that `_may_be_copy` accepts, by counting every
    pair's shared samples over the posting lists of the new documents' samples."""
    index: dict[int, list[int]] = {}    # sample → positions in `new`
    for position, key in enumerate(new):
        yield from _counted(sampled[key], sampled, new, index)
        for s in sampled[key].sample:
            index.setdefault(s, []).append(position)
    if new:
        for key in sampled.keys() - set(new):
            yield from _counted(sampled[key], sampled, new, index)


def _counted(print_: Fingerprint, sampled: dict[bytes, Fingerprint], new: list[bytes],
             index: dict[int, list[int]]) -> Iterator[tuple[bytes, bytes]]:
    sample = print_.sample
    for position, n in Counter(chain.from_iterable(index.get(s, ()) for s in sample)).items():
        other = sampled[new[position]]
        if _may_be_copy(n, min(len(sample), len(other.sample))):
            yield print_.key, other.key


def likely_pairs(prints: list[Fingerprint],
                 new: set[bytes] | None = None) -> Iterator[tuple[bytes, bytes]]:
    """Every pair of `prints` (sampled, distinct keys) that `_may_be_copy` accepts, each once,
    with at least one side in `new` (all when None): the pairs that counting shared samples
    for every pair accepts, found without counting most pairs (see the module docstring).

    Prefix filtering, one-sided: X, the smaller side (a samples; ties by key), shares at least
    required(a) samples with Y, so misses at most a − required(a) of its samples in Y, and Y
    holds at least one of any a − required(a) + 1 samples of X. Those taken are X's rarest
    (fewest documents over all prints, ties by value); the documents holding them, as bitsets
    over positions, are OR-ed into X's candidates, and each candidate is verified exactly by
    the popcount of the AND of the two documents' sample bitsets. Which samples make the prefix
    decides the speed only, never the pairs (any a − required(a) + 1 of X's samples would do),
    so frequencies that change between builds cannot lose a pair, and the larger side needs no
    size bound. A sample of one document only matches nothing: it counts in the prefix length
    but is not looked up (a document with more such samples than misses allowed has none)."""
    docs = sorted(prints, key=lambda p: (len(p.sample), p.key))
    frequency = Counter(chain.from_iterable(p.sample for p in docs))
    prefixes = [_prefix(p, frequency) for p in docs]
    samples, holding = _bitsets(docs, frequency, prefixes)
    new_positions = None if new is None else \
        sum(1 << position for position, p in enumerate(docs) if p.key in new)
    for position, (p, prefix) in enumerate(zip(docs, prefixes)):
        found = 0
        for c in prefix:
            found |= holding[c]
        found >>= position + 1      # larger documents only: each pair once, from its smaller side
        if new_positions is not None and p.key not in new:
            found &= new_positions >> (position + 1)
        if not found:
            continue
        required, mine = _required(len(p.sample)), samples[position]
        found_bits = format(found, "b")
        top = position + len(found_bits)
        for match in _ONE.finditer(found_bits):
            other = top - match.start()
            if (mine & samples[other]).bit_count() >= required:
                yield p.key, docs[other].key


def _prefix(print_: Fingerprint, frequency: Counter) -> list[int]:
    """The document's rarest size − required(size) + 1 samples, less those of it alone."""
    size = len(print_.sample)
    # The sample is sorted by value and the sort is stable: ties go by value.
    rarest = sorted(print_.sample, key=frequency.__getitem__)[:size - _required(size) + 1]
    return [c for c in rarest if frequency[c] > 1]


def _bitsets(docs: list[Fingerprint], frequency: Counter,
             prefixes: list[list[int]]) -> tuple[list[int], dict[int, int]]:
    """Per document (by position in `docs`) its shared samples as a bitset, and per sample of
    a prefix the positions of the documents holding it as a bitset. A sample's bit is numbered
    as first met in `docs` (by size): rewordings of one text, of similar sizes, get bits close
    together, so a document's bitset is a fraction of all shared samples long."""
    in_order = dict.fromkeys(chain.from_iterable(p.sample for p in docs))
    bit = {c: b for b, c in enumerate(c for c in in_order if frequency[c] > 1)}
    holders = {c: bytearray((len(docs) >> 3) + 1) for c in chain.from_iterable(prefixes)}
    samples = []
    for position, p in enumerate(docs):
        bits = [bit[c] for c in p.sample if c in bit]
        row = bytearray((max(bits, default=0) >> 3) + 1)
        for b in bits:
            row[b >> 3] |= 1 << (b & 7)
        samples.append(int.from_bytes(row, "little"))
        mask, byte = 1 << (position & 7), position >> 3
        for c in filter(holders.__contains__, p.sample):
            holders[c][byte] |= mask
    return samples, {c: int.from_bytes(row, "little") for c, row in holders.items()}


_ONE = re.compile("1")


@lru_cache(maxsize=None)
def _required(sampled: int) -> int:
    """The fewest shared samples `_may_be_copy` accepts for a smaller side of `sampled`."""
    required = max(0, math.ceil(sampled * THRESHOLD))
    while required > 0 and _may_be_copy(required - 1, sampled):
        required -= 1
    while not _may_be_copy(required, sampled):
        required += 1
    return required


def fold_duplicates(documents: list[Document], prints: list[Fingerprint] | None = None,
                    comparisons: Comparisons | None = None, workers: int = 1
                    ) -> tuple[list[Document], dict[str, str]]:
    """The documents with every near-duplicate folded into one kept copy, and the alias map
    (alias id → kept id). The kept copy is the one with the most metadata (a 文号, a date,
    issuers), then the longest text, then the smallest id: the choice never depends on order.
    `prints` (per document) and `comparisons` (what earlier builds worked out) save work;
    the result is the same without them, and with any number of `workers` (processes that
    measure the likely pairs: `Comparisons.measure`)."""
    prints = prints if prints is not None else [fingerprint(d) for d in documents]
    compare = comparisons if comparisons is not None else Comparisons()
    compare.find_likely(prints)
    compare.measure(documents, prints, workers)
    kept: list[tuple[Document, Fingerprint]] = []
    kept_by_key: dict[bytes, list[int]] = {}    # fingerprint key → positions in `kept`
    unsampled: list[int] = []               # positions of kept documents too short to sample
    aliases: dict[str, str] = {}
    for document, print_ in sorted(zip(documents, prints), key=lambda p: _preference(p[0])):
        if len(print_.sample) < MIN_SAMPLE:
            candidates = kept
        else:
            # A document with the same key has the same text: always a likely copy.
            keys = compare.likely[print_.key] | {print_.key}
            likely = {i for key in keys for i in kept_by_key.get(key, ())}
            candidates = [kept[i] for i in sorted({*unsampled, *likely})]
        original = next((k for k, p in candidates
                         if compare.containment(k, p, document, print_) >= THRESHOLD), None)
        if original is not None:
            original.aliases.extend([document.id, *document.aliases])
            aliases.update(dict.fromkeys([document.id, *document.aliases], original.id))
            continue
        if len(print_.sample) < MIN_SAMPLE:
            unsampled.append(len(kept))
        kept_by_key.setdefault(print_.key, []).append(len(kept))
        kept.append((document, print_))
    return [k for k, _ in kept], aliases


def _comparable(a: int, b: int) -> bool:
    """Whether two shingle counts allow a copy at all (else containment is 0 unmeasured)."""
    small, large = sorted((a, b))
    return bool(small) and small >= MIN_SIZE_RATIO * large


def _measured(job: tuple[dict[bytes, str], list[tuple[bytes, bytes]]]) -> list[float]:
    """The containment of each pair of a `measure` job, from the texts it carries. A set is
    made at a document's first pair and dropped after its last: a job's thousand pairs name
    up to two thousand documents, and all their sets at once held ~1.2 GB at ×1000."""
    texts, pairs = job
    last = {key: n for n, pair in enumerate(pairs) for key in pair}
    sets: dict[bytes, set[str]] = {}
    found = []
    for n, pair in enumerate(pairs):
        a, b = (sets.get(key) or sets.setdefault(key, _shingles(None, texts[key])) for key in pair)
        found.append(containment(a, b))
        for key in pair:
            if last[key] == n:
                sets.pop(key, None)
    return found


def _may_be_copy(shared: int, sampled: int) -> bool:
    """Whether `shared` of the smaller document's `sampled` shingles are enough for a copy."""
    expected = sampled * THRESHOLD
    return shared >= expected - CANDIDATE_SIGMAS * math.sqrt(expected * (1 - THRESHOLD))


def containment(a: set[str], b: set[str]) -> float:
    """Share of the smaller set's shingles found in the other set; 0 when either is empty or
    the smaller is less than half the larger."""
    if not _comparable(len(a), len(b)):
        return 0.0
    small, large = (a, b) if len(a) <= len(b) else (b, a)
    return len(small & large) / len(small)


def _shingle_text(document: Document) -> str:
    return "".join("".join(f"{c.label}{c.heading}{c.text}".split()) for c in document.clauses)


def _shingles(document: Document, text: str | None = None) -> set[str]:
    text = _shingle_text(document) if text is None else text
    return {text[i:i + SHINGLE] for i in range(len(text) - SHINGLE + 1)}


def _preference(document: Document) -> tuple:
    metadata = sum(bool(x) for x in (document.doc_number, document.date, document.issuers))
    length = sum(len(c.heading) + len(c.text) for c in document.clauses)
    return (-metadata, -length, document.id)
