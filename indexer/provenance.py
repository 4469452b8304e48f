"""Provenance: is a parsed text the document itself, or a report about it?

Compilations sometimes carry a press summary in place of the official text: paragraph after
paragraph opens 《意见》指出，… 《意见》强调，…, and there is no 文号. Presented and cited as the
document, such a text would mislead a researcher, so it is flagged (`Document.press_summary`)
and the reader, clause pages, result cards and citations say so.

Rule (generic, no per-document cases): a document without a 文号 of which at least
`REPORTED_MIN` paragraphs, and at least `REPORTED_SHARE` of all its paragraphs, open by
reporting what another text says (《…》指出 / 强调 / 提出 / 要求 / 明确 / 表示 / 认为, possibly
after a short lead-in such as 同时，). One such sentence is common in real documents (a preamble
quoting a plan); a text made of them is a report. A 文号 is printed only on the official text.
"""
from __future__ import annotations

import re

from indexer.records import Clause

REPORTING = re.compile(
    r"^(?:[^，。；《]{0,6}，)?《[^》]{1,40}》(?:还|进一步|同时)?(?:指出|强调|提出|要求|明确|表示|认为)")
LABEL = "新闻报道摘要"      # what pages call such a text
REPORTED_MIN = 3
REPORTED_SHARE = 0.3


def is_press_summary(doc_number: str, clauses: list[Clause]) -> bool:
    """True when the text reports a document instead of printing it (rule in the docstring)."""
    if doc_number:
        return False
    paragraphs = [line.strip() for c in clauses for line in c.text.split("\n") if line.strip()]
    reported = sum(1 for p in paragraphs if REPORTING.match(p))
    return reported >= REPORTED_MIN and reported >= REPORTED_SHARE * len(paragraphs)
