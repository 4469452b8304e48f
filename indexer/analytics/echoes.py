"""Echoes: near-identical clauses in different documents (wording reused across issuers/years).

Computed once per index version, at build time, over the whole collection.

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
likely source.

Scaling (no all-pairs comparison): candidates come from a banded sketch (locality-sensitive
hashing). Each clause samples *fingerprints* — the 5-character shingles that start at an anchor
character (a fixed half of CJK characters, chosen by checksum, so two copies of a wording
sample the same shingles) — takes one CRC-32 of each, splits them into `BANDS` classes by
checksum modulo BANDS, and keys each class by its `ROWS` smallest checksums. Clauses sharing a
band key are candidates and are then compared exactly. Two clauses whose fingerprints have
Jaccard J share a band key with probability ≈ J^ROWS, so at least one of 10 bands of 3 with
1 − (1 − J³)¹⁰: 0.999 at J = 0.8, 0.985 at 0.7, 0.91 at 0.6, 0.74 at 0.5 (pairs below the
threshold are then rejected by the exact check). Short clauses have few fingerprints per class,
so their keys are shorter (looser) and their J a noisier estimate. One checksum per fingerprint
and one pass over its sorted checksums keep the sketch cheap; CRC-32 keeps a build
deterministic. A band key shared by more than `MAX_BUCKET` clauses (a stock formula reused
everywhere) pairs each clause only with the next `MAX_BUCKET` clauses of that bucket, which
bounds the work; the same pair is usually found again through other bands.

The aligned diff (`diff_html`) compares the two clauses character by character on their folded
forms (so full/half width and variants are not differences) and shows the original text:
shared runs as plain text, the first clause's own characters in <del>, the second's in <ins>,
all HTML-escaped.
"""
from __future__ import annotations

import difflib
import re
import zlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from html import escape

from indexer.analysis import normalize
from indexer.analytics.common import csv_text, permalink
from indexer.clausetext import clause_text
from indexer.records import Document

SHINGLE = 5
BANDS = 10
ROWS = 3
ANCHOR_RATE = 2          # one CJK character in ANCHOR_RATE starts a fingerprint
DEFAULT_THRESHOLD = 0.7
DEFAULT_MIN_CHARS = 30
MAX_BUCKET = 64
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


@dataclass(kw_only=True)
class EchoPair:
    doc_a: str
    clause_a: str
    doc_b: str
    clause_b: str
    similarity: float


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
        texts = [_without_label(text, c.label) for (_, c), text in zip(pairs, normalised, strict=True)]
    return [EchoInput(doc_id=d.id, clause_id=c.id, text=t, date=d.date)
            for (d, c), t in zip(pairs, texts)]


def _without_label(text: str, label: str) -> str:
    prefix = normalize(label) if label else ""
    return text[len(prefix):] if prefix and text.startswith(prefix) else text


def find_echoes(clauses: Sequence[EchoInput], threshold: float = DEFAULT_THRESHOLD,
                min_chars: int = DEFAULT_MIN_CHARS) -> list[EchoPair]:
    """Every pair of clauses of different documents at or above `threshold`, most similar first."""
    texts = [skeleton(c.text) for c in clauses]
    sets: dict[int, set[str]] = {}
    pairs = []
    for pair in _candidates(clauses, texts, min_chars):
        a, b = divmod(pair, len(clauses))
        sa = sets.get(a) or sets.setdefault(a, shingles(texts[a]))
        sb = sets.get(b) or sets.setdefault(b, shingles(texts[b]))
        shared = len(sa.intersection(sb))
        similarity = shared / (len(sa) + len(sb) - shared)
        if similarity >= threshold:
            pairs.append(_ordered(clauses[a], clauses[b], similarity))
    pairs.sort(key=lambda p: (-p.similarity, p.doc_a, p.clause_a, p.doc_b, p.clause_b))
    return pairs


def _candidates(clauses: Sequence[EchoInput], texts: list[str], min_chars: int) -> set[int]:
    """Pairs of clause numbers a < b (of different documents) that share a band key, each as
    a·n + b (an int takes a third of a tuple's memory, and there can be millions)."""
    buckets: dict[tuple, list[int]] = defaultdict(list)
    for n, text in enumerate(texts):
        if len(text) >= min_chars:
            for key in band_keys(text):
                buckets[key].append(n)
    found: set[int] = set()
    n = len(clauses)
    for members in buckets.values():
        for x, a in enumerate(members[:-1]):
            doc = clauses[a].doc_id
            found.update(a * n + b for b in members[x + 1:x + 1 + MAX_BUCKET] if clauses[b].doc_id != doc)
    return found


def _ordered(x: EchoInput, y: EchoInput, similarity: float) -> EchoPair:
    if (y.date, y.doc_id, y.clause_id) < (x.date, x.doc_id, x.clause_id):
        x, y = y, x
    return EchoPair(doc_a=x.doc_id, clause_a=x.clause_id, doc_b=y.doc_id, clause_b=y.clause_id,
                    similarity=round(similarity, 3))


def echoes_by_clause(pairs: Iterable[EchoPair]) -> dict[tuple[str, str], list[tuple[str, str, float]]]:
    """(doc_id, clause_id) → its echoes (other doc_id, clause_id, similarity), most similar first."""
    found: dict[tuple[str, str], list[tuple[str, str, float]]] = defaultdict(list)
    for p in pairs:
        found[(p.doc_a, p.clause_a)].append((p.doc_b, p.clause_b, p.similarity))
        found[(p.doc_b, p.clause_b)].append((p.doc_a, p.clause_a, p.similarity))
    for echoes in found.values():
        echoes.sort(key=lambda e: (-e[2], e[0], e[1]))
    return dict(found)


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


def echoes_csv(pairs: Iterable[EchoPair], documents: Iterable[Document]) -> str:
    """Every pair with both documents' metadata and both clauses' text (columns: `COLUMNS`)."""
    by_id = {d.id: d for d in documents}
    clauses = {(d.id, c.id): c for d in by_id.values() for c in d.clauses}
    rows = []
    for p in pairs:
        row: list = [p.similarity]
        for doc_id, clause_id in ((p.doc_a, p.clause_a), (p.doc_b, p.clause_b)):
            d, c = by_id.get(doc_id), clauses.get((doc_id, clause_id))
            if d is None or c is None:
                break
            row += [d.id, c.id, d.title, d.doc_number, list(d.issuers), d.date, c.label,
                    permalink(d.id, c.id), clause_text(c)]
        else:
            rows.append(row)
    return csv_text(COLUMNS, rows)
