"""One index version per request: a rebuild published in the middle of a request is not seen
by the rest of that request (no mix, no 500), and is served from the next request on."""
from __future__ import annotations

from pathlib import Path

from app import create_app
from indexer import config, index
from indexer.records import Clause, Corpus, Document
from web import site


def corpus_of(*doc_ids: str) -> Corpus:
    documents = [Document(id=d, title=f"关于{d}的测试文件", doc_number="", issuers=["国务院"],
                          date="2020-01-01", doc_type="意见", source=f"{d}.txt",
                          clauses=[Clause(id="1", label="一、", heading="", text=f"加强基础研究{d}。",
                                          parent=None, kind="section"),
                                   Clause(id="2", label="二、", heading="", text="完善人才评价。",
                                          parent=None, kind="section")])
                 for d in doc_ids]
    return Corpus(documents=documents, aliases={}, warnings=[])


def publish(folder: Path, corpus: Corpus) -> None:
    with index.build_lock(folder):
        index.publish(corpus, config.corpus_dir(), folder)


def test_a_rebuild_during_a_request_is_not_seen_by_that_request(tmp_path, monkeypatch):
    publish(tmp_path, corpus_of("keep", "drop"))
    client = create_app({"CESOU_INDEX": tmp_path}).test_client()
    assert client.get("/d/drop/1").status_code == 200          # the engine is open

    # Between the view's first and later reads of the index, a rebuild without "drop" is
    # published (the view reads the document, then its outline, then related clauses).
    outline = site.present.outline
    calls = []

    def rebuild_then_outline(doc):
        calls.append(doc.id)
        if len(calls) == 1:     # (publishing itself walks outlines: those calls come after)
            publish(tmp_path, corpus_of("keep"))
        return outline(doc)
    monkeypatch.setattr(site.present, "outline", rebuild_then_outline)

    page = client.get("/d/drop/1")
    assert calls and page.status_code == 200, page.get_data(as_text=True)[:300]
    assert "加强基础研究drop" in page.get_data(as_text=True)
    monkeypatch.setattr(site.present, "outline", outline)
    # The next request sees the new version: the dropped document is gone.
    assert client.get("/d/drop/1").status_code == 404
    assert client.get("/d/keep/1").status_code == 200


def test_every_call_of_one_request_reads_one_snapshot(tmp_path):
    publish(tmp_path, corpus_of("a"))
    app = create_app({"CESOU_INDEX": tmp_path})
    with app.test_request_context("/"):
        from web.engine import searcher
        first = searcher()
        publish(tmp_path, corpus_of("b"))
        assert searcher() is first and first.document("a") is not None
    with app.test_request_context("/"):
        assert searcher().document("b") is not None and searcher().document("a") is None
