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


# --- PDF and DOCX: every ideograph the file holds as text lands in a clause, a metadata
# paragraph, or an artifact (running headers and page numbers dropped by load, what clean drops)

def _pdf_glyphs(path) -> str:
    import pdfplumber
    with pdfplumber.open(path) as pdf:
        return "".join(char["text"] for page in pdf.pages for char in page.chars)


def _docx_body_text(path) -> str:
    """Every w:t of the body part, text boxes once (their VML fallback copy left out);
    headers and footers are other parts: not the document's text."""
    import zipfile

    from lxml import etree
    root = etree.fromstring(zipfile.ZipFile(path).read("word/document.xml"))
    fallback = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
    w_t = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}t"
    return "".join(node.text or "" for node in root.iter(w_t)
                   if not any(parent.tag == fallback for parent in node.iterancestors()))


@pytest.fixture(scope="module")
def binary_files(tmp_path_factory):
    from formats_fixtures import make_docx, make_pdf
    folder = tmp_path_factory.mktemp("binary")
    return [(make_pdf(folder / "dash.pdf"), _pdf_glyphs),
            (make_pdf(folder / "page.pdf", number_form="page"), _pdf_glyphs),
            (make_docx(folder / "plain.docx"), _docx_body_text),
            (make_docx(folder / "box.docx", text_box_letterhead=True), _docx_body_text)]


def test_every_character_of_a_pdf_or_docx_lands_in_a_clause_or_an_artifact(binary_files):
    from indexer.load import load_file
    aliases = load_aliases()
    for path, raw_text in binary_files:
        source = load_file(path, path.name, aliases)
        cleaned = clean(source, aliases)
        kept = Counter()
        for draft in split(cleaned, source, aliases):
            kept += Counter(ideographs(clause_text(build_clauses(draft))))
            kept += Counter(ideographs("".join(p.text for p in draft.consumed)))
        dropped = Counter(ideographs("".join(cleaned.artifacts + source.artifacts)))
        raw = Counter(ideographs(raw_text(path)))
        if path.suffix == ".docx":  # the extracted text adds the labels Word's numbering shows
            assert not raw - Counter(ideographs(source.text)), f"{path.name}: text lost in load"
            assert set(Counter(ideographs(source.text)) - raw) <= set("第章条一二三四五六七八九十")
            raw = Counter(ideographs(source.text))
        assert kept + dropped == raw, (
            f"{path.name}: lost {dict(raw - kept - dropped)}, invented {dict(kept + dropped - raw)}")
        assert sum(raw.values()) > 500
