"""The judged query set is valid for the real corpus and the engine meets its targets on it."""
from __future__ import annotations

import pytest

from indexer import relevance
from indexer.search import Engine

RECALL_TARGET = 0.9
MRR_TARGET = 0.8
KIND_FLOOR = 0.75      # no query kind far behind the others


@pytest.fixture(scope="module")
def engine(built_index):
    return Engine(built_index)


@pytest.fixture(scope="module")
def scores(engine):
    return relevance.evaluate(engine, relevance.load_judgments())


def test_the_judged_set_covers_every_kind():
    judgments = relevance.load_judgments()
    kinds = {j.kind for j in judgments}
    assert len(judgments) >= 30
    assert {"word", "phrase", "synonym", "traditional", "question", "filter", "known"} <= kinds


def test_every_judged_clause_exists(engine):
    missing = [(j.request.q, doc, clause) for j in relevance.load_judgments()
               for doc, clause in j.relevant
               if (engine.document(doc) if clause == "" else engine.clause(doc, clause)) is None]
    assert not missing


def test_recall_and_mrr_meet_the_targets(scores):
    summary = relevance.summary(scores)
    _, recall, mrr = summary.pop("all")
    assert recall >= RECALL_TARGET and mrr >= MRR_TARGET, relevance.report(scores)
    for kind, (_, kind_recall, kind_mrr) in summary.items():
        assert kind_recall >= KIND_FLOOR and kind_mrr >= KIND_FLOOR, (kind, relevance.report(scores))


def test_scores_are_computed_from_the_ranking():
    judgment = relevance.Judgment(relevance.SearchRequest(q="x"), "word", [("a", "1"), ("b", "2")])

    class FakeEngine:
        def search(self, request):
            class Hit:
                def __init__(self, doc, clause):
                    self.doc_id, self.clause_id = doc, clause
            return type("Result", (), {"hits": [Hit("c", "9"), Hit("b", "2")]})()

    s = relevance.score(FakeEngine(), judgment)
    assert s.recall == 0.5 and s.reciprocal_rank == 0.5


def test_a_broken_judgment_file_is_a_clear_error(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[[query]]\nq = "x"\nrelevant = ["#1"]\n', encoding="utf-8")
    with pytest.raises(relevance.JudgmentError, match="document#clause"):
        relevance.load_judgments(bad)
    bad.write_text('[[query]]\nq = "x"\nrelevant = ["a#1"]\ncolour = "red"\n', encoding="utf-8")
    with pytest.raises(relevance.JudgmentError, match="colour"):
        relevance.load_judgments(bad)


def test_known_items_are_the_first_card(scores):
    """A 文号 in any bracket form, a title or a short title names its document first."""
    known = [s for s in scores if s.judgment.kind == "known"]
    assert len(known) >= 10
    assert all(s.reciprocal_rank == 1.0 for s in known), relevance.report(known)
