"""Read a PDF or DOCX in a child process with a time limit and a memory cap.

Rules:
* the file's bytes are sniffed first (`sniff.check_kind`): a mislabelled, empty, encrypted-Word
  or zip-bomb file never reaches a parser;
* the parser runs in a forked child whose address space may grow by at most `MEMORY_MB`
  (`RLIMIT_AS`, counted from the parent's size at fork, since the child inherits it) and
  which is killed after `SECONDS`;
* every way it can end — a result, a `FormatError`, `MemoryError`, any parser exception, a
  crash, a timeout — comes back as an `Extracted` or a `FormatError` with a message in Chinese.

Why a child: in the lab a 1 MB PDF whose stream inflates to 1 GiB made pdfplumber raise
MemoryError after 1 s under a 1 GiB cap, and pypdfium2 spun past 30 s; a parser bug must not
take the build (or the machine's memory) with it. Cost: about 10 ms per file for the fork.
"""
from __future__ import annotations

import multiprocessing
import os
import resource
from collections.abc import Callable
from pathlib import Path

from indexer.formats import Extracted, FormatError
from indexer.formats.sniff import check_kind

# pdfplumber needs ~10 ms per page (lab, 2-core VM): 30 s is a 2,000-page file on a busy machine.
SECONDS = float(os.environ.get("CESOU_PARSE_SECONDS", "30"))
# pdfplumber held 38 MB on 300 pages with page.close(); 1 GiB leaves room for any real file.
MEMORY_MB = int(os.environ.get("CESOU_PARSE_MEMORY_MB", "1024"))


def read_binary(path: Path, kind: str) -> Extracted:
    """The text of a 'pdf' or 'docx' file, parsed safely; FormatError says why not."""
    path = Path(path)
    check_kind(path, kind)
    return run_limited(_parser(kind), path, SECONDS, MEMORY_MB)


def _parser(kind: str) -> Callable[[Path], Extracted]:
    if kind == "pdf":
        from indexer.formats.pdf import read_pdf
        return read_pdf
    from indexer.formats.docx import read_docx
    return read_docx


def run_limited(parse: Callable[[Path], Extracted], path: Path, seconds: float,
                memory_mb: int) -> Extracted:
    """parse(path) in a forked child under the limits; its result or a FormatError."""
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_child, args=(parse, path, memory_mb, sender), daemon=True)
    child.start()
    sender.close()
    try:
        if not receiver.poll(seconds):
            raise FormatError(f"解析超过 {seconds:g} 秒仍未完成（文件可能已损坏或经过特殊构造），已跳过；"
                              "请用其他软件打开检查，必要时另存一份")
        try:
            status, value = receiver.recv()
        except EOFError:
            raise FormatError("解析程序意外退出（文件可能已损坏），已跳过；请重新下载或另存一份") from None
    finally:
        if child.is_alive():
            child.kill()
        child.join()
        receiver.close()
    if status == "ok":
        return value
    raise FormatError(value)


def _child(parse, path: Path, memory_mb: int, sender) -> None:
    try:
        _cap_memory(memory_mb)
        result = ("ok", parse(path))
    except FormatError as error:
        result = ("error", str(error))
    except MemoryError:
        result = ("error", f"解析所需内存超过 {memory_mb} MB（疑似压缩炸弹或损坏的文件），已跳过")
    except Exception as error:  # any parser failure is this file's problem, reported as such
        result = ("error", f"文件已损坏或格式不受支持（{type(error).__name__}），已跳过；"
                           "请重新下载或从原件重新导出")
    try:
        sender.send(result)
    finally:
        sender.close()
        os._exit(0)     # no atexit handlers of the parent in the child


def _cap_memory(memory_mb: int) -> None:
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[0])
    inherited = pages * os.sysconf("SC_PAGE_SIZE")
    limit = inherited + memory_mb * 2**20
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
