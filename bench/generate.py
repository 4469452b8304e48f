"""Scaled corpora for the benchmark: the seed files ×N, each copy a distinct set of documents.

Copies are made at the raw-file level so the real pipeline (load → tag) parses them exactly as it
parses the seed, wraps, page numbers and all. Every rewrite keeps the physical line layout that the
cleaner relies on (line breaks, blank lines, trailing spaces):

- years shift (2017 → 2014 …) in dates, 文号 and body text alike, so the year facet spreads;
- 文号 serial numbers move, so (year, serial) differs in every copy of a document;
- issuing bodies rotate through the issuer lexicon of corpus/config/aliases.toml, so the issuer
  facet spreads over real names the parser recognises;
- common policy words are swapped for near-synonyms, occurrence by occurrence, and the complete
  sentences inside a physical line rotate, so copies do not share identical postings.

Copy 0 is the seed verbatim, so ×1 is the real corpus. Everything is derived from (seed, copy
number): the same call always writes the same bytes.
"""
from __future__ import annotations

import hashlib
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from indexer.aliases import load_aliases

# Year shift of copy k is YEAR_SHIFTS[k % len]; the 文号 serial moves by SERIAL_STEP for every full
# turn, so no two copies of a document share (year, serial). Shifts keep seed years (2014–2021)
# within 2009–2025.
YEAR_SHIFTS = (0, -1, 1, -2, 2, -3, 3, -4, 4, -5)
SERIAL_STEP = 100

# Interchangeable words; each occurrence in a copy picks one member of its group ("" drops it).
# Dense enough (about one changed word in 20 characters) that two copies of a document share
# well under 90% of their 5-character shingles, so the pipeline's near-duplicate folding keeps
# them apart, as it would keep apart two different documents on the same topic.
WORD_GROUPS = (
    ("加强", "强化"),
    ("推进", "推动", "促进"),
    ("完善", "健全", "优化"),
    ("提高", "提升", "增强"),
    ("建立", "构建"),
    ("支持", "鼓励"),
    ("开展", "实施"),
    ("加快", "加速"),
    ("重大", "重要"),
    ("全面", "深入", "充分"),
    ("机制", "制度"),
    ("体系", "系统"),
    ("合作", "协作"),
    ("服务", "保障"),
    ("管理", "治理"),
    ("积极", "主动"),
    ("统筹", "协调"),
    ("有效", "切实"),
    ("工作", "事业"),
    ("和", "与"),
    ("的", ""),
)
# Where a group member is part of a longer word that must not change (共和国, 和谐, 参与, 目的).
_KEEP = r"(?<!共)(?<!参)(?<!给)(?<!目)(?![谐平])"

_YEAR = re.compile(r"(?<!\d)(19[5-9]\d|20[0-4]\d)(?!\d)")
_DOC_NUMBER_SERIAL = re.compile(r"(〔\d{4}〕\s*)(\d+)(\s*号)")
# A complete sentence: text up to a terminator, with any closing quote or bracket that follows.
_SENTENCE = re.compile(r"[^。！？；]*[。！？；]+[”’\"）)]*")
_WORD_GROUP = {w: g for g in WORD_GROUPS for w in g if w}


@dataclass
class ScaledCorpus:
    path: Path
    scale: int
    files: int
    bytes: int


class SeedError(ValueError):
    """The seed folder cannot be scaled (no .txt files); the message says why."""


def generate(seed_dir: Path, out_dir: Path, scale: int, seed: int = 6) -> ScaledCorpus:
    """Write `scale` copies of every seed .txt file (and the seed's config/) into `out_dir`.

    `out_dir` is replaced: it only ever holds generated files.
    """
    seed_dir, out_dir = Path(seed_dir), Path(out_dir)
    sources = sorted(seed_dir.glob("*.txt"))
    if not sources:
        raise SeedError(f"no .txt files in {seed_dir}: nothing to scale")
    if scale < 1:
        raise SeedError(f"scale must be at least 1, got {scale}")
    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True)
    if (seed_dir / "config").is_dir():
        shutil.copytree(seed_dir / "config", out_dir / "config")
    names = NameRotation(list(load_aliases(seed_dir).issuers.items()))
    total = 0
    for source in sources:
        text = source.read_text(encoding="utf-8")
        for copy in range(scale):
            name = source.name if copy == 0 else f"{copy:03d}-{shift_years(source.name, copy)}"
            variant = text if copy == 0 else make_variant(text, copy, names, seed)
            data = variant.encode("utf-8")
            (out_dir / name).write_bytes(data)
            total += len(data)
    return ScaledCorpus(path=out_dir, scale=scale, files=len(sources) * scale, bytes=total)


def make_variant(text: str, copy: int, names: NameRotation, seed: int) -> str:
    """Copy number `copy` (≥ 1) of one raw file: see the module docstring."""
    text = _DOC_NUMBER_SERIAL.sub(
        lambda m: f"{m[1]}{int(m[2]) + SERIAL_STEP * (copy // len(YEAR_SHIFTS))}{m[3]}", text)
    text = names.rewrite(shift_years(text, copy), copy, seed)
    return "\n".join(rotate_sentences(line, copy) for line in text.split("\n"))


def shift_years(text: str, copy: int) -> str:
    shift = YEAR_SHIFTS[copy % len(YEAR_SHIFTS)]
    return _YEAR.sub(lambda m: str(int(m[0]) + shift), text) if shift else text


def rotate_sentences(line: str, copy: int) -> str:
    """Rotate the complete sentences between a line's first sentence and its unfinished tail.

    The first sentence stays put because it may carry a clause label and run-in heading
    (（三）改革…机制。); the tail stays because it continues on the next physical line.
    """
    sentences = _SENTENCE.findall(line)
    consumed = sum(len(s) for s in sentences)
    if len(sentences) < 3 or line[:consumed] != "".join(sentences):
        return line
    head, middle, tail = sentences[0], sentences[1:], line[consumed:]
    turn = copy % len(middle)
    return head + "".join(middle[turn:] + middle[:turn]) + tail


class NameRotation:
    """Rewrites issuer names and interchangeable words in one pass over the text.

    Issuer names (canonical or alias) of copy k become the canonical issuer k places further in
    the lexicon. One pass with issuer names first means a word inside a name (the 和 of
    工业和信息化部) is never touched, so every rotated name is still one the parser knows.
    """

    def __init__(self, issuer_groups: list[tuple[str, list[str]]]):
        self.canonical = [name for name, _ in issuer_groups]
        self.issuer_index = {n: i for i, (name, others) in enumerate(issuer_groups)
                             for n in (name, *others)}
        names = sorted(self.issuer_index, key=len, reverse=True)
        words = sorted(_WORD_GROUP, key=len, reverse=True)
        # 教育部门 / 财政部门 are "education/finance departments", not the ministries.
        issuer_part = [f"(?:{'|'.join(map(re.escape, names))})(?!门)"] if names else []
        word_part = [f"{_KEEP}(?:{'|'.join(map(re.escape, words))}){_KEEP}"]
        self.pattern = re.compile("|".join(issuer_part + word_part))

    def rewrite(self, text: str, copy: int, seed: int) -> str:
        def replace(match: re.Match) -> str:
            found = match[0]
            if found in self.issuer_index:
                return self.canonical[(self.issuer_index[found] + copy) % len(self.canonical)]
            # The choice depends on the words that follow, not on a running random sequence,
            # so a document printed twice (alone and in a compilation, wrapped differently)
            # is rewritten the same way in both places and still folds as a duplicate.
            context = "".join(text[match.end():match.end() + 12].split())[:4]
            group = _WORD_GROUP[found]
            digest = hashlib.blake2b(f"{seed}:{copy}:{context}".encode(), digest_size=4).digest()
            return group[int.from_bytes(digest, "big") % len(group)]
        return self.pattern.sub(replace, text)


# --- rebuild rows: one document more, one document changed ----------------------------------

# The seed file the rebuild rows add and change a document of: one document, mid-sized.
REBUILD_SEED = "中国科协事业发展十四五规划-2021.txt"
ADDED_FILE = "zz-added-document.txt"
CHANGED_LINE = "\n附加条款：本规划自发布之日起施行，由中国科协负责解释。\n"


def add_document(seed_dir: Path, out_dir: Path, scale: int, seed: int = 6) -> Path:
    """Write one more document into a scaled corpus: copy number `scale` of REBUILD_SEED (a
    rewording like the others, so a new document, not a duplicate). Returns its path."""
    names = NameRotation(list(load_aliases(seed_dir).issuers.items()))
    text = (Path(seed_dir) / REBUILD_SEED).read_text(encoding="utf-8")
    path = Path(out_dir) / ADDED_FILE
    path.write_text(make_variant(text, scale, names, seed), encoding="utf-8")
    return path


def change_document(out_dir: Path) -> Path:
    """Change one document of a scaled corpus: a closing clause appended to REBUILD_SEED's copy."""
    path = Path(out_dir) / REBUILD_SEED
    path.write_text(path.read_text(encoding="utf-8") + CHANGED_LINE, encoding="utf-8")
    return path
