"""Command line: python -m indexer {build,inspect,export,search,themes,relevance,citations,cluster}.

Every command lives here (as in Datasette's cli.py); the stages and the engine only provide
functions. The CLI is for administrators: its messages may carry English after the Chinese,
unlike the site, which speaks Chinese only.
"""
from __future__ import annotations

import argparse
import html
import json
import re
import sys
from datetime import date
from pathlib import Path

from indexer import config, index, params, present, relevance, store, tag
from indexer.links.export import summarize, summary_text
from indexer.pipeline import build_corpus
from indexer.records import Corpus, QueryError, SearchRequest
from indexer.report import inspect_report
from indexer.backends.base import BackendError
from indexer.search import Engine, IndexNotFound
from indexer.sphinx.cluster import ClusterError, add_cluster_arguments, cluster_command

EXIT_USAGE = 2


# --- build ------------------------------------------------------------------------------------

def build_command(args) -> int:
    corpus_dir, index_dir = Path(args.corpus), Path(args.index)
    if args.if_missing and store.published_version(index_dir):
        print(f"index already published at {store.published_version(index_dir)}; nothing to do")
        return 0
    try:
        report = index.build(corpus_dir, index_dir, show_progress=True, full=args.full)
    except (index.BuildError, ClusterError, ValueError, OSError) as error:
        # ValueError: a broken config file; OSError: an unwritable index folder. Both name it.
        print(f"构建失败 / build failed: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("构建已中断，已发布的索引未变 / build interrupted; the published index is unchanged",
              file=sys.stderr)
        return 130
    print(report.summary())
    return 0


# --- the parsed corpus ------------------------------------------------------------------------

def _corpus_folder(args) -> Path | None:
    """The --corpus folder, or None after saying it is missing (every command that parses)."""
    corpus_dir = Path(args.corpus)
    if not corpus_dir.is_dir():
        print(f"error: corpus folder not found: {corpus_dir}", file=sys.stderr)
        return None
    return corpus_dir


def _corpus(args) -> Corpus | None:
    corpus_dir = _corpus_folder(args)
    if corpus_dir is None:
        return None
    try:
        return build_corpus(corpus_dir)
    except ValueError as error:     # a broken config file (themes.toml, aliases.toml)
        print(f"error: {error}", file=sys.stderr)
        return None


def inspect_command(args) -> int:
    corpus = _corpus(args)
    if corpus is None:
        return EXIT_USAGE
    print(inspect_report(corpus))
    return 0


def export_command(args) -> int:
    corpus = _corpus(args)
    if corpus is None:
        return EXIT_USAGE
    lines = "".join(json.dumps(store.export_dict(d), ensure_ascii=False) + "\n"
                    for d in corpus.documents)
    if args.out == "-":
        sys.stdout.write(lines)
    else:
        try:
            Path(args.out).write_text(lines, encoding="utf-8")
        except OSError as error:
            print(f"error: cannot write {args.out}: {error.strerror}", file=sys.stderr)
            return EXIT_USAGE
    for warning in corpus.warnings:
        print(f"warning: {warning.source}: {warning.message}", file=sys.stderr)
    return 0


def themes_command(args) -> int:
    """Each theme's document and clause counts and its top documents, to tune themes.toml."""
    corpus_dir = _corpus_folder(args)
    if corpus_dir is None:
        return EXIT_USAGE
    try:
        taxonomy = tag.load_taxonomy(corpus_dir)
    except tag.TaxonomyError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    print(tag.themes_report(build_corpus(corpus_dir).documents, taxonomy))
    return 0


def citations_command(args) -> int:
    """The citation graph's summary (references found, resolved, by relation, validity, the
    most cited titles not held), linked exactly as a build links it, as of today."""
    corpus = _corpus(args)
    if corpus is None:
        return EXIT_USAGE
    try:
        _, graph, warnings = index.link(corpus, Path(args.corpus), date.today())
    except ValueError as error:     # a broken validity.toml, named by its entry
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    print(summary_text(summarize(graph)))
    for source, messages in warnings.items():
        for message in messages:
            print(f"warning: {source}: {message}", file=sys.stderr)
    return 0


# --- the published index ----------------------------------------------------------------------

def search_command(args) -> int:
    req = SearchRequest(q=args.query, issuers=args.issuer, years=args.year, themes=args.theme,
                        doc_types=args.doc_type, validities=args.validity,
                        date_from=args.date_from, date_to=args.date_to,
                        doc_id=args.doc_id, sort=args.sort, page=args.page, per_page=args.per_page)
    try:
        params.validate(req)
        result = Engine(Path(args.index), config.backend()).search(req)
    except (QueryError, IndexNotFound, BackendError) as error:
        print(error, file=sys.stderr)
        return EXIT_USAGE
    print(f"{result.total} clauses" + (" (partial matches)" if result.partial else ""))
    if result.notice:
        print(result.notice)
    if result.expansions:
        print("synonyms: " + ", ".join(result.expansions))
    for name, values in result.facets.items():
        print(f"{name}: " + "  ".join(f"{f.value} ({f.count})" for f in values[:12]))
    print()
    for rank, hit in enumerate(result.hits, (req.page - 1) * req.per_page + 1):
        where = " > ".join([hit.doc_title, *hit.breadcrumb, present.clause_caption(hit)])
        print(f"{rank:>3}. {hit.score:7.2f}  {hit.doc_id}#{hit.clause_id}  {where}")
        print(f"     {html.unescape(re.sub(r'</?mark>', '**', hit.snippet))}")
    return 0


def relevance_command(args) -> int:
    try:
        engine = Engine(Path(args.index), config.backend())
        scores = relevance.evaluate(engine, relevance.load_judgments())
    except (IndexNotFound, relevance.JudgmentError) as error:
        print(error, file=sys.stderr)
        return 1
    print(relevance.report(scores))
    return 0


# --- dispatch ---------------------------------------------------------------------------------

def _search_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("query")
    p.add_argument("--issuer", action="append", default=[])
    p.add_argument("--year", action="append", type=int, default=[])
    p.add_argument("--theme", action="append", default=[])
    p.add_argument("--type", dest="doc_type", action="append", default=[])
    p.add_argument("--validity", action="append", default=[], choices=params.VALIDITIES)
    p.add_argument("--from", dest="date_from")
    p.add_argument("--to", dest="date_to")
    p.add_argument("--doc", dest="doc_id")
    p.add_argument("--sort", choices=params.SORTS, default="relevance",
                   help="relevance, date (newest first) or date_asc (oldest first)")
    p.add_argument("--page", type=int, default=1)
    p.add_argument("--per-page", type=int, default=10)


def _build_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--if-missing", action="store_true",
                   help="do nothing when an index is already published")
    p.add_argument("--full", action="store_true",
                   help="parse every file and write every index segment again, reusing nothing "
                        "from earlier builds")


COMMANDS = {
    "build": (build_command, "parse the corpus and publish a new index", _build_arguments),
    "inspect": (inspect_command, "print the documents found and warnings", None),
    "export": (export_command, "write the parsed corpus as JSON Lines",
               lambda p: p.add_argument("--out", default="-", help="output file (default: stdout)")),
    "search": (search_command, "search the published index", _search_arguments),
    "themes": (themes_command, "show theme counts and top documents", None),
    "citations": (citations_command, "summarise the links between documents and their validity", None),
    "relevance": (relevance_command, "recall@10 and MRR on the judged queries", None),
}


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="python -m indexer", description=__doc__.split("\n")[0])
    sub = top.add_subparsers(dest="command", required=True)
    for name, (_, help_text, add_arguments) in COMMANDS.items():
        p = sub.add_parser(name, help=help_text)
        p.add_argument("--corpus", default=str(config.corpus_dir()), help="corpus folder")
        p.add_argument("--index", default=str(config.index_dir()), help="index folder")
        if add_arguments:
            add_arguments(p)
    add_cluster_arguments(sub)      # its own options: no corpus or index
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.command == "cluster":
        return cluster_command(args)
    return COMMANDS[args.command][0](args) or 0
