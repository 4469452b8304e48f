"""What a file really is, from its first bytes, before any parser sees it.

A file's name says what it should be; its bytes say what it is. Downloads go wrong in
recognisable ways: a login or error page saved as .pdf, a .doc renamed .docx, an encrypted
Word file (an OLE container holding `EncryptedPackage`). Each gets its own message, and no
parser is started for a file that is not what its name claims.

DOCX files are zips, and a zip can inflate to gigabytes from a megabyte. The members' declared
sizes are checked before anything is decompressed (under 1 ms): a lab test file whose
document.xml inflates to 2 GiB made python-docx use 4.2 GB before failing. A lying header
is caught later by the child process's memory limit.
"""
from __future__ import annotations

import zipfile
from pathlib import Path

from indexer.formats import FormatError

PDF_MAGIC = b"%PDF-"
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Acrobat accepts %PDF- anywhere in the first kilobyte; so do we.
PDF_HEADER_WINDOW = 1024
HTML_MARKERS = (b"<!doctype html", b"<html", b"<head", b"<body", b"<?xml")
# The largest real DOCX policy file seen inflates to a few MB; 200 MiB is far beyond any.
MAX_UNZIPPED_BYTES = 200 * 2**20
# Text XML compresses 5–20×; a member over 1 MB that compresses over 100× is built to inflate.
MAX_MEMBER_RATIO = 100
RATIO_CHECK_MIN_BYTES = 2**20


def what_is(head: bytes) -> str:
    """'pdf', 'zip', 'ole', 'html', 'empty' or 'unknown' from a file's first kilobytes."""
    if not head.strip():
        return "empty"
    if PDF_MAGIC in head[:PDF_HEADER_WINDOW]:
        return "pdf"
    if head.startswith(ZIP_MAGIC):
        return "zip"
    if head.startswith(OLE_MAGIC):
        return "ole"
    lowered = head[:PDF_HEADER_WINDOW].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if lowered.startswith(HTML_MARKERS) or b"<html" in lowered:
        return "html"
    return "unknown"


def check_kind(path: Path, kind: str) -> None:
    """Raise FormatError unless the file at `path` really is a `kind` ('pdf' or 'docx') file."""
    with open(path, "rb") as handle:
        head = handle.read(8192)
    found = what_is(head)
    expected = "pdf" if kind == "pdf" else "zip"
    if found == expected:
        if kind == "docx":
            check_docx_zip(path)
        return
    raise FormatError(_mismatch(found, kind, path))


def _mismatch(found: str, kind: str, path: Path) -> str:
    if found == "empty":
        return "空文件，没有可收录的内容"
    if found == "html":
        return (f"文件名是 .{kind}，内容却是网页（HTML），多半是下载失败或登录页；"
                "请重新下载原文件，或把网页另存为 .html 放入语料库")
    if found == "ole":
        if _ole_holds(path, "EncryptedPackage"):
            return "Word 文件已加密（设有打开密码），请在 Word 中取消密码后另存为 .docx"
        return "这是旧版 Word（.doc）文件，只是扩展名写成了 .docx；请用 Word 或 WPS 另存为 .docx"
    if found == "zip" and kind == "pdf":
        return "文件名是 .pdf，内容却是压缩包（可能是 .docx 或 .zip）；请确认文件类型后改正扩展名"
    return f"文件已损坏或不是 .{kind} 文件（文件头不符），请重新下载或从原件重新导出"


def _ole_holds(path: Path, stream: str) -> bool:
    """True when an OLE container names `stream` in its directory (UTF-16LE)."""
    with open(path, "rb") as handle:
        return stream.encode("utf-16-le") in handle.read(2**20)


def check_docx_zip(path: Path) -> None:
    """Raise FormatError for a zip that is not a Word document or would inflate too far."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError):
        raise FormatError("文件已损坏（不完整的压缩包），请重新下载或从原件重新导出 .docx") from None
    names = {member.filename for member in members}
    if "word/document.xml" not in names:
        raise FormatError("压缩包里没有 Word 正文（word/document.xml），不是 .docx 文件；"
                          "请确认文件类型")
    total = sum(member.file_size for member in members)
    if total > MAX_UNZIPPED_BYTES:
        raise FormatError(f"解压后达 {total / 2**20:.0f} MB，远超正常公文（疑似压缩炸弹），已跳过")
    for member in members:
        if (member.file_size > RATIO_CHECK_MIN_BYTES
                and member.file_size > MAX_MEMBER_RATIO * max(member.compress_size, 1)):
            raise FormatError(f"{member.filename} 的压缩比超过 {MAX_MEMBER_RATIO} 倍"
                              "（疑似压缩炸弹），已跳过")
