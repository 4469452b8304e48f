"""What every response shares: security headers, safe JSON, CSV files and the one error handler.

Language policy: everything a researcher reads is Chinese, once — pages, notices and the
`error` of a JSON error body; Flask's English defaults ("Not Found", "The requested URL…")
never reach them. (The command line, for administrators, may add English.)
"""
from __future__ import annotations

import codecs
import re
from collections.abc import Iterable, Sequence
from itertools import chain
from urllib.parse import quote

from pathlib import Path

from flask import Flask, Response, jsonify, render_template, request, send_file, stream_with_context
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import HTTPException, ServiceUnavailable

from indexer.backends.base import BackendError
from indexer.load import LoadError, decode
from indexer.text import csv_lines

from indexer.records import QueryError, SearchRequest

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
}

# The Chinese for each HTTP error a researcher can meet; a view's own description wins.
ERROR_TITLES = {400: "请求有误", 404: "找不到这个页面", 405: "不支持这种请求方式",
                500: "服务器出错了", 503: "暂时无法检索"}
ERROR_MESSAGES = {
    400: "请求的参数有误，请检查后再试。",
    404: "这个地址没有对应的文件或条款。",
    405: "这个地址只能用浏览器打开（GET），不能提交数据。",
    500: "这次请求没有完成。请稍后再试；如果一直出错，请告诉维护者出错的网址。",
    503: "服务暂时不可用，请稍后再试。",
}
DEFAULT_TITLE = "请求没有完成"


class SafeJSONProvider(DefaultJSONProvider):
    """Readable Chinese JSON in which corpus text can never form markup (`<` → \\u003c).

    The decoded data is unchanged; only the bytes on the wire avoid `<`, `>` and `&`, so a
    document containing `<script>` stays inert even if a client mis-sniffs the response.
    """
    ensure_ascii = False

    def dumps(self, obj, **kwargs):
        text = super().dumps(obj, **kwargs)
        return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def csv_response(rows: Iterable[Sequence], filename: str) -> Response:
    """A CSV download (UTF-8 with BOM, so Excel reads the Chinese) of `rows` (lists of cells),
    streamed (`download`)."""
    return download((piece.encode("utf-8") for piece in csv_lines(rows)), filename, "text/csv",
                    prefix=codecs.BOM_UTF8)


def download(pieces: Iterable[bytes], filename: str, mimetype: str, prefix: bytes = b"") -> Response:
    """A file download streamed piece by piece: memory stays flat and the first bytes leave
    while the rest is made. The first piece is made before the response starts, so an error
    in the request (a bad query, a backend down) is still the one error handler's page; the
    rest runs in the request's context (its index snapshot stays open until the last piece)."""
    pieces = iter(pieces)
    first = prefix + next(pieces, b"")
    return Response(stream_with_context(chain([first], pieces)), mimetype=mimetype,
                    headers={"Content-Disposition": content_disposition(filename)})


# How an original file is served (/d/<doc_id>/source): suffix → (media type, shown in the
# browser). PDF and plain text open in the browser; a saved web page is downloaded, never shown
# on this site's origin (its scripts and forms are not ours), and is sandboxed besides.
ORIGINAL_TYPES = {".pdf": ("application/pdf", True), ".txt": ("text/plain", True),
                  ".md": ("text/plain", True), ".markdown": ("text/plain", True),
                  ".html": ("text/html", False), ".htm": ("text/html", False),
                  ".mhtml": ("multipart/related", False), ".mht": ("multipart/related", False),
                  ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", False)}


def original_file(path: Path, name: str) -> Response:
    """An original file as received, with its name; text is labelled with the encoding it
    was read in (load.decode), so the browser shows the Chinese right."""
    mimetype, inline = ORIGINAL_TYPES.get(path.suffix.lower(), ("application/octet-stream", False))
    if mimetype == "text/plain":
        try:
            mimetype += f"; charset={decode(path.read_bytes(), name)[1]}"
        except LoadError:
            mimetype, inline = "application/octet-stream", False
    response = send_file(path, mimetype=mimetype, conditional=True)
    response.headers["Content-Type"] = mimetype     # send_file would add "; charset=utf-8" to text
    response.headers["Content-Disposition"] = \
        content_disposition(name).replace("attachment", "inline", 1) if inline else content_disposition(name)
    response.headers["Content-Security-Policy"] = SECURITY_HEADERS["Content-Security-Policy"] + "; sandbox"
    return response


def content_disposition(filename: str) -> str:
    """`attachment` with the file name twice (RFC 6266): `filename*=UTF-8''…` (RFC 5987,
    percent-encoded UTF-8) for browsers, which prefer it, and an ASCII `filename="…"` for
    clients that do not read it (non-ASCII characters dropped, never an empty name)."""
    kept = (part.strip("_") for part in re.split(r"[^A-Za-z0-9._]+", filename))
    fallback = "-".join(part for part in kept if part) or "download"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def error_message(error: HTTPException) -> str:
    """The view's own (Chinese) description, or the Chinese for the status."""
    own = error.description and error.description != type(error).description
    return error.description if own else ERROR_MESSAGES.get(error.code or 500, DEFAULT_TITLE)


def wants_json() -> bool:
    return request.path.startswith("/api/")


BACKEND_DOWN = "检索服务暂时无法连接（索引服务器没有响应），请稍后再试。"


def handle_error(error: Exception):
    """One handler: a JSON body under /api/, a Chinese page elsewhere; a QueryError is a 400
    shown on the search page with the researcher's query kept; a backend that cannot answer
    is a 503."""
    if isinstance(error, BackendError):
        error = ServiceUnavailable(description=BACKEND_DOWN)
    if isinstance(error, QueryError):
        if wants_json():
            return jsonify(error=str(error)), 400
        return render_template("search.html", req=SearchRequest(q=request.args.get("q", "")),
                               result=None, error=str(error)), 400
    code = error.code or 500
    message = error_message(error)
    if wants_json():
        return jsonify(error=message), code
    return render_template("error.html", code=code, title=ERROR_TITLES.get(code, DEFAULT_TITLE),
                           message=message), code


def init_app(app: Flask) -> None:
    app.json = SafeJSONProvider(app)

    @app.after_request
    def security_headers(response: Response) -> Response:
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)    # a view may only tighten them (originals)
        return response

    app.register_error_handler(HTTPException, handle_error)
    app.register_error_handler(QueryError, handle_error)
    app.register_error_handler(BackendError, handle_error)
