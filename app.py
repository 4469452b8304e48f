"""Cesou (策搜): the application factory and the production server.

    flask --app app run                              # development
    python app.py [--host 127.0.0.1] [--port 8000]   # production (waitress), builds the index if missing

The production server is waitress with two wrappers (web/server.py): raw UTF-8 request lines
are accepted and waitress's own error bodies are Chinese.

Settings (`create_app(config)`, like flaskr's `create_app(test_config)`): CESOU_INDEX, the
index folder (default: the CESOU_INDEX environment variable, else var/index); CESOU_BACKEND,
the search backend (default: the CESOU_BACKEND environment variable, else embedded Whoosh).
"""
from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping
from pathlib import Path

from flask import Flask

from indexer import config, index, store
from web import analytics_api, analytics_site, api, responses, server, site, urls
from web.engine import CesouEngine


def create_app(settings: Mapping | None = None) -> Flask:
    """A new Cesou app; `settings` override the defaults (tests pass their index folder)."""
    app = Flask(__name__)
    app.config.from_mapping(CESOU_INDEX=config.index_dir(), CESOU_BACKEND=config.backend())
    if settings:
        app.config.from_mapping(settings)
    app.jinja_env.trim_blocks = app.jinja_env.lstrip_blocks = True
    responses.init_app(app)
    urls.init_app(app)
    CesouEngine(app)
    app.register_blueprint(site.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(analytics_api.bp)
    analytics_site.init_app(app)
    return app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Serve Cesou with waitress.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--index", default=str(config.index_dir()), help="index folder")
    parser.add_argument("--corpus", default=str(config.corpus_dir()),
                        help="corpus folder, built when no index is published")
    args = parser.parse_args(argv)
    if store.published_version(Path(args.index)) is None:
        print(f"No index in {args.index} yet: building it from {args.corpus} …", file=sys.stderr)
        index.build(Path(args.corpus), Path(args.index), show_progress=True)
    print(f"Cesou (策搜) on http://{args.host}:{args.port}/", file=sys.stderr)
    # The serving process keeps each opened version out of the cyclic collector (search.settle_heap).
    server.serve(create_app({"CESOU_INDEX": args.index, "CESOU_FREEZE_GC": True}),
                 host=args.host, port=args.port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
