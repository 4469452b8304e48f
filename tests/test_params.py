"""Query-string parsing for the search page, the JSON API and the CSV export (indexer.params)."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from indexer.aliases import AliasTable
from indexer.params import (MAX_PAGE, MAX_PER_PAGE, args_from_request, request_from_args,
                            suggestions, toggled)
from indexer.records import QueryError, SearchRequest


def parse(**values) -> SearchRequest:
    return request_from_args({k: v if isinstance(v, list) else [v] for k, v in values.items()})


def test_every_parameter_reaches_the_request():
    req = parse(q=" 基础研究 ", issuer=["科技部", "教育部"], year=["2017", "2015"], theme="人才",
                type="意见", **{"from": "2015-3", "to": "2017"}, sort="date", page="2",
                per_page="50", doc="gf-2017-35")
    assert req == SearchRequest(q="基础研究", issuers=["科技部", "教育部"], years=[2017, 2015],
                                themes=["人才"], doc_types=["意见"], date_from="2015-03",
                                date_to="2017", doc_id="gf-2017-35", sort="date", page=2,
                                per_page=50)


def test_empty_query_string_is_the_default_request():
    assert request_from_args({}) == SearchRequest()


def test_empty_form_fields_count_as_absent():
    """An HTML form submits its empty date fields; that is not an invalid date."""
    assert parse(q="x", **{"from": "", "to": "  "}, sort="", issuer=[""]) == SearchRequest(q="x")


def test_repeated_facet_values_are_kept_once():
    assert parse(issuer=["科技部", "科技部"], year=["2017", "2017"]).issuers == ["科技部"]
    assert parse(year=["2017", "2017"]).years == [2017]


@pytest.mark.parametrize("name, value, message", [
    ("page", "0", "page"), ("page", "-1", "page"), ("page", "abc", "page"),
    ("page", str(MAX_PAGE + 1), "page"), ("page", "9" * 40, "page"), ("page", "1.5", "page"),
    ("per_page", "0", "per_page"), ("per_page", "10000", "per_page"),
    ("per_page", str(MAX_PER_PAGE + 1), "per_page"),
    ("year", "abc", "year"), ("year", "17", "year"),
    ("from", "2017-13", "from"), ("from", "2017-02-30", "from"), ("to", "yesterday", "to"),
    ("sort", "random", "sort"), ("q", "字" * 201, "过长"),
])
def test_bad_values_name_the_parameter(name, value, message):
    with pytest.raises(QueryError, match=message):
        parse(**{name: value})


@pytest.mark.parametrize("written, read", [
    ("2018年", "2018"), ("2018-3", "2018-03"), ("2018.03", "2018-03"), ("2018/3/5", "2018-03-05"),
    ("2018年3月", "2018-03"), ("2018年3月5日", "2018-03-05"), ("2018 年 3 月", "2018-03"),
    ("２０１８．３", "2018-03"), ("2018/03", "2018-03"),
])
def test_dates_are_read_as_people_write_them(written, read):
    """Date fields accept the forms researchers type (issue 11, item 18), kept as YYYY[-MM[-DD]]."""
    assert parse(**{"from": written}).date_from == read
    assert parse(**{"to": written}).date_to == read


@pytest.mark.parametrize("name, value", [("from", "2018--3"), ("to", "2018年13月"),
                                         ("from", "3月5日"), ("to", "2018/2/30")])
def test_unreadable_dates_are_refused_in_chinese_naming_the_parameter(name, value):
    with pytest.raises(QueryError, match=f"参数 {name} ") as refused:
        parse(**{name: value})
    assert "格式" in str(refused.value) or "有效日期" in str(refused.value)


def test_date_sort_goes_both_ways():
    assert parse(sort="date_asc").sort == "date_asc" and parse(sort="date").sort == "date"


def test_full_width_digits_are_read_as_numbers():
    """A Chinese input method often types full-width digits."""
    req = parse(year="２０１７", page="２", **{"from": "２０１５－０３"})
    assert (req.years, req.page) == ([2017], 2)


def test_a_single_valued_parameter_given_twice_is_refused():
    with pytest.raises(QueryError, match="page"):
        parse(page=["1", "2"])


@pytest.mark.parametrize("date_from, date_to", [("2020", "2019"), ("2017-06", "2017-05-31"),
                                                ("2017-07-09", "2017-07-08")])
def test_from_after_to_is_refused(date_from, date_to):
    with pytest.raises(QueryError, match="晚于"):
        parse(**{"from": date_from, "to": date_to})


@pytest.mark.parametrize("date_from, date_to", [("2017", "2017"), ("2017-05", "2017"),
                                                ("2017", "2017-01"), ("2017-02-28", "2017-02")])
def test_overlapping_periods_are_accepted(date_from, date_to):
    assert parse(**{"from": date_from, "to": date_to}).date_to == date_to


def test_toggled_adds_then_removes_a_value_and_returns_to_page_one():
    req = SearchRequest(q="x", page=3)
    on = toggled(req, "year", "2017")
    assert on.years == [2017] and on.page == 1
    assert toggled(on, "year", "2017").years == []
    assert toggled(toggled(req, "issuer", "科技部"), "issuer", "教育部").issuers == ["科技部", "教育部"]


requests = st.builds(
    SearchRequest,
    q=st.text(st.characters(blacklist_categories=["Cs", "Cc", "Zs"]), max_size=20),
    issuers=st.lists(st.sampled_from(["科技部", "教育部", "国务院"]), unique=True),
    years=st.lists(st.integers(1990, 2030), unique=True),
    themes=st.lists(st.sampled_from(["人才", "基础研究"]), unique=True),
    doc_types=st.lists(st.sampled_from(["意见", "规划"]), unique=True),
    date_from=st.sampled_from([None, "2015", "2015-03", "2015-03-01"]),
    date_to=st.sampled_from([None, "2021", "2021-12-31"]),
    sort=st.sampled_from(["relevance", "date", "date_asc"]),
    page=st.integers(1, MAX_PAGE), per_page=st.integers(1, MAX_PER_PAGE),
)


@given(requests)
def test_url_round_trip(req):
    """Any page's state survives being written into its URL and read back (bookmarks work)."""
    args: dict[str, list[str]] = {}
    for name, value in args_from_request(req):
        args.setdefault(name, []).append(value)
    assert request_from_args(args) == req


def test_suggestions_offer_fewer_filters_synonyms_and_single_words():
    aliases = AliasTable(issuers={"中国科学院": ["中科院"]}, synonyms={})
    req = SearchRequest(q="中科院 人才", issuers=["科技部"], date_from="2015")
    offered = dict(suggestions(req, aliases))
    assert offered["去掉筛选 发文机关：科技部"].issuers == []
    assert offered["去掉日期范围"].date_from is None
    assert offered["换成同义词：中国科学院"].q == "中国科学院 人才"
    assert offered["只搜「人才」"].q == "人才"
    assert all(alt.page == 1 for alt in offered.values())


def test_validity_is_a_repeatable_facet_that_round_trips_through_the_url():
    req = parse(q="x", validity=["现行有效", "已废止", "现行有效"])
    assert req.validities == ["现行有效", "已废止"]
    assert args_from_request(req) == [("q", "x"), ("validity", "现行有效"), ("validity", "已废止")]
    assert toggled(req, "validity", "已废止").validities == ["现行有效"]
    assert request_from_args({"validity": ["现行有效"]}).validities == ["现行有效"]


def test_an_unknown_validity_names_the_parameter_and_the_allowed_values():
    with pytest.raises(QueryError, match="validity.*现行有效、已废止、已失效、尚未施行、未知"):
        parse(validity="作废")
