"""No text lost: every Chinese character of every source file ends up exactly once in a clause,
in a metadata paragraph (title, 文号, signature…) or in an artifact cleaning dropped — in order.

Characters are compared as ideographs only: cleaning legitimately rewrites punctuation
(`,` → `，`), spaces and markup, but never a Chinese character.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

import pytest

from indexer.aliases import load_aliases
from indexer.clean import clean
from indexer.load import load_corpus
from indexer.records import Clause, CleanText, DraftDocument, Paragraph, SourceFile
from indexer.split import split
from indexer.structure import build_clauses

IDEOGRAPH = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")

# What no clause may contain: Word bookmark tags, markdown bold/list markup, OCR table cells
# (tabs, <u>), and lines that are nothing but a page number.
ARTIFACT_MARKS = ("[bookmark", "**", "\t", "<u>", "</u>")
PAGE_NUMBER_LINE = re.compile(r"^\s*[-－]?\s*\d{1,3}\s*[-－]?\s*$")
# A table-of-contents entry: a title with its page number glued on (服务平台8, 工程 10).
TOC_LINE = re.compile(r"[\u4e00-\u9fff]\s*\d{1,3}$")


def ideographs(text: str) -> str:
    return "".join(IDEOGRAPH.findall(text))


def clause_text(clauses: list[Clause]) -> str:
    return "".join(c.label + c.heading + c.text for c in clauses)


def is_subsequence(needle: str, haystack: str) -> bool:
    chars = iter(haystack)
    return all(ch in chars for ch in needle)


@dataclass
class ParsedFile:
    source: SourceFile
    cleaned: CleanText
    documents: list[tuple[DraftDocument, list[Clause]]]


@pytest.fixture(scope="module")
def parsed(corpus_dir) -> list[ParsedFile]:
    aliases = load_aliases(corpus_dir)
    sources, _ = load_corpus(corpus_dir)
    files = []
    for source in sources:
        cleaned = clean(source, aliases)
        drafts = split(cleaned, source, aliases)
        files.append(ParsedFile(source, cleaned, [(d, build_clauses(d)) for d in drafts]))
    assert files, "the corpus folder holds no readable file"
    return files


def test_clauses_hold_each_document_text_once_in_order(parsed):
    for file in parsed:
        for draft, clauses in file.documents:
            body = "".join(p.text for p in draft.notice + draft.paragraphs)
            assert ideographs(clause_text(clauses)) == ideographs(body), draft.title


def test_every_source_character_is_kept_or_dropped_as_an_artifact(parsed):
    for file in parsed:
        kept = Counter()
        for draft, clauses in file.documents:
            kept += Counter(ideographs(clause_text(clauses)))
            kept += Counter(ideographs("".join(p.text for p in draft.consumed)))
        dropped = Counter(ideographs("".join(file.cleaned.artifacts)))
        source = Counter(ideographs(file.source.text))
        assert kept + dropped == source, (
            f"{file.source.name}: lost {dict(source - kept - dropped)}, "
            f"invented {dict(kept + dropped - source)}")


def test_paragraphs_keep_source_order(parsed):
    for file in parsed:
        pieces: list[Paragraph] = []
        for draft, _ in file.documents:
            pieces += draft.consumed + draft.notice + draft.paragraphs
        pieces.sort(key=lambda p: p.line)   # stable: paragraphs sharing a line keep their order
        kept = ideographs("".join(p.text for p in pieces))
        assert is_subsequence(kept, ideographs(file.source.text)), file.source.name


def artifacts_in(clause: Clause) -> list[str]:
    """The lines of a clause that look like something cleaning should have dropped."""
    printed = f"{clause.label}{clause.heading}\n{clause.text}"
    return [line for line in printed.split("\n")
            if any(mark in line for mark in ARTIFACT_MARKS) or PAGE_NUMBER_LINE.match(line)
            or TOC_LINE.search(line) or line.startswith("- ")]


def test_no_artifact_in_any_clause(parsed):
    for file in parsed:
        for draft, clauses in file.documents:
            for clause in clauses:
                assert not artifacts_in(clause), (draft.title, clause.id, artifacts_in(clause))


@pytest.mark.parametrize("line", ["[bookmark: _Hlk74669863]牵头部门：办公厅", "**具有能力。**",
                                  "72", "-20", "四、实施科技经济融合行动 9", "- 2. 弘扬科学精神",
                                  "_\t开\t创"])
def test_artifact_check_catches(line):
    assert artifacts_in(Clause(id="1", label="", heading="", text=f"正文。\n{line}", parent=None,
                               kind="item"))


def test_order_check_catches_a_swap():
    assert is_subsequence("甲乙丙", "甲x乙y丙")
    assert not is_subsequence("乙甲", "甲乙")
