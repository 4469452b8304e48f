"""Echoes: reused wording across documents, found by the banded sketch as an exact check would."""
from __future__ import annotations

import csv
import io
import random
from collections import Counter
from dataclasses import replace
from itertools import combinations

import pytest

from analytics_support import clause, document
from indexer import analytics_files, store
from indexer.analytics.common import csv_text
from indexer.analysis import normalize
from indexer.clausetext import clause_text as displayed_text
from indexer.analytics import echoes
from indexer.analytics.echoes import (COLUMNS, EchoClauses, EchoInput, EchoState, band_keys, compute,
                                      diff_html, echo_inputs, echoes_by_clause, echo_rows,
                                      echoes_from_json, echoes_to_json, find_echoes,
                                      shingles, sketch, skeleton)

CENTRAL = "各地区各部门要加强基础研究人才队伍建设，完善以创新能力、质量、贡献为导向的科技人才评价体系，2017年底前出台实施细则。"
LOCAL = "各地区各部門要加強基礎研究人才隊伍建設，完善以創新能力、質量、貢獻為導向的科技人才評價體系，２０１７年底前出台實施細則。"
REWORDED = "各地区各部门要强化基础研究人才队伍建设，完善以创新能力、质量、贡献为导向的科技人才评价体系，2017年底前出台实施细则。"
OTHER = "推动高等学校与科研院所联合培养研究生，支持企业设立博士后科研工作站，促进产学研深度融合发展。"


def corpus():
    return [
        document("central", [clause("3", CENTRAL, label="三、"), clause("4", OTHER)],
                 issuers=("国务院",), date="2016-05-01"),
        document("province", [clause("2.1", LOCAL, label="（一）"), clause("2.2", CENTRAL)],
                 issuers=("某省人民政府",), date="2018-01-01"),
        document("ministry", [clause("7", REWORDED), clause("8", "本办法自发布之日起施行。")],
                 issuers=("教育部", "科技部"), date="2017-09"),
        document("late", [clause("1", "本办法自发布之日起施行。")], date="2019-01-01"),
    ]


def test_skeleton_folds_width_variants_and_punctuation():
    assert skeleton(normalize(LOCAL)) == skeleton(normalize(CENTRAL))
    assert skeleton(normalize("二○一七年「试点」")) == skeleton(normalize("二〇一七年“试点”"))


def test_finds_reused_wording_across_documents_only():
    pairs = find_echoes(echo_inputs(corpus()), threshold=0.5)
    found = {((p.doc_a, p.clause_a), (p.doc_b, p.clause_b)): p.similarity for p in pairs}
    assert found[(("central", "3"), ("province", "2.1"))] == 1.0    # traditional + full width
    assert found[(("central", "3"), ("province", "2.2"))] == 1.0
    assert 0.5 <= found[(("central", "3"), ("ministry", "7"))] < 1.0
    assert 0.5 <= found[(("ministry", "7"), ("province", "2.1"))] < 1.0    # earlier document first
    assert all(p.doc_a != p.doc_b for p in pairs)               # 2.1 / 2.2 of one document: no pair
    assert not any("4" in (p.clause_a, p.clause_b) and p.doc_a == "central" for p in pairs)
    assert not any(p.doc_b == "late" for p in pairs)            # short stock phrase: left out
    assert [p.similarity for p in pairs] == sorted((p.similarity for p in pairs), reverse=True)


def test_index_texts_give_the_same_inputs():
    documents = corpus()
    index_texts = [normalize(displayed_text(c)) for d in documents for c in d.clauses]
    assert echo_inputs(documents, index_texts) == echo_inputs(documents)


def test_by_clause_json_and_csv():
    pairs = find_echoes(echo_inputs(corpus()), threshold=0.5)
    by_clause = echoes_by_clause(pairs)
    assert [e[:2] for e in by_clause[("central", "3")]][:2] == [("province", "2.1"), ("province", "2.2")]
    assert echoes_from_json(echoes_to_json(pairs)) == pairs
    rows = list(csv.reader(io.StringIO(csv_text(COLUMNS, echo_rows(pairs, corpus())))))
    assert rows[0] == [zh for _, zh in COLUMNS] and len(rows) == 1 + len(pairs)
    row = dict(zip(rows[0], rows[1]))
    assert row["日期甲"] == "2016-05-01" and row["发文机关乙"] == "某省人民政府"
    assert row["链接甲"] == "/d/central/3"


def test_diff_marks_changes_and_ignores_width_and_variants():
    html = diff_html("加强基础研究，2017年<b>", "强化基础研究，２０１７年<i>")
    assert "<del>加</del>" in html or "<del>加强</del>" in html
    assert "<ins>化</ins>" in html or "<ins>强化</ins>" in html
    assert "２０１７" not in html.split("<ins>")[-1] and "2017" in html     # width: not a change
    assert "&lt;" in html and "<b>" not in html and "<i>" not in html
    assert diff_html(CENTRAL, LOCAL).count("<ins>") == 0          # variants only: nothing marked


def mutate(text: str, rng: random.Random, changes: int) -> str:
    chars = list(text)
    for _ in range(changes):
        chars[rng.randrange(len(chars))] = rng.choice("的和与及并或而且在对")
    return "".join(chars)


def test_sketch_finds_what_an_exact_comparison_finds():
    rng = random.Random(15)
    alphabet = "科技教育人才创新研究发展建设改革管理服务体系机制政策资金项目平台基地企业高校院所"
    bases = ["".join(rng.choice(alphabet) for _ in range(120)) for _ in range(30)]
    inputs = [EchoInput(doc_id=f"d{f}-{k}", clause_id="1", text=mutate(base, rng, k * 2))
              for f, base in enumerate(bases) for k in range(6)]
    found = {(p.doc_a, p.doc_b) for p in find_echoes(inputs, threshold=0.7)}
    sets = [shingles(skeleton(i.text)) for i in inputs]
    exact = {tuple(sorted((inputs[a].doc_id, inputs[b].doc_id)))
             for a, b in combinations(range(len(inputs)), 2)
             if len(sets[a] & sets[b]) / len(sets[a] | sets[b]) >= 0.7}
    assert len(exact) > 60
    assert {tuple(sorted(p)) for p in found} <= exact            # no false echoes
    assert len(found) >= 0.9 * len(exact)                        # and few missed


# --- the rule is a property of the pair; incremental = full ---------------------------------

def synthetic(rng: random.Random, bases: int = 12, copies: int = 6) -> list[EchoInput]:
    """`copies` documents of `bases` clauses each; clause f of every document is a reworded
    copy of the same text (copy k: k characters changed)."""
    alphabet = "科技教育人才创新研究发展建设改革管理服务体系机制政策资金项目平台基地企业高校院所"
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randrange(25, 160)))
             for _ in range(bases)]
    return [EchoInput(doc_id=f"d{k}", clause_id=str(f), text=mutate(t, rng, k),
                      date=f"20{10 + k % 3:02d}-01-01")
            for k in range(copies) for f, t in enumerate(texts)]


def table_of(inputs: list[EchoInput]) -> EchoClauses:
    table = EchoClauses()
    for i in sorted(inputs, key=lambda i: i.doc_id):       # a document's clauses together
        table.add(i.doc_id, i.clause_id, i.date, sketch(i.text), i.text)
    return table


def test_incremental_compute_gives_the_full_result():
    rng = random.Random(12)
    inputs = synthetic(rng)
    rows, state = compute(table_of(inputs))
    assert len(rows) > 50
    for step in range(6):
        if step % 3 == 0:                                   # add a document
            base = rng.choice(inputs)
            inputs.append(EchoInput(doc_id=f"new{step}", clause_id="1", text=mutate(base.text, rng, 4),
                                    date="2015-06-01"))
        elif step % 3 == 1:                                 # change a clause
            k = rng.randrange(len(inputs))
            inputs[k] = replace(inputs[k], text=mutate(inputs[k].text, rng, 6))
        else:                                               # remove a document
            inputs.pop(rng.randrange(len(inputs)))
        incremental, state = compute(table_of(inputs), previous=EchoState.from_bytes(state.to_bytes()))
        assert incremental == compute(table_of(inputs))[0], step
        assert incremental == [(p.doc_a, p.clause_a, p.doc_b, p.clause_b, p.similarity)
                               for p in find_echoes(inputs)]


def test_incremental_compute_checks_only_pairs_with_a_new_clause(monkeypatch):
    inputs = synthetic(random.Random(3))
    _, state = compute(table_of(inputs))
    checked = []
    real = echoes._compare
    monkeypatch.setattr(echoes, "_compare", lambda a, *rest: (checked.append(a), real(a, *rest)))
    added = replace(inputs[0], doc_id="new")
    table = table_of(inputs + [added])
    compute(table, previous=state)
    assert [table.doc_ids[a] for a in checked] == ["new"]
    checked.clear()
    other_rule = replace(state, rule="another")           # another rule: nothing reused
    compute(table, previous=other_rule)
    assert len(checked) > len(inputs) // 2


def test_incremental_compute_keeps_the_order_when_dates_change_or_clauses_go():
    """Reused pairs keep their stored order only while no kept clause's date changed; a
    changed date, a removed document and an added one each give the full result."""
    rng = random.Random(21)
    inputs = synthetic(rng)
    _, state = compute(table_of(inputs))
    redated = [replace(i, date="2009-01-01") if i.doc_id == "d4" else i for i in inputs]
    assert compute(table_of(redated), previous=state)[0] == compute(table_of(redated))[0]
    fewer = [i for i in inputs if i.doc_id != "d2"]
    assert compute(table_of(fewer), previous=state)[0] == compute(table_of(fewer))[0]
    more = inputs + [replace(i, doc_id="d9", date="2013-01-01") for i in inputs if i.doc_id == "d1"]
    incremental = compute(table_of(more), previous=state)
    assert incremental[0] == compute(table_of(more))[0]
    assert incremental[1] == compute(table_of(more))[1]


def test_rows_follow_the_documented_order():
    """Most similar first; in a pair the earlier document (date, id, clause id) first; ties by
    the two clauses' ids — across documents of mixed dates, ids and similarities."""
    rng = random.Random(33)
    inputs = synthetic(rng, copies=8)
    dated = {i.doc_id: rng.choice(["2012-01-01", "2016-07", "2016-07-01", "2020"]) for i in inputs}
    inputs = [replace(i, date=dated[i.doc_id]) for i in inputs]
    table = table_of(inputs)
    rows, _ = compute(table)
    dates = dict(zip(table.doc_ids, table.dates))
    assert len({s for *_, s in rows}) > 5 and len(rows) > 40
    for doc_a, clause_a, doc_b, clause_b, _ in rows:
        assert (dates[doc_a], doc_a, clause_a) < (dates[doc_b], doc_b, clause_b)
    assert rows == sorted(rows, key=lambda r: (-r[4], r[0], r[1], r[2], r[3]))


def test_the_echo_index_lists_each_clause_s_echoes_as_the_pairs_do(tmp_path):
    """Every clause's entries in the index are its pairs (under both clauses of a pair), with
    docnums counting unsketched clauses too; read from a memory map as from bytes."""
    inputs = synthetic(random.Random(4))
    table = table_of(inputs)
    rows, state = compute(table)
    assert len(rows) > 40
    # A version's clauses: every sketched one, with an unsketched (too short) one before each.
    docnums = [2 * i + 1 for i in range(len(table))]
    clauses = 2 * len(table) + 1
    data = b"".join(echoes.index_parts(state, docnums, clauses))
    (tmp_path / store.ECHO_INDEX).write_bytes(data)
    mapped = analytics_files.read_echo_index(tmp_path)
    key_of = {docnums[i]: (d, c) for i, (d, c) in enumerate(zip(table.doc_ids, table.clause_ids))}
    expected = echoes_by_clause(echoes_from_json(rows))
    for index in (echoes.EchoIndex(data), mapped):
        assert index.of(0) == [] and index.of(clauses) == [] and index.of(-1) == []
        for docnum in range(clauses):
            found = sorted(((*key_of[p], t / 1000) for p, t in index.of(docnum)),
                           key=lambda e: (-e[2], e[0], e[1]))
            assert found == expected.get(key_of.get(docnum), []), docnum
    for bad in (b"", data[:-2], data + b"\0\0", b"CESOUEIY" + data[8:], data[:8] + b"\2" + data[9:]):
        (tmp_path / store.ECHO_INDEX).write_bytes(bad)
        assert analytics_files.read_echo_index(tmp_path) is None


def test_pairs_stream_the_rows():
    _, state = compute(table_of(synthetic(random.Random(5))))
    assert [(p.doc_a, p.clause_a, p.doc_b, p.clause_b, p.similarity) for p in state.pairs()] == state.rows()


def test_the_state_round_trips_and_anything_else_reads_as_none():
    _, state = compute(table_of(synthetic(random.Random(6))))
    data = state.to_bytes()
    assert EchoState.from_bytes(data) == state and len(state.t) > 50
    assert EchoState.from_bytes(b"") is None
    assert EchoState.from_bytes(b'{"rule": "x", "clauses": [], "pairs": [[], [], []]}') is None  # format 1
    assert EchoState.from_bytes(data[:-1]) is None
    assert EchoState.from_bytes(data + b"\0") is None
    old_format = f'"format": {echoes.STATE_FORMAT}'.encode()
    assert old_format in data
    assert EchoState.from_bytes(data.replace(old_format, b'"format": 9', 1)) is None
    assert state.keys and EchoState.from_bytes(data).keys == state.keys
    assert EchoState.from_bytes(echoes.STATE_MAGIC + b"\xff" * 40) is None
    # Written in parts, the pairs straight from the state's own arrays (no copies held).
    parts = state.to_parts()
    assert {id(part.obj) for part in parts if isinstance(part, memoryview)} >= {id(state.a), id(state.b), id(state.t)}


def test_the_state_is_written_and_indexed_in_chunks_as_whole(tmp_path, monkeypatch):
    """The state file's band keys made a few clauses at a time are the bytes made at once; the
    index made from the file, a few pairs at a time, is the index made from the state."""
    _, state = compute(table_of(synthetic(random.Random(7))))
    whole = state.to_bytes()
    monkeypatch.setattr(echoes, "KEY_CHUNK", 3)
    assert state.to_bytes() == whole and len(state.keys) > 3 * 10
    path = tmp_path / store.ECHO_STATE
    store.write_bytes(path, state.to_parts())
    assert EchoState.from_bytes(path.read_bytes()) == state
    docnums = [3 * i for i in range(len(state.doc_ids))]
    clauses = 3 * len(state.doc_ids)
    monkeypatch.setattr(echoes.StatePairs, "CHUNK", 7)
    from_file = echoes.StatePairs(path)
    assert from_file.count == len(state.t) > 7 * 5
    assert [x for chunk in from_file.pair_columns() for x in chunk[2]] == list(state.t)
    assert (b"".join(echoes.index_parts(from_file, docnums, clauses))
            == b"".join(echoes.index_parts(state, docnums, clauses)))
    for bad in (b"CESOUEIX" + whole[8:], whole[:24 + 10 * len(state.t)], b""):
        (tmp_path / "other").write_bytes(bad)
        with pytest.raises(ValueError):
            echoes.StatePairs(tmp_path / "other")


def test_ordering_drains_the_found_pairs():
    """`_ordered` takes the pairs from the end of the found arrays, cutting each chunk off as
    it goes (it never holds them twice), and orders them as the rows are published."""
    table = table_of(synthetic(random.Random(8)))
    rows, _ = compute(table)
    number = {key: i for i, key in enumerate(zip(table.doc_ids, table.clause_ids))}
    triples = [(*sorted((number[da, ca], number[db, cb])), round(s * 1000))
               for da, ca, db, cb, s in rows]

    def found_of(items):
        return echoes._Found(*zip(*items))

    found, taken, held = found_of(triples), [], []
    for pair in found.drain(chunk=5):
        taken.append(pair)
        held.append(len(found))
    assert taken[:5] == triples[-5:] and sorted(taken) == sorted(triples) and len(triples) > 20
    assert held[0] == len(triples) - 5 and held == sorted(held, reverse=True) and not found
    found = found_of(reversed(triples))
    a, b, t = echoes._ordered(table, found)
    assert not found
    assert [(table.doc_ids[x], table.clause_ids[x], table.doc_ids[y], table.clause_ids[y], s / 1000)
            for x, y, s in zip(a, b, t)] == rows


def test_a_big_bucket_pairs_every_member():
    """A wording in 100 documents: each of the 4,950 pairs is an echo, up to MAX_BUCKET
    clauses a band key (the old rule paired each member with only the next 64 of a bucket)."""
    inputs = [EchoInput(doc_id=f"d{k:03d}", clause_id="1", text=CENTRAL) for k in range(100)]
    assert len(find_echoes(inputs)) == 100 * 99 // 2
    assert len(find_echoes(inputs, max_bucket=99)) == 0      # every key common: no candidates


def reference_pairs(inputs: list[EchoInput], max_bucket: int) -> set[frozenset]:
    """The rule as the module docstring states it, by brute force on string shingles: two
    clauses of different documents sharing a band key that at most `max_bucket` clauses hold,
    with a Jaccard of at least 0.7."""
    keys = [set(band_keys(skeleton(i.text))) if len(skeleton(i.text)) >= 30 else set() for i in inputs]
    holders = Counter(k for found in keys for k in found)
    expected = set()
    for a, b in combinations(range(len(inputs)), 2):
        x, y = inputs[a], inputs[b]
        if x.doc_id != y.doc_id and any(holders[k] <= max_bucket for k in keys[a] & keys[b]):
            sa, sb = shingles(skeleton(x.text)), shingles(skeleton(y.text))
            if len(sa & sb) / len(sa | sb) >= 0.7:
                expected.add(frozenset([(x.doc_id, x.clause_id), (y.doc_id, y.clause_id)]))
    return expected


def test_a_common_band_key_makes_no_candidates():
    """With a small MAX_BUCKET the pairs are those sharing an uncommon key, as brute force finds."""
    inputs = synthetic(random.Random(9), bases=8, copies=12)
    for max_bucket in (3, 6, 1000):
        found = {frozenset([(p.doc_a, p.clause_a), (p.doc_b, p.clause_b)])
                 for p in find_echoes(inputs, max_bucket=max_bucket)}
        assert found == reference_pairs(inputs, max_bucket), max_bucket
    assert len(reference_pairs(inputs, 3)) < len(reference_pairs(inputs, 1000))


def test_incremental_compute_follows_keys_becoming_common_and_uncommon(monkeypatch):
    """Adding copies pushes band keys over MAX_BUCKET (their pairs between unchanged clauses
    go), removing them brings keys back under it (pairs between unchanged clauses that were
    no candidates come back): each step equals a full computation, and both kinds of change
    happen."""
    rng = random.Random(31)
    inputs = synthetic(rng, bases=6, copies=5)
    flips = []
    real = echoes._flipped
    monkeypatch.setattr(echoes, "_flipped", lambda *a: flips.append(real(*a)) or flips[-1])
    _, state = compute(table_of(inputs), max_bucket=5)
    for step in range(8):
        if step < 4:                                        # add a reworded copy of d1
            inputs = inputs + [replace(i, doc_id=f"n{step}", text=mutate(i.text, rng, 1))
                               for i in inputs if i.doc_id == "d1"]
        else:                                               # remove one of them, or d0
            gone = rng.choice(sorted({i.doc_id for i in inputs}))
            inputs = [i for i in inputs if i.doc_id != gone]
        rows, state = compute(table_of(inputs), previous=EchoState.from_bytes(state.to_bytes()),
                              max_bucket=5)
        assert rows == compute(table_of(inputs), max_bucket=5)[0], step
    assert any(common for common, _ in flips) and any(rare for _, rare in flips)


def test_a_clause_is_compared_on_its_text_after_its_label():
    """The build's table holds each clause's normalised displayed text and where its label
    ends (no copy without the label): the same pairs as a table of the texts without labels,
    however long the labels; a sketch counts the distinct shingles of its skeleton."""
    rng = random.Random(5)
    inputs = synthetic(rng, bases=6, copies=4)
    labelled = EchoClauses()
    for n, i in enumerate(inputs):
        label = normalize(f"第{n + 1}条" if n % 3 else f"（{n}）")
        text = f"{label} {i.text}" if n % 2 else i.text
        start = echoes.label_length(text, label)
        assert text[start:].strip() == i.text
        labelled.add(i.doc_id, i.clause_id, i.date, sketch(text[start:]), text, start)
    assert compute(labelled)[0] == compute(table_of(inputs))[0]
    for i in inputs[:24]:
        assert sketch(i.text).size == len(shingles(skeleton(i.text)))


def test_pairs_are_those_an_exact_check_of_every_shared_band_key_finds():
    """The reference: string shingles, every pair sharing a band key compared (the rule as the
    module docstring states it), on inputs with many shared keys."""
    inputs = synthetic(random.Random(8), bases=10, copies=8)
    keys = [set(band_keys(skeleton(i.text))) if len(skeleton(i.text)) >= 30 else set() for i in inputs]
    expected = set()
    for a, b in combinations(range(len(inputs)), 2):
        x, y = inputs[a], inputs[b]
        if x.doc_id != y.doc_id and keys[a] & keys[b]:
            sa, sb = shingles(skeleton(x.text)), shingles(skeleton(y.text))
            similarity = len(sa & sb) / len(sa | sb)
            if similarity >= 0.7:
                expected.add(frozenset([(x.doc_id, x.clause_id), (y.doc_id, y.clause_id)]))
    found = {frozenset([(p.doc_a, p.clause_a), (p.doc_b, p.clause_b)]) for p in find_echoes(inputs)}
    assert len(expected) > 40 and found == expected


def test_a_long_clause_without_cjk_characters_has_no_band_key_and_no_echo():
    latin = "The World Academy of Sciences TWAS fellowships 2017 for young scientists"
    inputs = [EchoInput(doc_id=f"d{k}", clause_id="1", text=normalize(latin)) for k in range(3)]
    assert sketch(inputs[0].text).keys == ()
    assert find_echoes(inputs) == []
    rows, state = compute(table_of(inputs))
    assert compute(table_of(inputs), previous=state)[0] == rows == []


def test_dropping_the_bitmaps_between_clauses_changes_nothing(monkeypatch):
    """With room for only a few bitmaps they are dropped (with their numbering) again and
    again between two clauses' comparisons; the pairs and similarities stay the same."""
    table = table_of(synthetic(random.Random(41), bases=10, copies=8))
    full = compute(table)[0]
    dropped = []
    monkeypatch.setattr(echoes._Bitmaps, "CAPACITY", 5)
    real = echoes._Bitmaps.trim
    monkeypatch.setattr(echoes._Bitmaps, "trim",
                        lambda self: (dropped.append(len(self.alive) > 5), real(self)))
    assert compute(table)[0] == full and len(full) > 50
    assert sum(dropped) > 10

