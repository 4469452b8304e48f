"""The search engine as a Flask extension, with one index snapshot per request.

`CesouEngine.init_app(app)` keeps the engine in `app.extensions["cesou"]`; the engine itself
is opened on first use, so the app starts (and says "no index yet" with a 503) before any
index is published. `searcher()` returns the request's snapshot: the first call in a request
refreshes the engine (one readlink; a new version is opened by one thread while the others go
on with the old one) and keeps the snapshot in `g`, so every later call of the same request
reads the same version even if a rebuild is published meanwhile.
"""
from __future__ import annotations

import threading
from pathlib import Path

from flask import Flask, abort, current_app, g

from indexer.search import Engine, IndexNotFound, Searcher

EXTENSION = "cesou"


class CesouEngine:
    def __init__(self, app: Flask | None = None):
        self._engine: Engine | None = None
        self._creating = threading.Lock()
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask) -> None:
        app.extensions[EXTENSION] = self

    def engine(self) -> Engine:
        """The process's Engine, opened on first use; refreshed without a lock."""
        if self._engine is None:
            with self._creating:            # only the very first requests wait here
                if self._engine is None:
                    config = current_app.config
                    self._engine = Engine(Path(config["CESOU_INDEX"]), config.get("CESOU_BACKEND"),
                                          freeze_gc=bool(config.get("CESOU_FREEZE_GC")))
                    return self._engine
        self._engine.refresh()
        return self._engine


def searcher() -> Searcher:
    """This request's snapshot of the index (a 503 page when none is published)."""
    if "cesou_searcher" not in g:
        try:
            g.cesou_searcher = current_app.extensions[EXTENSION].engine().snapshot()
        except IndexNotFound as missing:
            abort(503, description=str(missing))
    return g.cesou_searcher
