"""indexer/xlsx.py: the streamed XLSX writer, read back with openpyxl."""
from __future__ import annotations

import csv
import io
import zipfile

import pytest
from openpyxl import load_workbook

from hypothesis import given, settings
from hypothesis import strategies as st

from indexer import xlsx
from indexer.text import csv_field, csv_lines


@pytest.mark.parametrize("number, letters", [(1, "A"), (2, "B"), (26, "Z"), (27, "AA"), (52, "AZ"),
                                             (53, "BA"), (702, "ZZ"), (703, "AAA")])
def test_column_letters(number, letters):
    assert xlsx.column_letter(number) == letters


def read(sheets) -> object:
    return load_workbook(io.BytesIO(b"".join(xlsx.stream(sheets))))


def test_cells_header_frozen_row_widths_and_second_sheet():
    rows = [[1, "=SUM(A1)", None, "", "a & b <c>", " 前后空格 ", True], [2, "第二行"]]
    book = read([xlsx.Sheet(name="条款", header=["序号", "文本", "空", "空2", "转义", "空格", "布尔"],
                            rows=rows, freeze_header=True, widths={2: 40}),
                 xlsx.Sheet(name="列说明", rows=[["表头", "key"]])])
    sheet = book["条款"]
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["B"].width == 40
    assert sheet.cell(row=1, column=1).font.b
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert values[1] == [1, "=SUM(A1)", None, None, "a & b <c>", " 前后空格 ", "True"]
    assert values[2][:2] == [2, "第二行"]
    assert sheet.cell(row=2, column=2).data_type == "s"          # text, never a formula
    assert [list(r) for r in book["列说明"].iter_rows(values_only=True)] == [["表头", "key"]]


def test_control_characters_dropped_and_long_cells_cut():
    long = "长" * (xlsx.MAX_CELL_CHARS + 10)
    book = read([xlsx.Sheet(name="s", rows=[["a\x07b\x00c", long]])])
    a, b = next(book.worksheets[0].iter_rows(values_only=True))
    assert a == "abc" and len(b) == xlsx.MAX_CELL_CHARS


def test_rows_stream_in_pieces_and_make_one_valid_zip():
    # Text that does not compress to nothing, as clause text does not: the compressor's own
    # buffer would otherwise hold a small sheet whole.
    count = xlsx.FIRST_CHUNK_ROWS + 2 * xlsx.ROWS_PER_CHUNK
    rows = ([n, f"第{n}行", "".join(chr(0x4E00 + (n * 7919 + i * 104729) % 20000) for i in range(200))]
            for n in range(count))
    pieces = [p for p in xlsx.stream([xlsx.Sheet(name="s", rows=rows)]) if p]
    assert len(pieces) > 3                      # not held whole until the end
    data = b"".join(pieces)
    assert zipfile.ZipFile(io.BytesIO(data)).testzip() is None
    values = list(load_workbook(io.BytesIO(data)).worksheets[0].iter_rows(values_only=True))
    assert len(values) == count and values[-1][:2] == (count - 1, f"第{count - 1}行")


def test_write_to_a_path(tmp_path):
    xlsx.write(tmp_path / "a.xlsx", [xlsx.Sheet(name="s", rows=[["x"]])])
    assert load_workbook(tmp_path / "a.xlsx").worksheets[0]["A1"].value == "x"


def test_csv_lines_in_pieces_are_the_same_text():
    rows = [[n, "=x", ["甲", "乙"], None] for n in range(1234)]
    pieces = list(csv_lines(rows, chunk_rows=100))
    assert len(pieces) == 13
    assert "".join(pieces) == "".join(csv_lines(rows, chunk_rows=10_000))
    assert pieces[0].startswith("0,'=x,甲；乙,\r\n")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from(list(',"\r\n \t;\'=甲a\x00\u2028')) | st.characters(),
                        max_size=8), min_size=2, max_size=4))
def test_csv_field_quotes_as_csv_writer_does(cells):
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow(cells)
    assert ",".join(map(csv_field, cells)) + "\r\n" == out.getvalue()


def test_shared_runs_give_the_cells_they_stand_for():
    """A run of cells given once as xlsx.Shared (a document's cells in each of its clauses' rows)
    reads back as the same cells in every row, wherever the row puts it."""
    doc = xlsx.Shared(["标题 & <一>", "", 2017, None, " 前后空格 ", "a\x07b"])
    plain = [[n, "条款", *doc.cells, "正文\n第二段"] for n in range(3)]
    shared = [[n, "条款", doc, "正文\n第二段"] for n in range(3)]
    header = ["n", "c", "t", "e", "y", "none", "s", "ctl", "text"]
    a, b = (list(read([xlsx.Sheet(name="s", header=header, rows=rows)]).worksheets[0].iter_rows(values_only=True))
            for rows in (plain, shared))
    assert a == b
    assert a[1] == (0, "条款", "标题 & <一>", None, 2017, None, " 前后空格 ", "ab", "正文\n第二段")
    assert a[3][0] == 2


_TEXT = st.one_of(st.just(""), st.none(), st.text(alphabet=st.sampled_from(
    list("人才基础研究 \n\t&<>\"'=\x07\x1fab\ufffe")), max_size=12))


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_a_layout_row_is_written_as_the_general_path_writes_it(data):
    layout = (int, 1, str, 3, str, str, 1)
    shared = [xlsx.Shared(data.draw(st.lists(_TEXT | st.integers(0, 3000), min_size=n, max_size=n)))
              for n in (1, 3, 1)]
    row = [data.draw(st.none() | st.integers(0, 10**6)), shared[0], data.draw(_TEXT), shared[1],
           data.draw(_TEXT), data.draw(_TEXT), shared[2]]
    number = data.draw(st.integers(1, 10**6))
    plain = xlsx._plain([v for v in row if type(v) is str])
    assert xlsx._layout_writer(layout)(str(number), row, plain) == \
        xlsx._row_xml(number, row, xlsx.PLAIN, plain)


def test_a_layout_names_only_types_and_widths():
    with pytest.raises(ValueError):
        xlsx._layout_writer((int, "str"))
