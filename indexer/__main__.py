"""Command line: python -m indexer {build,inspect,export,search,themes,relevance}."""
from __future__ import annotations

import argparse
import sys
from importlib import import_module

from indexer import config

# Each subcommand lives beside the stage it fronts; imported lazily so `inspect` never pays
# for Whoosh and `search` never re-parses the corpus.
COMMANDS = {
    "build": ("indexer.index", "build_command", "parse the corpus and publish a new index"),
    "inspect": ("indexer.report", "inspect_command", "print the documents found and warnings"),
    "export": ("indexer.report", "export_command", "write the parsed corpus as JSON Lines"),
    "search": ("indexer.search", "search_command", "search the published index"),
    "themes": ("indexer.tag", "themes_command", "show theme counts and top documents"),
    "relevance": ("indexer.relevance", "relevance_command", "recall@10 and MRR on the judged queries"),
}


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="python -m indexer", description=__doc__)
    sub = top.add_subparsers(dest="command", required=True)
    for name, (_, _, help_text) in COMMANDS.items():
        p = sub.add_parser(name, help=help_text)
        p.add_argument("--corpus", default=str(config.corpus_dir()), help="corpus folder")
        p.add_argument("--index", default=str(config.index_dir()), help="index folder")
        if name == "build":
            p.add_argument("--if-missing", action="store_true",
                           help="do nothing when an index is already published")
        if name == "export":
            p.add_argument("--out", default="-", help="output file (default: stdout)")
        if name == "search":
            p.add_argument("query")
            p.add_argument("--issuer", action="append", default=[])
            p.add_argument("--year", action="append", type=int, default=[])
            p.add_argument("--theme", action="append", default=[])
            p.add_argument("--type", dest="doc_type", action="append", default=[])
            p.add_argument("--from", dest="date_from")
            p.add_argument("--to", dest="date_to")
            p.add_argument("--doc", dest="doc_id")
            p.add_argument("--sort", choices=["relevance", "date"], default="relevance")
            p.add_argument("--page", type=int, default=1)
            p.add_argument("--per-page", type=int, default=10)
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    module, function, _ = COMMANDS[args.command]
    return getattr(import_module(module), function)(args) or 0


if __name__ == "__main__":
    sys.exit(main())
