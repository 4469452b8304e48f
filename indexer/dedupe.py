"""Near-duplicate documents: keep one copy, record the others as aliases.

The same document often reaches a corpus twice (standalone and inside a compilation) with tiny
differences: a cover notice, a wrap-duplicated character, a missing word. Two documents are
copies when nearly all character shingles of the shorter one occur in the longer one
(containment, not Jaccard, so a copy that adds a cover notice still matches).

Comparing every pair is quadratic, so each document is only compared in full with the kept
documents that share most of its sampled shingles (one in SAMPLE_RATE, chosen by checksum so
that both copies sample the same ones): a copy shares at least ~THRESHOLD of them, give or
take sampling noise, while documents on the same topic (rewordings, other years' editions)
share clearly fewer and need no full comparison.

Memory: a kept document's full shingle set is not held for the whole fold: at about 120 bytes
per shingle (a 5-character str and its set slot) the sets of every kept document took 2.5 GB
at ×100 (15 M characters) and would take ~18 GB at ×1000 (bench.scale). Only the sampled
shingles stay (the candidate index); a candidate's full set is rebuilt from its clauses when
it is compared, and the last CACHED_SETS rebuilt sets are kept, so the answer is the same.
"""
from __future__ import annotations

import math
import zlib
from collections import Counter, OrderedDict
from dataclasses import dataclass
from itertools import chain

from indexer.records import Document

SHINGLE = 5          # characters; long enough that unrelated policy texts rarely share many
THRESHOLD = 0.9      # containment of the shorter document's shingles in the longer one
MIN_SIZE_RATIO = 0.5  # an excerpt or a digest quoted in a longer document is not a copy of it
SAMPLE_RATE = 8      # one shingle in SAMPLE_RATE is used to find candidate copies
MIN_SAMPLE = 8       # below this a document is too short to sample: compare it with all
# A possible copy shares at least THRESHOLD of the smaller document's sampled shingles, less
# this many binomial standard deviations of sampling noise.
CANDIDATE_SIGMAS = 4
# Full shingle sets kept for reuse (a few MB each for the longest documents): candidates are
# rare after the sample filter, and a document's copies arrive close together in preference order.
CACHED_SETS = 32


@dataclass
class _Kept:
    document: Document
    sample_size: int
    size: int               # its number of distinct shingles


class _ShingleCache:
    """The full shingle sets of kept documents, rebuilt on demand, the last CACHED_SETS kept."""

    def __init__(self):
        self.sets: OrderedDict[int, set[str]] = OrderedDict()

    def get(self, position: int, document: Document) -> set[str]:
        found = self.sets.pop(position, None)
        if found is None:
            found = _shingles(document)
        self.sets[position] = found
        if len(self.sets) > CACHED_SETS:
            self.sets.popitem(last=False)
        return found


def fold_duplicates(documents: list[Document]) -> tuple[list[Document], dict[str, str]]:
    """The documents with every near-duplicate folded into one kept copy, and the alias map
    (alias id → kept id). The kept copy is the one with the most metadata (a 文号, a date,
    issuers), then the longest text, then the smallest id: the choice never depends on order."""
    kept: list[_Kept] = []
    by_sample: dict[str, list[int]] = {}    # sampled shingle → positions in `kept`
    unsampled: list[int] = []               # positions of kept documents too short to sample
    aliases: dict[str, str] = {}
    cache = _ShingleCache()
    for document in sorted(documents, key=_preference):
        shingles = _shingles(document)
        sample = {s for s in shingles if zlib.crc32(s.encode()) % SAMPLE_RATE == 0}
        if len(sample) < MIN_SAMPLE:
            candidates = range(len(kept))
        else:
            shared = Counter(chain.from_iterable(by_sample.get(s, ()) for s in sample))
            likely = [i for i, n in shared.items()
                      if _may_be_copy(n, min(len(sample), kept[i].sample_size))]
            candidates = sorted({*unsampled, *likely})
        # containment() is 0 for sizes too far apart: skip those before rebuilding a set.
        original = next((kept[i].document for i in candidates
                         if _comparable(kept[i].size, len(shingles))
                         and containment(cache.get(i, kept[i].document), shingles) >= THRESHOLD), None)
        if original is not None:
            original.aliases.extend([document.id, *document.aliases])
            aliases.update(dict.fromkeys([document.id, *document.aliases], original.id))
            continue
        if len(sample) < MIN_SAMPLE:
            unsampled.append(len(kept))
        for s in sample:
            by_sample.setdefault(s, []).append(len(kept))
        kept.append(_Kept(document, len(sample), len(shingles)))
    return [k.document for k in kept], aliases


def _may_be_copy(shared: int, sampled: int) -> bool:
    """Whether `shared` of the smaller document's `sampled` shingles are enough for a copy."""
    expected = sampled * THRESHOLD
    return shared >= expected - CANDIDATE_SIGMAS * math.sqrt(expected * (1 - THRESHOLD))


def _comparable(a: int, b: int) -> bool:
    """Whether sets of sizes a and b can have a non-zero containment()."""
    small, large = min(a, b), max(a, b)
    return small > 0 and small >= MIN_SIZE_RATIO * large


def containment(a: set[str], b: set[str]) -> float:
    """Share of the smaller set's shingles found in the other set; 0 when either is empty or
    the smaller is less than half the larger."""
    small, large = (a, b) if len(a) <= len(b) else (b, a)
    if not small or len(small) < MIN_SIZE_RATIO * len(large):
        return 0.0
    return len(small & large) / len(small)


def _shingles(document: Document) -> set[str]:
    text = "".join("".join(f"{c.label}{c.heading}{c.text}".split()) for c in document.clauses)
    return {text[i:i + SHINGLE] for i in range(len(text) - SHINGLE + 1)}


def _preference(document: Document) -> tuple:
    metadata = sum(bool(x) for x in (document.doc_number, document.date, document.issuers))
    length = sum(len(c.heading) + len(c.text) for c in document.clauses)
    return (-metadata, -length, document.id)
