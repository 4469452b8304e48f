"""Duplicate folding's candidate pairs (dedupe.likely_pairs, prefix filtering) are exactly the
pairs that counting shared samples for every pair accepts (`_may_be_copy`): on random sample
sets with skewed frequencies and pairs on both sides of the threshold, on the seed corpus with
edited copies, and when a rebuild reuses what an earlier build (other documents, so other
sample frequencies) remembered."""
from __future__ import annotations

import hashlib
import weakref
from array import array
from dataclasses import asdict, replace
from itertools import combinations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indexer import dedupe, pipeline
from indexer.dedupe import MIN_SAMPLE, Comparisons, Fingerprint, _may_be_copy, likely_pairs
from indexer.records import Clause, Document


def make_print(name: str, sample: set[int]) -> Fingerprint:
    return Fingerprint(hashlib.blake2b(name.encode(), digest_size=16).digest(),
                       array("I", sorted(sample)), 8 * len(sample))


def counted(prints: list[Fingerprint]) -> set[frozenset[bytes]]:
    """Oracle: every pair of sampled documents, its shared samples counted."""
    sampled = list({p.key: p for p in prints if len(p.sample) >= MIN_SAMPLE}.values())
    return {frozenset((a.key, b.key)) for a, b in combinations(sampled, 2)
            if _may_be_copy(len(set(a.sample) & set(b.sample)), min(len(a.sample), len(b.sample)))}


def found(comparisons: Comparisons) -> set[frozenset[bytes]]:
    pairs = {frozenset((key, other))
             for key, others in comparisons.likely.items() for other in others}
    assert all(key in comparisons.likely[other] for key, others in comparisons.likely.items()
               for other in others), "likely copies are symmetric"
    return pairs


def likely_of(prints: list[Fingerprint], remembered: dict | None = None) -> Comparisons:
    comparisons = Comparisons(remembered)
    comparisons.find_likely(prints)
    return comparisons


@st.composite
def families(draw, tag: str = "") -> list[Fingerprint]:
    """Rewordings of a few texts: each document is its text's samples less some (around the
    allowed number of misses), plus samples from a small pool that many documents share
    (skewed frequencies: the rare ones, which make the prefixes, are the edits). Keys are
    named after `tag`, so that one key always has one sample, as a text digest does."""
    prints = []
    for text in range(draw(st.integers(1, 3))):
        base = draw(st.lists(st.integers(0, 2 ** 32 - 1),
                             min_size=MIN_SAMPLE, max_size=90, unique=True))
        for copy in range(draw(st.integers(1, 6))):
            limit = len(base) - dedupe._required(len(base)) + 3
            dropped = draw(st.lists(st.sampled_from(base), max_size=limit, unique=True))
            added = draw(st.sets(st.integers(0, 60), max_size=12))
            sample = (set(base) - set(dropped)) | added
            prints.append(make_print(f"{tag}{text}-{copy}-{len(prints)}", sample))
    return prints


@settings(max_examples=200, deadline=None)
@given(families())
def test_candidates_are_the_pairs_counting_every_pair_accepts(prints):
    sampled = list({p.key: p for p in prints if len(p.sample) >= MIN_SAMPLE}.values())
    pairs = [frozenset(pair) for pair in likely_pairs(sampled)]
    assert len(pairs) == len(set(pairs)) and set(pairs) == counted(prints)
    assert found(likely_of(prints)) == counted(prints)


@pytest.mark.parametrize("count_new", [0, 3, 1000])
@settings(max_examples=60, deadline=None)
@given(prints=families(), data=st.data())
def test_a_rebuild_finds_what_a_full_build_finds(count_new, prints, data):
    """Remembered likely copies from a build of other documents (some gone, some new: other
    frequencies, other prefixes) leave the result as a full build's, whether the new ones are
    looked for by prefix filtering or by counting (COUNT_NEW)."""
    earlier = [p for p in prints if data.draw(st.booleans())] + data.draw(families("earlier "))
    saved, dedupe.COUNT_NEW = dedupe.COUNT_NEW, count_new
    try:
        remembered = likely_of(earlier).remembered()
        assert found(likely_of(prints, remembered)) == found(likely_of(prints)) == counted(prints)
    finally:
        dedupe.COUNT_NEW = saved


@settings(max_examples=60, deadline=None)
@given(families(), st.data())
def test_only_pairs_with_a_new_document_are_looked_for(prints, data):
    sampled = [p for p in prints if len(p.sample) >= MIN_SAMPLE]
    new = {p.key for p in sampled if data.draw(st.booleans())}
    pairs = [frozenset(pair) for pair in likely_pairs(sampled, new)]
    assert len(pairs) == len(set(pairs))
    assert set(pairs) == {pair for pair in counted(sampled) if pair & new}


def test_required_is_the_least_count_may_be_copy_accepts():
    for sampled in range(1, 5000):
        required = dedupe._required(sampled)
        assert _may_be_copy(required, sampled) and not _may_be_copy(required - 1, sampled)
        assert required <= sampled or sampled < MIN_SAMPLE


def test_a_copy_missing_exactly_its_rarest_samples_is_found_however_large_the_other():
    """The worst case for a prefix: the smaller document's misses are its rarest samples (its
    own), the shared ones are common to many documents; and the larger side is far larger."""
    size = 120
    required = dedupe._required(size)
    common = set(range(1000, 1000 + required))
    own = set(range(5000, 5000 + size - required))
    others = [make_print(f"other-{n}", common | {9000 + n}) for n in range(30)]
    small = make_print("small", common | own)
    large = make_print("large", common | set(range(20000, 30000)))
    short_of_one = make_print("short", (common - {1000}) | own | {7000})
    pairs = found(likely_of([small, large, short_of_one, *others]))
    assert frozenset((small.key, large.key)) in pairs
    assert frozenset((short_of_one.key, large.key)) not in pairs
    assert pairs == counted([small, large, short_of_one, *others])


def test_candidates_on_the_seed_corpus_with_edited_copies(corpus_dir):
    documents = pipeline.build_corpus(corpus_dir).documents
    copies = []
    for n, document in enumerate(documents):
        clauses = [Clause(**{**asdict(c), "text": c.text.replace("的", "之", 1 + n % 4)})
                   for c in document.clauses]
        clauses = clauses[:max(1, len(clauses) * (10 - n % 3) // 10)]
        copies.append(Document(**{**asdict(document), "id": document.id + "-copy",
                                  "clauses": clauses}))
    prints = [dedupe.fingerprint(d) for d in [*documents, *copies]]
    pairs = found(likely_of(prints))
    assert pairs == counted(prints)
    assert len(pairs) >= len(documents) // 2


def _document(name: str, text: str) -> Document:
    return Document(id=name, title=name, doc_number="", issuers=[], date="", doc_type="",
                    source=f"{name}.txt", clauses=[Clause(id="1", label="", heading="", text=text,
                                                          parent=None, kind="paragraph")])


def test_the_fold_gives_the_same_copies_with_its_pairs_measured_ahead_in_other_processes(
        monkeypatch, corpus_dir):
    """Comparisons.measure: every pair the fold compares is measured ahead, in jobs, here in two
    fresh processes (the fold itself makes no shingle set), and the copies are those the fold
    finds measuring each pair itself."""
    documents = pipeline.build_corpus(corpus_dir).documents[:8]
    copies = [replace(d, id=d.id + "-copy", clauses=[replace(c, text=c.text.replace("的", "之", 1))
                                                      for c in d.clauses]) for d in documents]
    made = []
    of = dedupe.Comparisons._of
    monkeypatch.setattr(dedupe.Comparisons, "_of", lambda self, d: made.append(d.id) or of(self, d))

    def fold(workers: int) -> tuple[list[str], dict[str, str]]:
        fresh = [replace(d, aliases=[]) for d in [*documents, *copies]]
        kept, aliases = dedupe.fold_duplicates(fresh, workers=workers)
        return [d.id for d in kept], aliases

    measure = dedupe.Comparisons.measure
    monkeypatch.setattr(dedupe.Comparisons, "measure", lambda *args, **kwargs: None)
    by_the_fold = fold(1)
    assert made, "without measure the fold makes the sets"
    monkeypatch.setattr(dedupe.Comparisons, "measure", measure)
    monkeypatch.setattr(dedupe, "MEASURE_PARALLEL_MIN", 0)
    monkeypatch.setattr(dedupe, "MEASURE_CHUNK", 3)
    made.clear()
    assert fold(2) == by_the_fold and not made
    assert fold(1) == by_the_fold and not made
    assert len(by_the_fold[1]) == len(documents)


class _Set(set):
    """A set that can be weakly referenced (to see which are still held)."""


def test_a_measure_job_holds_a_set_only_between_its_first_and_last_pair(monkeypatch):
    made: list = []

    def shingles(document, text):
        alive = sum(ref() is not None for ref in made)
        found = _Set(text[i:i + 5] for i in range(len(text) - 4))
        made.append(weakref.ref(found))
        peaks.append(alive)
        return found
    peaks: list[int] = []
    monkeypatch.setattr(dedupe, "_shingles", shingles)
    keys = [bytes([n]) for n in range(40)]
    base = "".join(map(chr, range(0x4E00, 0x4E00 + 200)))
    texts = {k: base + str(n) * 6 for n, k in enumerate(keys)}
    pairs = list(zip(keys, keys[1:]))          # each document in two neighbouring pairs
    values = dedupe._measured((texts, pairs))
    assert len(values) == len(pairs) and all(0.9 < v < 1 for v in values)
    assert len(made) == len(keys) and max(peaks) <= 2
