"""Importing into the bank: versions, matching, all-or-nothing, round trips."""

import copy

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from app.bank import services
from app.bank.formats import dump_yaml
from app.bank.models import Question, QuestionVersion
from app.core.models import AuditEvent

SINGLE = """
category: 服务规范/十项承诺
questions:
  - id: t-single
    qtype: single
    name: 居民办电时间
    questiontext: 居民客户全过程办电时间不超过几个工作日？
    difficulty: 1
    competencies: [SV1, BK1]
    tags: [十项承诺]
    status: ready
    source_version: 国家电网十项承诺(2023)
    answers:
      - {text: 5个工作日, fraction: 1, feedback: 正确}
      - {text: 10个工作日, fraction: 0, feedback: 不对}
"""

#: one minimal, valid question of every type
EVERY_TYPE = {
    "single": SINGLE,
    "multiple": """
questions:
  - id: t-multiple
    qtype: multiple
    name: 十个不准
    questiontext: 哪些行为被禁止？
    competencies: [SV5]
    answers:
      - {text: 甲, fraction: 0.5}
      - {text: 乙, fraction: 0.5}
      - {text: 丙, fraction: -1}
""",
    "truefalse": """
questions:
  - id: t-tf
    qtype: truefalse
    name: 判断
    questiontext: 电价由政府批准。
    correct: true
    truefeedback: 对
    falsefeedback: 错
""",
    "shortanswer": """
questions:
  - id: t-short
    qtype: shortanswer
    name: 首问负责
    questiontext: 第一个接待客户的员工负责到底，这叫什么制度？
    usecase: false
    answers:
      - {text: 首问负责制, fraction: 1}
      - {text: '*首问*', fraction: 0.5}
""",
    "numerical": """
questions:
  - id: t-num
    qtype: numerical
    name: 时限
    questiontext: 多少个工作日？
    answers:
      - {text: '5', tolerance: 0, fraction: 1}
    units:
      - {unit: 天, multiplier: 1}
""",
    "cloze": """
questions:
  - id: t-cloze
    qtype: cloze
    name: 抢修时限
    questiontext: 城区{1:NUMERICAL:=45#对}分钟，农村{2:SA:=90分钟}，{1:MC:=是~否}。
""",
    "matching": """
questions:
  - id: t-match
    qtype: matching
    name: 岗位
    questiontext: 连线
    subquestions:
      - {text: CTR, answer: 营业厅柜员}
      - {text: CC, answer: 客服座席}
      - {text: MI, answer: 装表接电工}
      - {text: '', answer: 干扰项}
""",
    "essay": """
questions:
  - id: t-essay
    qtype: essay
    name: 投诉处理
    questiontext: 说明投诉闭环的步骤。
    defaultmark: 10
    graderinfo: 受理、调查、答复、回访各 2.5 分
""",
    "description": """
questions:
  - id: t-desc
    qtype: description
    name: 案例
    questiontext: 以下几题基于同一个案例。
    defaultmark: 0
""",
}


def _count(app, db, model):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_import_creates_question_version_and_audit(app, db, import_yaml):
    report = import_yaml(SINGLE)
    assert report.summary == "1 created, 0 new versions, 0 updated, 0 unchanged"
    with app.app_context():
        question = db.session.scalar(select(Question).where(Question.key == "t-single"))
        assert question.category.full_name == "服务规范/十项承诺"
        assert question.status == "ready" and question.tags == ["十项承诺"]
        version = question.versions[0]
        assert (version.number, version.qtype, version.competencies) == (
            1,
            "single",
            ["SV1", "BK1"],
        )
        assert version.source_version == "国家电网十项承诺(2023)"
        assert db.session.scalar(select(AuditEvent.action)) == "question.create"


def test_reimporting_the_same_file_changes_nothing(app, db, import_yaml):
    import_yaml(SINGLE)
    report = import_yaml(SINGLE)
    assert report.count("unchanged") == 1
    assert _count(app, db, QuestionVersion) == 1


def test_editing_the_content_makes_a_new_version_and_keeps_history(app, db, import_yaml):
    import_yaml(SINGLE)
    report = import_yaml(SINGLE.replace("不超过几个工作日", "最多几个工作日"))
    assert report.items[0].action == "new_version" and report.items[0].changes == ["questiontext"]
    with app.app_context():
        question = db.session.scalar(select(Question).where(Question.key == "t-single"))
        assert question.latest_number == 2
        assert [v.questiontext for v in question.versions] == [
            "居民客户全过程办电时间不超过几个工作日？",
            "居民客户全过程办电时间最多几个工作日？",
        ]


def test_retagging_updates_the_question_without_a_new_version(app, db, import_yaml):
    import_yaml(SINGLE)
    report = import_yaml(SINGLE.replace("tags: [十项承诺]", "tags: [十项承诺, 获得电力]"))
    assert report.items[0].action == "update" and report.items[0].changes == ["tags"]
    assert _count(app, db, QuestionVersion) == 1


def test_unkeyed_questions_match_by_category_and_name(app, db, import_yaml):
    unkeyed = SINGLE.replace("  - id: t-single\n    qtype", "  - qtype")
    first = import_yaml(unkeyed)
    key = first.items[0].key
    assert key.startswith("q-")
    second = import_yaml(unkeyed.replace("不超过几个工作日", "最多几个工作日"))
    assert second.items[0].action == "new_version" and second.items[0].key == key
    assert _count(app, db, Question) == 1


def test_category_option_nests_the_file_categories(app, db, import_yaml, exported):
    import_yaml(SINGLE, category="培训中心/2026")
    assert exported()[0].category == "培训中心/2026/服务规范/十项承诺"


def test_dry_run_writes_nothing(app, db, import_yaml):
    report = import_yaml(SINGLE, dry_run=True)
    assert report.count("create") == 1
    assert _count(app, db, Question) == 0


def test_a_bad_question_rejects_the_whole_file_with_its_line(app, db, import_yaml):
    text = (
        SINGLE
        + """
  - id: t-bad
    qtype: single
    name: 坏题
    questiontext: 没有正确答案
    difficulty: 7
    answers:
      - {text: 甲, fraction: 0}
      - {text: 乙, fraction: 0}
"""
    )
    with pytest.raises(services.BankImportRejected) as caught:
        import_yaml(text, name="bad.yaml")
    rendered = [str(p) for p in caught.value.problems]
    assert any(p.startswith("bad.yaml:21:") and "difficulty" in p for p in rendered), rendered
    assert _count(app, db, Question) == 0


def test_the_same_id_in_two_files_is_refused(app, db):
    with app.app_context():
        sources = [services.decode_source(SINGLE.encode(), name) for name in ("a.yaml", "b.yaml")]
        with pytest.raises(services.BankImportRejected) as caught:
            services.import_questions(None, sources)
    assert str(caught.value.problems[0]).startswith("b.yaml:4: id 't-single' is used twice")
    assert _count(app, db, Question) == 0


def test_non_utf8_file_is_refused_clearly(app, db):
    with app.app_context():
        source = services.decode_source(SINGLE.encode("gbk"), "gbk.yaml")
        with pytest.raises(services.BankImportRejected) as caught:
            services.import_questions(None, [source])
    assert "not UTF-8" in str(caught.value.problems[0])
    assert str(caught.value.problems[0]).startswith("gbk.yaml:")


@pytest.mark.parametrize("qtype", sorted(EVERY_TYPE))
def test_yaml_export_then_import_gives_the_same_question(
    app, db, import_yaml, exported, fresh_database, qtype
):
    import_yaml(EVERY_TYPE[qtype])
    before = exported()
    assert [q.qtype for q in before] == [qtype]
    text = dump_yaml(before, before[0].category)
    with app.app_context():
        fresh_database()
    report = import_yaml(text, name="exported.yaml")
    assert report.count("create") == 1
    assert exported() == before


@pytest.mark.parametrize("qtype", sorted(EVERY_TYPE))
def test_json_export_then_import_gives_the_same_question(
    app, db, import_yaml, exported, fresh_database, qtype
):
    from app.bank.formats import dump_json

    import_yaml(EVERY_TYPE[qtype])
    before = exported()
    with app.app_context():
        fresh_database()
        source = services.decode_source(dump_json(before).encode(), "bank.json")
        services.import_questions(None, [source])
    assert exported() == before


def _mutations():
    """Random edits of a valid file: replace, delete or insert characters or whole lines."""
    base = SINGLE.lstrip("\n")
    return st.one_of(
        st.text(max_size=300),
        st.tuples(st.integers(0, len(base)), st.integers(0, 40), st.text(max_size=20)).map(
            lambda t: base[: t[0]] + t[2] + base[t[0] + t[1] :]
        ),
        st.lists(st.sampled_from(base.splitlines()), max_size=25).map("\n".join),
    )


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
    database=None,
)
@given(text=_mutations())
def test_mutated_yaml_gives_a_located_error_or_a_valid_import(app, db, text):
    with app.app_context():
        before = db.session.scalar(select(func.count(QuestionVersion.id)))
        source = services.decode_source(text.encode("utf-8", "surrogatepass"), "fuzz.yaml")
        try:
            report = services.import_questions(None, [source])
        except services.BankImportRejected as exc:
            assert exc.problems
            for problem in exc.problems:
                assert problem.file == "fuzz.yaml" and problem.line >= 1, problem
                assert str(problem).startswith("fuzz.yaml:")
            assert db.session.scalar(select(func.count(QuestionVersion.id))) == before
        else:
            written = report.count("create") + report.count("new_version")
            assert db.session.scalar(select(func.count(QuestionVersion.id))) == before + written


def test_failed_import_after_a_good_one_leaves_the_good_one_intact(app, db, import_yaml, exported):
    import_yaml(SINGLE)
    before = copy.deepcopy(exported())
    broken = SINGLE.replace("居民办电时间", "新名字").replace("fraction: 1,", "fraction: 0.3,")
    with pytest.raises(services.BankImportRejected):
        import_yaml(broken)
    assert exported() == before


def test_every_text_has_a_documented_maximum(app, import_yaml):
    """Names 200 characters, every text 64 KB: refused with the limit, on the text's line."""
    import pytest

    huge = "电" * 22_000  # 66 KB in UTF-8
    text = f"""\
    questions:
      - id: big-1
        qtype: single
        name: {"名" * 201}
        questiontext: {huge}
        generalfeedback: ok
        answers:
          - {{text: {huge}, fraction: 1}}
          - {{text: 否, fraction: 0}}
    """
    with pytest.raises(services.BankImportRejected) as refused:
        import_yaml(text, name="big.yaml")
    messages = [str(p) for p in refused.value.problems]
    assert any("big.yaml:4:" in m and "longer than 200 characters" in m for m in messages)
    assert any(
        "big.yaml:5:" in m and "'questiontext' is too long: At most 64 KB" in m for m in messages
    )
    assert any("big.yaml:8:" in m and "'text' is too long" in m for m in messages), messages
