"""The benchmark's own parts, small and fast: the scaled-corpus generator, the FTS5 baseline
at ×1 on the real corpus, the statistics and the target check. No timing is asserted."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

from bench import __main__ as cli
from bench import baseline, generate, report
from bench.queries import QUERY_MIX
from bench.scale_memory import Sampler
from bench.results import (BaselineBuildTimes, BuildTimes, CorpusStats, Latency, QueryRun,
                           RebuildTimes, ScaleResult)
from indexer import analysis, pipeline
from indexer.aliases import load_aliases
from indexer.index import clause_text
from indexer.records import SearchRequest

# One document in the one-paragraph-per-line layout, dense in the words the generator swaps.
FIXTURE = """教育部 财政部

关于加强高等学校科技创新工作的意见

教研〔2017〕2 号

各省、自治区、直辖市教育厅（教委）、财政厅（局）：

为全面贯彻党的教育方针，加强高等学校科技创新工作，现提出如下意见。

一、总体要求

（一）指导思想。全面贯彻党的十九大精神，加强基础研究和应用研究，推进科技成果转化。完善评价机制，提高创新能力。建立协同机制，支持青年人才。加快建设一流学科，开展重大项目攻关。

（二）基本原则。坚持问题导向，完善治理体系，提高资源配置效率。推进开放合作，支持和鼓励交叉研究。建立健全激励机制，加强知识产权保护。

二、重点任务

（三）加强基础研究。支持高校开展自由探索，完善稳定支持机制，提高原始创新能力。推进重大科技基础设施建设，加快建立开放共享机制。

（四）推进成果转化。完善科技成果转化政策，建立专业化技术转移机构，提升转化效率。支持教育部门和财政部门加强协同，推动工业和信息化部开展试点。

教育部 财政部

2017年3月24日"""


@pytest.fixture(scope="module")
def fixture_corpus(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("seed")
    (folder / "意见-2017.txt").write_text(FIXTURE, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def rotation(corpus_dir) -> generate.NameRotation:
    return generate.NameRotation(list(load_aliases(corpus_dir).issuers.items()))


# --- generator -------------------------------------------------------------------------------

def test_scale_one_is_the_seed_verbatim(corpus_dir, tmp_path):
    scaled = generate.generate(corpus_dir, tmp_path / "x1", 1)
    seeds = sorted(corpus_dir.glob("*.txt"))
    assert scaled.files == len(seeds)
    for seed in seeds:
        assert (tmp_path / "x1" / seed.name).read_bytes() == seed.read_bytes()
    assert (tmp_path / "x1" / "config" / "aliases.toml").exists()


def test_generation_is_deterministic_and_copies_differ(fixture_corpus, tmp_path):
    generate.generate(fixture_corpus, tmp_path / "a", 3)
    generate.generate(fixture_corpus, tmp_path / "b", 3)
    a = sorted(p for p in (tmp_path / "a").glob("*.txt"))
    assert [p.read_bytes() for p in a] == [(tmp_path / "b" / p.name).read_bytes() for p in a]
    assert len({p.read_bytes() for p in a}) == 3


def test_variant_keeps_the_line_layout(fixture_corpus, rotation):
    text = "  第一条 加强基础研究。 \n\n推进改革，完善机制\n 2017年 1月 24日 "
    variant = generate.make_variant(text, 3, rotation, seed=6)
    assert variant.count("\n") == text.count("\n")
    assert [line.endswith(" ") for line in variant.split("\n")] == \
           [line.endswith(" ") for line in text.split("\n")]
    assert [len(line) - len(line.lstrip()) for line in variant.split("\n")] == \
           [len(line) - len(line.lstrip()) for line in text.split("\n")]


def test_years_and_doc_numbers_move_together(rotation):
    copy = 12                                   # second turn: year shift of copy 2, serial + 100
    shift = generate.YEAR_SHIFTS[copy % len(generate.YEAR_SHIFTS)]
    variant = generate.make_variant("国发〔2017〕44 号\n到 2020年，2017年 1月 24日", copy, rotation, 6)
    assert f"〔{2017 + shift}〕144 号" in variant
    assert f"到 {2020 + shift}年" in variant and f"{2017 + shift}年 1月 24日" in variant


def test_issuers_rotate_to_known_names_only(corpus_dir, rotation):
    table = load_aliases(corpus_dir)
    text = "教育部 财政部\n工业和信息化部、中科院联合印发。各地教育部门和财政部门负责落实。"
    for copy in range(1, 5):
        variant = generate.make_variant(text, copy, rotation, 6)
        header = variant.split("\n")[0].split()
        assert all(name in table.issuers for name in header)
        assert header != ["教育部", "财政部"]
        assert "教育部门" in variant and "财政部门" in variant    # departments, not ministries
        assert "工业与信息化部" not in variant                  # a name is rewritten whole


def test_rotate_sentences_keeps_heading_and_unfinished_tail():
    line = "（三）加强基础研究。第一句。第二句。第三句。未完"
    rotated = generate.rotate_sentences(line, 1)
    assert rotated == "（三）加强基础研究。第二句。第三句。第一句。未完"
    assert generate.rotate_sentences("一句。两句。", 1) == "一句。两句。"


def test_copies_parse_as_distinct_documents(fixture_corpus, tmp_path):
    """Not folded as near-duplicates, with their own dates, 文号 and issuers."""
    generate.generate(fixture_corpus, tmp_path / "x3", 3)
    corpus = pipeline.build_corpus(tmp_path / "x3")
    documents = corpus.documents
    assert len(documents) == 3 and not corpus.aliases
    assert len({d.id for d in documents}) == 3
    assert len({d.date for d in documents}) == 3
    assert len({d.doc_number for d in documents}) == 3
    assert len({tuple(d.issuers) for d in documents}) == 3


def test_bad_seed_folder_is_a_clear_error(tmp_path):
    with pytest.raises(generate.SeedError, match="no .txt files"):
        generate.generate(tmp_path, tmp_path / "out", 2)


# --- baseline at ×1 ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def seed_corpus(corpus_dir):
    return pipeline.build_corpus(corpus_dir)


@pytest.fixture(scope="module")
def fts(seed_corpus, corpus_dir, tmp_path_factory) -> baseline.Baseline:
    path = tmp_path_factory.mktemp("fts") / "x1.sqlite"
    made = baseline.build(seed_corpus, path)
    assert made.clauses == sum(len(d.clauses) for d in seed_corpus.documents)
    return baseline.Baseline(path, load_aliases(corpus_dir))


def test_baseline_counts_every_clause_containing_a_word(fts, seed_corpus):
    expected = sum("人才" in analysis.normalize(clause_text(c))
                   for d in seed_corpus.documents for c in d.clauses)
    result = fts.search(SearchRequest(q="人才", per_page=10))
    assert result.total == expected > 10
    assert len(result.hits) == 10
    assert all("<mark>人才</mark>" in h.snippet for h in result.hits)
    assert sum(f.count for f in result.facets["year"]) == expected


def test_baseline_filters_agree_with_its_facets(fts):
    unfiltered = fts.search(SearchRequest(q="创新"))
    issuer = unfiltered.facets["issuer"][0]
    year = unfiltered.facets["year"][0]
    assert fts.search(SearchRequest(q="创新", issuers=[issuer.value])).total == issuer.count
    assert fts.search(SearchRequest(q="创新", years=[int(year.value)])).total == year.count


def test_baseline_question_falls_back_to_its_words(fts):
    result = fts.search(SearchRequest(q="如何促进科技成果转化"))
    assert result.total > 0 and not result.partial


def test_baseline_answers_the_whole_mix(fts):
    for q in QUERY_MIX:
        result = fts.search(q.request())
        assert result.total >= len(result.hits)
        assert len(result.hits) <= 10


# --- statistics, report, command line ----------------------------------------------------------

def test_latency_uses_median_and_nearest_rank_p95():
    latency = Latency.of([float(n) for n in range(1, 101)])
    assert (latency.median_ms, latency.p95_ms, latency.samples) == (50.5, 95.0, 100)
    assert Latency.of([]).samples == 0


def _result(scale: int, cesou_ms: float, fts_ms: float, build_s: float) -> ScaleResult:
    run = QueryRun(open_s=0.1, first_ms={}, repeat_ms={"q": [cesou_ms]}, totals={"q": 1},
                   rss_mb=500.0, peak_rss_mb=600.0)
    return ScaleResult(
        scale=scale,
        corpus=CorpusStats(files=5, bytes=1, documents=20 * scale, clauses=756 * scale,
                           text_chars=1, duplicates=0, warnings=0, distinct_titles=1,
                           distinct_doc_numbers=1, issuers=1, years=1),
        build=BuildTimes(pipeline_s=build_s / 2, engine_s=build_s / 2, index_bytes=1, peak_rss_mb=1),
        cesou=run, baseline_build=BaselineBuildTimes(segment_s=1, insert_s=1, bytes=1, peak_rss_mb=1),
        baseline=replace(run, repeat_ms={"q": [fts_ms]}), http=Latency(20.0, 25.0, 1))


def test_targets_are_checked_against_the_measured_numbers():
    targets = {t.name: t for t in report.check_targets(
        [_result(1, 10.0, 1.0, 1.0), _result(10, 20.0, 2.0, 10.0), _result(100, 100.0, 20.0, 200.0)])}
    assert targets["×1 search() p95"].met and targets["×1 HTTP p95"].met
    assert not targets["×100 search() median"].met          # 100 ms > 60 ms
    assert targets["×100 search() p95"].met                 # 100 ms ≤ 150 ms
    assert not targets["×100 p95 vs FTS5"].met              # 5× > 4×
    assert not targets["×100 full rebuild"].met and targets["×100 server memory (RSS)"].met
    assert not targets["×10 → ×100 rebuild growth"].met      # 20×
    text = report.markdown([_result(1, 10.0, 1.0, 1.0)], "## test")
    assert re.search(r"\| ×1 \| 20 \| 756 \|", text)


def test_rebuild_rows_and_memory_targets():
    result = _result(100, 10.0, 10.0, 100.0)
    result.build.all_peak_rss_mb = 1600.0
    result.rebuilds = {"nothing changed": RebuildTimes(seconds=2.0, reused="all", peak_rss_mb=100),
                       "one document added": RebuildTimes(seconds=20.0, reused="9 index segments",
                                                          peak_rss_mb=500, all_peak_rss_mb=900)}
    targets = {t.name: t for t in report.check_targets([result])}
    assert targets["×100 rebuild, nothing changed"].met
    assert not targets["×100 rebuild, one document added"].met       # 20 s > 15 s
    assert not targets["×100 build peak memory, all processes"].met   # 1600 MB > 1536 MB
    text = report.markdown([result], "## test")
    assert "| ×100 | one document added | 20.0 | 0.0 | 500 / 900 | 9 index segments |" in text


def test_process_tree_memory_counts_children():
    import subprocess
    import sys
    from bench import memory
    child = subprocess.Popen([sys.executable, "-c", "import time; x = bytearray(60_000_000); time.sleep(3)"])
    try:
        with memory.PeakSampler(os.getpid()) as peak:
            time.sleep(1.5)
        assert peak.mb >= memory.tree_rss_mb(child.pid) + 50 > 50
    finally:
        child.kill()
        child.wait()


def test_identity_note_flags_folded_copies():
    assert cli.identity_note(_result(10, 1, 1, 1), seed_documents=20) is None
    assert "expected 21 × 10 = 210" in cli.identity_note(_result(10, 1, 1, 1), seed_documents=21)


@pytest.mark.parametrize("argv, message", [
    (["--scales", "1,x"], "comma-separated whole numbers"),
    (["--scales", "0"], "≥ 1"),
    (["--rounds", "0"], "at least 1"),
    (["--timeout", "-5"], "positive number of seconds"),
    (["--corpus", "/nonexistent/corpus"], "seed corpus folder not found"),
])
def test_bad_arguments_get_a_message(argv, message, capsys):
    with pytest.raises(SystemExit) as stop:
        cli.parse_args(argv)
    assert stop.value.code == 2
    assert message in capsys.readouterr().err


def test_the_memory_sampler_says_when_the_peak_was_and_who_held_it():
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(0.6); "
                              "x = bytearray(80_000_000); x[::4096] = b'1' * len(x[::4096]); time.sleep(1.2)"])
    sampler = Sampler(child.pid).start()
    child.wait()
    peak = sampler.stop()
    assert peak.total_pss_mb >= 75 and peak.at_s >= 0.5
    assert peak.at_peak[0][0].startswith("python") and peak.at_peak[0][1] >= 75
