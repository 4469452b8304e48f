"""inspect and export: the CLI views of the parsed corpus, and bad files reported by name."""
from __future__ import annotations

import json
import shutil

from indexer.__main__ import main
from indexer.records import Clause, Document
from indexer.store import export_dict as document_to_json

DOCUMENT_KEYS = ["id", "title", "doc_number", "issuers", "date", "doc_type", "themes", "source",
                 "source_url", "attachments", "aliases", "press_summary", "clauses"]
CLAUSE_KEYS = ["id", "label", "heading", "text", "parent", "fields"]
GOOD_FILE = "中国科学院率先行动计划暨全面深化改革纲要-2014.txt"


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_inspect_lists_every_document_and_the_alias(capsys, corpus_dir):
    code, out, _ = run(capsys, "inspect", "--corpus", str(corpus_dir))
    assert code == 0
    lines = out.splitlines()
    rows = lines[1:lines.index("")]
    assert len(rows) == 20
    assert "20 documents" in out
    assert "2017-10-24-sswgjkjc-gh → gkfj-2017-322" in out
    header = lines[0].split()
    assert header == ["id", "date", "type", "issuers", "文号", "clauses", "title"]
    assert any(r.startswith("gf-2017-35 ") and "新一代人工智能发展规划" in r and "国务院" in r
               for r in rows)
    assert "warnings:" not in out


def test_export_writes_one_json_document_per_line(capsys, corpus_dir, tmp_path):
    out_file = tmp_path / "corpus.jsonl"
    code, out, _ = run(capsys, "export", "--corpus", str(corpus_dir), "--out", str(out_file))
    assert code == 0 and out == ""
    lines = out_file.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 20
    documents = [json.loads(line) for line in lines]
    for document in documents:
        assert list(document) == DOCUMENT_KEYS
        assert document["clauses"] and all(list(c) == CLAUSE_KEYS for c in document["clauses"])
    assert "“" in lines[0] or "的" in lines[0]       # UTF-8 text, not \u escapes
    [kept] = [d for d in documents if d["id"] == "gkfj-2017-322"]
    assert kept["aliases"] == ["2017-10-24-sswgjkjc-gh"]
    clause_ids = {c["id"] for d in documents for c in d["clauses"]}
    assert all(c["parent"] is None or c["parent"] in clause_ids
               for d in documents for c in d["clauses"])


def test_export_to_stdout_round_trips(capsys, tmp_path, corpus_dir):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(corpus_dir / GOOD_FILE, corpus)
    code, out, _ = run(capsys, "export", "--corpus", str(corpus))
    assert code == 0
    [line] = out.splitlines()
    document = json.loads(line)
    assert document["title"] == "中国科学院“率先行动”计划暨全面深化改革纲要"
    assert document["date"] == "2014-07-07"


def test_bad_files_are_reported_by_name_and_the_rest_still_builds(capsys, tmp_path, corpus_dir):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(corpus_dir / GOOD_FILE, corpus)
    (corpus / "乱码.txt").write_bytes(bytes(range(0x80, 0x100)) * 8 + b"\x00\xff\xfe\x00" * 50)
    (corpus / "无结构.txt").write_text(
        "这是一段没有标题、没有日期、也没有编号的说明文字。\n\n第二段同样没有结构。\n", encoding="utf-8")
    code, out, _ = run(capsys, "inspect", "--corpus", str(corpus))
    assert code == 0
    warnings = out.split("warnings:")[1]
    assert "乱码.txt" in warnings
    assert "无结构.txt" in warnings and "no recognisable structure" in warnings
    assert "中国科学院“率先行动”计划暨全面深化改革纲要" in out
    assert "2 documents" in out


def test_missing_corpus_folder_is_a_clear_error(capsys, tmp_path):
    code, out, err = run(capsys, "inspect", "--corpus", str(tmp_path / "nowhere"))
    assert code == 2
    assert "corpus folder not found" in err and "Traceback" not in err


def test_document_to_json_has_exactly_the_export_keys():
    clause = Clause(id="1", label="一、", heading="总体要求", text="正文", parent=None, kind="section")
    document = Document(id="gf-2017-35", title="规划", doc_number="国发〔2017〕35号", issuers=["国务院"],
                        date="2017-07-08", doc_type="规划", source="x.txt", clauses=[clause])
    data = document_to_json(document)
    assert list(data) == DOCUMENT_KEYS
    assert data["clauses"] == [{"id": "1", "label": "一、", "heading": "总体要求", "text": "正文",
                                "parent": None, "fields": {}}]


def test_export_to_an_unwritable_place_is_a_clear_error(capsys, tmp_path, corpus_dir):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(corpus_dir / GOOD_FILE, corpus)
    target = tmp_path / "missing-folder" / "out.jsonl"
    code, _, err = run(capsys, "export", "--corpus", str(corpus), "--out", str(target))
    assert code == 2
    assert f"cannot write {target}" in err and "Traceback" not in err
