"""Timing of the analytics functions (indexer/analytics) on a scaled corpus. Run by hand:

    .venv/bin/python -m bench.analytics --scale 100 [--rounds 5] [--work bench/out/analytics]

Builds the ×N corpus with the benchmark generator (bench/generate.py) and parses it with the
real pipeline, then times:

- the build-time steps: word sets for co-occurrence (`WordStats.build`, and the size of its JSON),
  echo pairs over the whole collection (`find_echoes`, from already normalised texts, as the
  index build has them);
- the per-request functions over the word/AND/phrase/filter queries of the benchmark mix
  (bench/queries.py), each `--rounds` times: trends (plain and split by issuer, with the SVG and
  CSV), co-occurrence (G² list and the 30 × 30 matrix), KWIC rows and CSV (the general path,
  and the download's `csv_pieces` over the stored normalised texts), the coded XLSX, the
  issuer network with GraphML.

Matches are found by substring on the normalised clause texts (what the engine's verification
does); the engine's own search time is measured by `make bench`, not here. Prints a Markdown
table: median and p95 per function, in milliseconds.
"""
from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from bench.generate import generate
from bench.queries import QUERY_MIX
from indexer import aliases, analysis, config, pipeline
from indexer.analytics import chart, coded, cooccur, echoes, kwic, network, trends
from indexer.analytics.common import distinct_documents
from indexer.clausetext import clause_text
from indexer.facets import year_of
from indexer.records import Document


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--work", type=Path, default=config.REPO / "bench" / "out" / "analytics")
    return parser.parse_args(argv)


def timed(fn: Callable, *args, **kwargs):
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    return result, (time.perf_counter() - start) * 1000


def prepare(scale: int, work: Path) -> tuple[list[Document], list[str]]:
    corpus_dir = work / f"x{scale}"
    generate(config.corpus_dir(), corpus_dir, scale)
    analysis.configure_jieba(aliases.config_file(corpus_dir, "userdict.txt"), work / "jieba")
    documents = pipeline.build_corpus(corpus_dir).documents
    texts = [analysis.normalize(clause_text(c)) for d in documents for c in d.clauses]
    return documents, texts


def build_steps(documents: list[Document], texts: list[str]) -> tuple[list[list[str]], object]:
    rows = []
    workers = os.cpu_count() or 1
    with pipeline.parallel_map(workers) as map_each:
        stats, ms = timed(cooccur.WordStats.build, documents, cooccur.load_stopwords(), map_each)
    size = len(json.dumps(stats.to_json(), ensure_ascii=False).encode("utf-8"))
    rows.append([f"build: WordStats.build ({workers} processes)", f"{ms:,.0f}", "", f"{len(stats.vocabulary):,} words, JSON {size / 1e6:.1f} MB"])
    _, ms = timed(cooccur.WordStats.from_json, json.loads(json.dumps(stats.to_json())))
    rows.append(["load: WordStats.from_json", f"{ms:,.0f}", "", ""])
    inputs, ms_in = timed(echoes.echo_inputs, documents, texts)
    pairs, ms = timed(echoes.find_echoes, inputs)
    rows.append(["build: echo_inputs + find_echoes", f"{ms_in:,.0f} + {ms:,.0f}", "",
                 f"{len(pairs):,} pairs ≥ {echoes.DEFAULT_THRESHOLD}"])
    return rows, stats


def matches_of(q: str, pairs, texts, issuers, years):
    terms = [analysis.normalize(t) for t in q.replace('"', " ").split()]
    found = [(d, c) for (d, c), t in zip(pairs, texts) if all(term in t for term in terms)
             and (not issuers or set(issuers) & set(d.issuers))
             and (not years or year_of(d) in years)]
    return found, terms


def request_steps(documents, texts, stats, rounds: int) -> list[list[str]]:
    pairs = [(d, c) for d in documents for c in d.clauses]
    normalised = {id(c): text for (_, c), text in zip(pairs, texts)}
    totals = trends.collection_totals(documents)
    link = lambda q, y, k: f"/?q={q}&year={y}"                      # noqa: E731
    steps: dict[str, list[float]] = {}
    sizes: list[int] = []
    for query in [q for q in QUERY_MIX if q.kind in ("single", "and", "phrase", "filter")]:
        matches, terms = matches_of(query.q, pairs, texts, query.issuers, query.years)
        sizes.append(len(matches))
        work = {
            "trends (series + SVG + CSV)": lambda: chart.trends_svg(
                s := trends.trend_series(query.q, matches, totals), link) + trends.trends_csv(s),
            "trends by issuer, top 8": lambda: chart.trends_svg(
                trends.trend_series(query.q, matches, totals, by="issuer", limit=8), link),
            "co-occurrence (G², top 50)": lambda: cooccur.cooccurrence(query.q, matches, terms, stats),
            "co-occurrence matrix 30×30 CSV": lambda: cooccur.matrix_csv(cooccur.cooccurrence_matrix(
                matches, [t.term for t in cooccur.cooccurrence(query.q, matches, terms, stats).terms[:30]],
                stats), ochiai=True),
            "KWIC rows + CSV": lambda: kwic.kwic_csv(kwic.concordance(matches, terms)),
            "KWIC CSV as downloaded (csv_pieces)": lambda: "".join(kwic.csv_pieces(
                matches, terms, normalized=[normalised[id(c)] for _, c in matches])),
            "coded XLSX": lambda: coded.coded_xlsx(matches, io.BytesIO(), codes=["政策工具", "力度"]),
            "coded CSV": lambda: coded.coded_csv(matches, codes=["政策工具"]),
            "issuer network + GraphML": lambda: network.graphml(
                network.issuer_network(distinct_documents(matches))),
        }
        for name, fn in work.items():
            for _ in range(rounds):
                steps.setdefault(name, []).append(timed(fn)[1])
    note = f"{len(sizes)} queries, {min(sizes):,}–{max(sizes):,} matching clauses"
    return [[name, f"{statistics.median(v):,.1f}", f"{_p95(v):,.1f}", note] for name, v in steps.items()]


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    start = time.perf_counter()
    documents, texts = prepare(args.scale, args.work)
    print(f"×{args.scale}: {len(documents):,} documents, {len(texts):,} clauses "
          f"(generated and parsed in {time.perf_counter() - start:.0f} s)")
    print("\n| step | median ms | p95 ms | note |\n|---|---|---|---|", flush=True)
    build_rows, stats = build_steps(documents, texts)
    for row in build_rows + request_steps(documents, texts, stats, args.rounds):
        print("| " + " | ".join(row) + " |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
