"""Small measures of text shared by the stages and the command-line reports."""
from __future__ import annotations

import unicodedata


def display_width(text: str) -> int:
    """Width in half-width columns (a terminal's, a fixed-width export's): Chinese characters,
    full-width forms and their punctuation take two."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)
