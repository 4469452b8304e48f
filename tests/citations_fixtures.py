"""A small synthetic corpus for the citation tests: documents that cite each other in the ways
real policy texts do (文号 in every bracket style, cover-notice wrappers, 〈〉 inside 《》,
（暂行）, year prefixes, abbreviations, article pointers, a repeal inside the corpus, a term
that has run out, a commencement still ahead). Its references are judged in
tests/citations_judged.toml like the seed corpus'.
"""
from __future__ import annotations

from indexer.records import Clause, Document

# Folded duplicate copy → kept document, as Corpus.aliases: the copy printed the 文号 教研〔2017〕2号,
# the kept one did not.
FIXTURE_ALIASES = {"jy-2017-2": "2017-01-24-tctjsjyl-bf"}


def clause(id: str, text: str, *, label: str = "", heading: str = "", parent: str | None = None,
           kind: str = "paragraph") -> Clause:
    return Clause(id=id, label=label, heading=heading, text=text, parent=parent, kind=kind)


def article(n: int, text: str, parent: str | None = None) -> Clause:
    return clause(f"art-{n}", text, label=f"第{n}条", parent=parent, kind="article")


def document(id: str, title: str, *, doc_number: str = "", date: str, issuers: list[str],
             doc_type: str, clauses: list[Clause]) -> Document:
    return Document(id=id, title=title, doc_number=doc_number, issuers=issuers, date=date,
                    doc_type=doc_type, source="fixture.txt", clauses=clauses)


def fixture_documents() -> list[Document]:
    return _documents() + _blind_documents()


def _blind_documents() -> list[Document]:
    """Written, and judged in citations_judged.toml, before the extractor was run on them."""
    return [
        document("jj-2019-12", "教育部关于加强高校科研诚信建设的实施意见", doc_number="教技〔2019〕12号",
                 date="2019-05-10", issuers=["教育部"], doc_type="意见", clauses=[
                     clause("p1", "为深入贯彻中共中央办公厅、国务院办公厅《关于进一步加强科研诚信建设的若干意见》"
                                  "（厅字〔2018〕23号）精神，根据《中华人民共和国高等教育法》第四十二条，结合高校实际，"
                                  "制定本实施意见。"),
                     clause("p2", "高校应当按照《科研诚信案件调查处理规则（试行）》开展调查。"),
                     clause("p3", "《教育部关于严肃处理高等学校学术不端行为的通知》（教社科函〔2009〕3号）同时废止。"),
                     clause("p4", "各高校要参照国科发政〔2016〕10号文件的有关规定执行。"),
                     clause("p5", "支持“双一流”建设高校（以下简称“双一流”高校）率先示范。"),
                     clause("p6", "落实《统筹推进世界一流大学和一流学科建设总体方案》（以下简称“总体方案”）的任务。"),
                     clause("p7", "《总体方案》明确的任务按期完成。"),
                 ]),
        document("tz-2018-23", "关于进一步加强科研诚信建设的若干意见", doc_number="厅字〔2018〕23号",
                 date="2018-05-30", issuers=["中共中央办公厅", "国务院办公厅"], doc_type="意见", clauses=[
                     clause("p1", "为贯彻落实《国家中长期科学和技术发展规划纲要（2006—2020年）》，提出如下意见。"),
                     clause("p2", "2006年印发的《关于加强科研诚信建设的意见》（国科发政〔2006〕15号）停止执行。"),
                     clause("p3", "认真执行《国务院办公厅转发科技部等部门关于加强科研诚信建设意见的通知》。"),
                 ]),
        document("gkfj-2019-323", "科研诚信案件调查处理规则（试行）", doc_number="国科发监〔2019〕323号",
                 date="2019-09-25", issuers=["科技部"], doc_type="其他", clauses=[
                     article(1, "根据《关于进一步加强科研诚信建设的若干意见》等规定，制定本规则。"),
                     article(2, "调查程序适用本规则第三条的规定。"),
                     article(3, "调查组由五人以上组成。"),
                     article(4, "本规则自发布之日起施行，有效期至2030年12月31日。"),
                 ]),
    ]


def _documents() -> list[Document]:
    return [
        document("gf-2015-64", "统筹推进世界一流大学和一流学科建设总体方案", doc_number="国发〔2015〕64号",
                 date="2015-10-24", issuers=["国务院"], doc_type="方案", clauses=[
                     clause("notice", "现将《统筹推进世界一流大学和一流学科建设总体方案》印发给你们，请认真贯彻执行。",
                            kind="notice"),
                     clause("p1", "为贯彻落实《国家中长期教育改革和发展规划纲要（2010—2020年）》，制定本方案。"),
                     clause("1", "坚持以一流为目标、以学科为基础。", label="一、", heading="总体要求", kind="section"),
                 ]),
        document("2017-01-24-tctjsjyl-bf", "统筹推进世界一流大学和一流学科建设实施办法（暂行）",
                 date="2017-01-24", issuers=["教育部", "财政部", "国家发展改革委"], doc_type="办法", clauses=[
                     article(1, "根据《国务院关于印发统筹推进世界一流大学和一流学科建设总体方案的通知》"
                                "（国发〔2015〕64号，以下简称《总体方案》），制定本实施办法。"),
                     article(2, "遴选条件按照《总体方案》执行。"),
                     article(3, "高校建设方案应当符合本办法第二条的规定。"),
                     article(4, "设立专家委员会。\n专家委员会依照前款规定开展工作。"),
                     article(5, "本办法自发布之日起施行。"),
                 ]),
        document("gf-2016-62", "国务院关于深入推进实施新一轮东北振兴战略加快推动东北地区经济企稳向好若干重要举措的意见",
                 doc_number="国发〔2016〕62号", date="2016-11-01", issuers=["国务院"], doc_type="意见", clauses=[
                     clause("p1", "东北地区是我国重要的工业与农业基地。"),
                 ]),
        document("gbf-2017-22", "东北地区与东部地区部分省市对口合作工作方案", doc_number="国办发〔2017〕22号",
                 date="2017-03-07", issuers=["国务院办公厅"], doc_type="方案", clauses=[
                     clause("p1", "建立对口合作机制，是《国务院关于深入推进实施新一轮东北振兴战略加快推动东北地区"
                                  "经济企稳向好若干重要举措的意见》（国发〔2016〕62号）中的明确要求。"),
                     clause("p2", "各地要对照国发［2016］62号文件，抓紧制定工作计划。"),
                 ]),
        document("hzf-2017-13", "关于支持哈尔滨工业大学加快世界一流大学建设的意见", doc_number="黑政发〔2017〕13号",
                 date="2017-10-24", issuers=["黑龙江省人民政府"], doc_type="意见", clauses=[
                     clause("p1", "按照国务院《统筹推进世界一流大学和一流学科建设总体方案》（国发[2015]64号）和教育部、"
                                  "财政部、国家发展改革委《统筹推进世界一流大学和一流学科建设实施办法》（教研【2017】2号）"
                                  "总体要求，提出如下意见。"),
                     clause("1.1", "落实国办发(2017) 22号文件要求，深化对口合作。", label="（一）", kind="item"),
                 ]),
        document("gkfz-2016-10", "国家科技计划项目管理暂行办法", doc_number="国科发政〔2016〕10号",
                 date="2016-03-01", issuers=["科技部"], doc_type="办法", clauses=[
                     article(1, "为规范项目管理，制定本办法。"),
                     article(2, "项目实行分类管理。"),
                     article(3, "本办法自2016年4月1日起施行。"),
                 ]),
        document("gkfz-2020-8", "国家科技计划项目管理办法", doc_number="国科发政〔2020〕8号",
                 date="2020-06-01", issuers=["科技部"], doc_type="办法", clauses=[
                     article(1, "为规范国家科技计划项目管理，根据《中华人民共和国科学技术进步法》，制定本办法。"),
                     article(2, "本办法所称项目，是指《国家科技计划管理改革方案》第三条第二款所列项目。"),
                     article(3, "本办法自2020年7月1日起施行，《国家科技计划项目管理暂行办法》（国科发政〔2016〕10号）同时废止。"),
                 ]),
        document("gkfz-2019-3", "科技部关于开展科技成果评价改革试点工作的通知", doc_number="国科发资〔2019〕3号",
                 date="2019-01-10", issuers=["科技部"], doc_type="通知", clauses=[
                     clause("p1", "为贯彻落实《国家科技计划项目管理暂行办法》第二条，开展试点。"),
                     clause("closing", "本通知自印发之日起施行，有效期3年。", kind="closing"),
                 ]),
        document("gbf-2018-17", "科学数据管理办法", doc_number="国办发〔2018〕17号", date="2018-03-17",
                 issuers=["国务院办公厅"], doc_type="办法", clauses=[
                     article(1, "为加强科学数据管理，制定本办法。"),
                     article(2, "科学数据管理遵循分级管理原则。"),
                     article(3, "本办法所称科学数据是指在科学研究中产生的数据。"),
                 ]),
        document("gkbf-2026-5", "科学数据管理实施细则", doc_number="国科办发〔2026〕5号", date="2026-10-15",
                 issuers=["科技部办公厅"], doc_type="其他", clauses=[
                     article(1, "根据《科学数据管理办法》（国办发〔2018〕17号），制定本细则。"),
                     article(2, "《科学数据管理办法》第三条所称科学数据，包括原始数据和衍生数据。"),
                     article(3, "各单位制定《科学数据管理办法》的配套制度，报主管部门备案。"),
                     article(4, "本细则自2027年1月1日起施行。"),
                 ]),
        document("jjth-2018-6", "2018年教育信息化和网络安全工作要点", doc_number="教技厅函〔2018〕6号",
                 date="2018-02-12", issuers=["教育部办公厅"], doc_type="其他", clauses=[
                     clause("p1", "根据《教育信息化2.0行动计划》，部署年度重点工作。"),
                 ]),
        document("2018-06-01-jyjbtjjy-yj", "关于进一步推进教育信息化的若干意见", date="2018-06-01",
                 issuers=["教育部"], doc_type="意见", clauses=[
                     clause("p1", "为贯彻落实《教育部办公厅关于印发〈教育信息化和网络安全工作要点〉的通知》精神，"
                                  "结合《“十三五”国家科技创新规划》，提出以下意见。"),
                     clause("p2", "本意见代替《关于推进教育信息化的意见》（教技〔2012〕5号）。"),
                     clause("p3", "《关于加强教育信息化管理的通知》（教技〔2014〕2号）不再执行。"),
                     clause("p4", "试点单位名单见国科发资（2019）3号文件。"),
                     clause("p5", "在北京卫视《档案》栏目和短视频《我志愿》中宣传推广。"),
                 ]),
    ]
