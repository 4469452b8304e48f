"""Text analysis shared by the index and the query side.

Matching is defined on *normalised* text: NFKC (full/half width), casefold, traditional →
simplified, whitespace removed. Whitespace between two Latin letters or digits is kept as one
space so that "STS Network" stays two words; every other space is a wrap or layout artifact
(`国发〔2015〕 64 号`, `2017年 1月`) and must not block a match.

What reads that normalised text:
- `bigrams`: overlapping character bigrams, which find candidate clauses for any substring,
  however jieba would segment it (the Whoosh backend keeps them in its own postings files,
  indexer/backends/bigram_postings.py, not in a Whoosh field);
- `WordTokenizer`: jieba words (search mode, policy user dictionary), used for BM25 ranking.
`BigramTokenizer` is the bigram field as Whoosh indexed it before (store FORMAT 2); its schema
may still be unpickled from an old version, and the tests compare the postings files' BM25
with it. Tokenizers live here, in an importable module, because Whoosh pickles the schema.
"""
from __future__ import annotations

import io
import logging
import re
import unicodedata
from bisect import bisect_left, bisect_right
from functools import lru_cache
from pathlib import Path

import jieba
from opencc import OpenCC
from whoosh.analysis import Token, Tokenizer

_T2S = OpenCC("t2s")
_LATIN = re.compile(r"[0-9a-z]")
_LETTER = re.compile(r"[a-z]")
# A word token must contain a letter, digit or CJK character; punctuation is not ranked.
_WORDLIKE = re.compile(r"[0-9a-z\u3400-\u9fff\uf900-\ufaff]")


class _FoldTable(dict):
    """char → its NFKC casefolded form without whitespace; "" for whitespace and for a lone
    surrogate (broken UTF-16 input is not text, and OpenCC cannot encode it). Filled on use,
    so each distinct character is folded once per process."""

    def __missing__(self, char: str) -> str:
        folded = "" if "\ud800" <= char <= "\udfff" else \
            "".join(c for c in unicodedata.normalize("NFKC", char).casefold() if not c.isspace())
        self[char] = folded
        return folded


_FOLD = _FoldTable()


class _OneToOneTable(dict):
    """For str.translate (keyed by code point): a character's fold when it is exactly one
    character, else two characters, so a translated run keeps its length only when every
    character of it folded one to one."""

    def __missing__(self, code: int) -> str:
        folded = _FOLD[chr(code)]
        self[code] = folded if len(folded) == 1 else "\0\0"
        return self[code]


_ONE_TO_ONE = _OneToOneTable()
_SPACE_RUN = re.compile(r"\s+")


def normalize_with_offsets(text: str) -> tuple[str, list[int]]:
    """The normalised text and, for each of its characters, the offset of the original
    character it came from (so highlights found in normalised text land on the original)."""
    fast = _fold_runs(text)
    if fast is not None:
        simplified = _T2S.convert(fast[0])
        if len(simplified) == len(fast[0]):
            return simplified, fast[1]
    return _normalize_per_character(text)


def _fold_runs(text: str) -> tuple[str, list[int]] | None:
    """The fast path of `normalize_with_offsets` before OpenCC: the text between whitespace runs
    translated in C, when every character of it folds to exactly one character (most text);
    None otherwise. Whitespace is dropped and the Latin-space rule applied as in the slow path."""
    parts: list[str] = []
    offsets: list[int] = []
    start = 0
    for gap in [*_SPACE_RUN.finditer(text), None]:
        end = gap.start() if gap else len(text)
        part = text[start:end].translate(_ONE_TO_ONE)
        if len(part) != end - start:
            return None
        if part:
            if parts and _LATIN.match(parts[-1][-1]) and _LATIN.match(part[0]):
                parts.append(" ")
                offsets.append(start - 1)
            parts.append(part)
            offsets.extend(range(start, end))
        start = gap.end() if gap else end
    return "".join(parts), offsets


def _normalize_per_character(text: str) -> tuple[str, list[int]]:
    pieces = [_FOLD[c] for c in text]
    folded = "".join(pieces)
    offsets = [i for i, piece in enumerate(pieces) for _ in piece]
    gaps = [i for i, piece in enumerate(pieces) if not piece]
    if gaps and _LATIN.search(folded):
        folded, offsets = _keep_latin_spaces(folded, offsets, gaps)
    simplified = _T2S.convert(folded)
    if len(simplified) != len(folded):
        # OpenCC phrase tables may change a length; converting per character keeps the map.
        simplified = "".join(_T2S.convert(c) or c for c in folded)
        if len(simplified) != len(folded):
            simplified = folded
    return simplified, offsets


def _keep_latin_spaces(folded: str, offsets: list[int], gaps: list[int]) -> tuple[str, list[int]]:
    """Put one space back where a run of whitespace separated two Latin letters or digits."""
    run_ends = [g for g, after in zip(gaps, [*gaps[1:], None]) if after != g + 1]
    chars = list(folded)
    for end in reversed(run_ends):
        at = bisect_left(offsets, end + 1)     # the first character after the run
        if 0 < at < len(chars) and _LATIN.match(chars[at - 1]) and _LATIN.match(chars[at]):
            chars.insert(at, " ")
            offsets.insert(at, end)
    return "".join(chars), offsets


def normalize(text: str) -> str:
    """Text as matched: see the module docstring."""
    return normalize_with_offsets(text)[0]


def original_spans(text: str, normalized: str,
                   spans: list[tuple[int, int]]) -> list[tuple[int, int]] | None:
    """`spans` of `normalized`, which must be `normalize(text)` (e.g. the index's stored copy),
    mapped to spans of `text` exactly as `normalize_with_offsets`'s offsets map them, without
    normalising `text` again: the text between whitespace runs maps one to one, and each run
    maps to nothing or to the one space kept between two Latin characters (decided on the
    characters around it, by the normaliser's rule). That holds when every other character
    folds to exactly one character, which (no character folding to nothing but whitespace and
    lone surrogates, ruled out first) is when the lengths agree; otherwise None (a character
    like … folding to ... is in `text`, or `normalized` is not its normal form), and the caller
    normalises."""
    try:
        text.encode("utf-8")        # lone surrogates (fold to nothing, like whitespace) fail
    except UnicodeEncodeError:
        return None
    starts, shifts = [], []        # from starts[k] on, normalised position + shifts[k] = original
    at = done = 0                  # position in `normalized`, in `text`
    latin_end = False
    for part in text.split():
        begin = text.find(part, done)
        if latin_end and _LATIN_START[part[0]]:
            starts.append(at), shifts.append(begin - 1 - at)    # the kept space
            at += 1
        starts.append(at), shifts.append(begin - at)
        at += len(part)
        done = begin + len(part)
        latin_end = _LATIN_END[part[-1]]
    if at != len(normalized):
        return None
    if len(starts) == 1:
        shift = shifts[0]
        return [(start + shift, end + shift) for start, end in spans]
    return [(start + shifts[bisect_right(starts, start) - 1], end + shifts[bisect_right(starts, end - 1) - 1])
            for start, end in spans]


class _FoldsToLatin(dict):
    """char → whether its fold starts (`_LATIN_START`) or ends (`_LATIN_END`) with a Latin
    letter or digit (the kept-space rule); filled on use."""

    def __init__(self, end: int):
        super().__init__()
        self.end = end

    def __missing__(self, char: str) -> bool:
        folded = _FOLD[char]
        self[char] = bool(folded and _LATIN.match(folded[self.end]))
        return self[char]


_LATIN_START, _LATIN_END = _FoldsToLatin(0), _FoldsToLatin(-1)


def find_all(haystack: str, needle: str) -> list[tuple[int, int]]:
    """Spans of `needle` in normalised `haystack` (both normalised).

    A needle that starts or ends with a Latin letter must not continue a longer Latin word
    (AI in "said"), so such matches are skipped.
    """
    if not needle:
        return []
    spans = []
    check_start = bool(_LETTER.match(needle[0]))
    check_end = bool(_LETTER.match(needle[-1]))
    start = haystack.find(needle)
    while start != -1:
        end = start + len(needle)
        if not (check_start and start > 0 and _LETTER.match(haystack[start - 1])) and \
                not (check_end and end < len(haystack) and _LETTER.match(haystack[end])):
            spans.append((start, end))
        start = haystack.find(needle, start + 1)
    return spans


def latin_ended(needle: str) -> bool:
    """Whether `find_all` checks the needle's ends against longer Latin words."""
    return bool(_LETTER.match(needle[0]) or _LETTER.match(needle[-1]))


def contains(haystack: str, needle: str) -> bool:
    """True when normalised `needle` occurs in normalised `haystack` (see find_all)."""
    if needle not in haystack:
        return False
    if not (_LETTER.match(needle[0]) or _LETTER.match(needle[-1])):
        return True
    return bool(find_all(haystack, needle))


def bigrams(text: str) -> list[str]:
    """Every overlapping bigram of normalised text made of two letters, digits or CJK
    characters. Bigrams with punctuation or spaces only narrow candidates that are verified
    anyway, so they are not worth their postings."""
    return [text[i:i + 2] for i in range(len(text) - 1)
            if _WORDLIKE.match(text[i]) and _WORDLIKE.match(text[i + 1])]


def words(text: str) -> list[str]:
    """jieba words (search mode) of normalised text, punctuation dropped.

    jieba cuts each run of its `re_han_default` characters on its own, so the text is segmented
    run by run, and a run seen before (a context shared by sibling clauses, a stock phrase, a
    repeated query) is not segmented again: the same words, in the same order."""
    return [word for run in jieba.re_han_default.split(text) if run for word in _run_words(run)]


@lru_cache(maxsize=1 << 17)
def _run_words(run: str) -> tuple[str, ...]:
    return tuple(w for w in jieba.cut_for_search(run) if _WORDLIKE.search(w))


def _emit(texts, positions: bool, start_pos: int, **kwargs):
    token = Token(positions=positions, **kwargs)
    for pos, text in enumerate(texts, start_pos):
        token.text = text
        token.boost = 1.0
        token.stopped = False
        if positions:
            token.pos = pos
        yield token


class BigramTokenizer(Tokenizer):
    """Whoosh tokenizer over normalised text: see `bigrams`."""

    def __call__(self, value, positions=False, start_pos=0, **kwargs):
        return _emit(bigrams(value), positions, start_pos, **_token_args(kwargs))


class WordTokenizer(Tokenizer):
    """Whoosh tokenizer over normalised text: see `words`."""

    def __call__(self, value, positions=False, start_pos=0, **kwargs):
        return _emit(words(value), positions, start_pos, **_token_args(kwargs))


def _token_args(kwargs: dict) -> dict:
    return {k: kwargs[k] for k in ("removestops", "mode") if k in kwargs}


def configure_jieba(userdict: Path, cache_dir: Path) -> None:
    """Load the policy user dictionary once per process, cache jieba's prefix dictionary under
    `cache_dir` (not the system temp dir) and keep jieba's log lines out of the output.

    The dictionary is known by its content, not its path: every index version carries a copy,
    and jieba adds a reloaded word's frequency to its total again, which shifts segmentation."""
    _initialize_jieba(str(Path(cache_dir).resolve()))
    userdict = Path(userdict)
    _load_userdict(userdict.read_text(encoding="utf-8") if userdict.exists() else "")


@lru_cache(maxsize=None)
def _initialize_jieba(cache_dir: str) -> None:
    jieba.setLogLevel(logging.WARNING)
    Path(cache_dir).mkdir(parents=True, exist_ok=True)
    jieba.dt.tmp_dir = cache_dir
    jieba.initialize()


@lru_cache(maxsize=None)
def _load_userdict(words: str) -> None:
    if words:
        jieba.load_userdict(io.StringIO(words))
        _run_words.cache_clear()     # segmentation may have changed
