"""Provenance (indexer/provenance.py): a text that reports a document (《意见》指出…) is flagged,
the official text is not, and on the real corpus exactly the press summary is."""
from __future__ import annotations

import pytest

from indexer.provenance import is_press_summary
from indexer.records import Clause


def text(*paragraphs: str) -> list[Clause]:
    return [Clause(id="full", label="", heading="", text="\n".join(paragraphs), parent=None,
                   kind="paragraph")]


REPORT = ["《意见》指出，中外人文交流是重要途径。", "《意见》强调，要坚持以人为本。",
          "《意见》指出，要创新高级别人文交流机制。", "同时，《意见》要求，加强组织领导。"]


@pytest.mark.parametrize("doc_number, paragraphs, flagged", [
    ("", REPORT, True),
    ("", REPORT + ["一段普通正文。"] * 4, True),             # 4 of 8 paragraphs report
    ("国发〔2018〕4号", REPORT, False),                        # a 文号 is printed on the official text only
    ("", REPORT[:2] + ["正文。"] * 2, False),                  # too few reporting paragraphs
    ("", REPORT + ["正文。"] * 20, False),                     # a real text quoting a plan now and then
    ("", ["《纲要》提出的目标全面实现。", "正文。"], False),  # 提出 inside a sentence, not a report of it
    ("", ["各地区要认真落实《意见》指出的各项任务。"] * 5, False),   # not at the start
])
def test_a_text_made_of_reports_of_another_text_is_a_press_summary(doc_number, paragraphs, flagged):
    assert is_press_summary(doc_number, text(*paragraphs)) is flagged


def test_exactly_the_press_summary_of_the_seed_corpus_is_flagged(client_api):
    flagged = [d["title"] for d in client_api("/api/documents")["documents"] if d["press_summary"]]
    assert flagged == ["关于加强和改进中外人文交流工作的若干意见"]


@pytest.fixture(scope="module")
def client_api(built_index):
    from app import create_app
    client = create_app({"CESOU_INDEX": built_index}).test_client()
    return lambda url: client.get(url).get_json()
