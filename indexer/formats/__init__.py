"""Binary document formats: PDF with a text layer, Word .docx, and the files to refuse.

Entry point: `read_binary(path, name, kind)` (in `safe`) → `Extracted` text in the shape the
text path reads (one paragraph per line), or `FormatError` with a message in Chinese that
names the problem and what the researcher should do. Parsing runs in a child process with a
time and memory limit, so a hostile file costs seconds and a bounded amount of memory, never
the build.

Modules: `sniff` (what a file really is, zip-bomb check), `safe` (the child process),
`pdf` (lines from glyphs → paragraphs), `docx` (body, tables, text boxes) with `numbering`
(Word's automatic numbering as Word shows it), `webpage` (content area of a saved web page).
"""
from __future__ import annotations

from dataclasses import dataclass, field


class FormatError(Exception):
    """A file whose text cannot be used; `str(error)` is the message shown to researchers."""


@dataclass
class Extracted:
    """What a binary document holds as text, in the text path's shape."""
    text: str                                            # one paragraph per line
    artifacts: list[str] = field(default_factory=list)   # running headers, page numbers dropped
    warnings: list[str] = field(default_factory=list)    # problems that did not stop reading
    source_url: str | None = None                        # from the file's own metadata
