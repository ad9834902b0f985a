"""A quiz's statistics from its attempts: which attempts count, items and drawn questions, the
response analysis, the cache and its invalidation by the attempt hooks."""

import numpy as np
import pytest
from sqlalchemy import select

from app.extensions import db as _db
from app.grading import services as grading
from app.org.models import User
from app.quizzes.models import Attempt, AttemptSlot
from app.reports import services
from app.reports.item_stats import analyse
from app.reports.models import QuestionStatisticsFlag, QuizStatistics

#: how well each of six people does: the share of questions they get right
SKILLS = [1.0, 0.75, 0.75, 0.5, 0.25, 0.0]


def _by_skill(skill):
    """Right on the first ``skill`` share of the questions (in display order), wrong after."""

    def answers(key, version, position):
        return 1.0 if position <= round(skill * 4) else 0.0

    return answers


@pytest.fixture
def mixed_quiz(make_quiz):
    """Two fixed questions (true/false, short answer) and a random slot drawing two."""
    return make_quiz(fixed=("t-tf", "t-short"), random=[("题库/随机池", 2)])


def test_statistics_match_the_pure_formulas_on_the_attempts_marks(app, mixed_quiz, take, quiz_row):
    for skill in SKILLS:
        take(mixed_quiz, _by_skill(skill))
    with app.app_context():
        quiz = quiz_row(mixed_quiz)
        payload = services.statistics_for(quiz, "all").payload
        attempts = _db.session.scalars(
            select(Attempt).where(Attempt.quiz_id == mixed_quiz).order_by(Attempt.id)
        ).all()
        # the matrix as the attempts hold it: slots 1, 2, then the random slot's two draws
        matrix = [[slot.mark for slot in sorted(a.slots, key=lambda s: s.number)] for a in attempts]
        expected = analyse(matrix, [1, 1, 1, 1])
    test = payload["test"]
    assert test["count"] == 6
    assert test["mean"] == pytest.approx(np.mean([sum(row) for row in matrix]))
    assert test["cic"] == pytest.approx(expected.test.cic)
    items = [row for row in payload["rows"] if row["kind"] != "drawn"]
    assert [row["key"] for row in items] == ["1", "2", "3.1", "3.2"]
    assert [row["kind"] for row in items] == ["fixed", "fixed", "random", "random"]
    for row, item in zip(items, expected.items, strict=True):
        assert row["stats"]["facility"] == pytest.approx(item.facility)
        assert (
            row["stats"]["discrimination_index"]
            == pytest.approx(item.discrimination_index, abs=1e-9)
            if item.discrimination_index is not None
            else row["stats"]["discrimination_index"] is None
        )
        assert row["stats"]["effective_weight"] == pytest.approx(item.effective_weight, abs=1e-9)
    assert items[0]["question_key"] == "t-tf" and items[0]["qtype"] == "truefalse"
    assert items[0]["random_guess_score"] == 0.5
    assert items[2]["category"] == "题库/随机池"


def test_each_question_a_random_slot_drew_has_its_own_row_against_whole_totals(
    app, mixed_quiz, take, quiz_row
):
    for skill in SKILLS:
        take(mixed_quiz, _by_skill(skill))
    with app.app_context():
        payload = services.statistics_for(quiz_row(mixed_quiz), "all").payload
        drawn_slots = _db.session.execute(
            select(AttemptSlot.question_version_id, AttemptSlot.mark, Attempt.raw_mark)
            .join(Attempt, AttemptSlot.attempt_id == Attempt.id)
            .where(Attempt.quiz_id == mixed_quiz, AttemptSlot.number > 2)
        ).all()
    drawn = [row for row in payload["rows"] if row["kind"] == "drawn"]
    assert sum(row["stats"]["count"] for row in drawn) == len(drawn_slots) == 12
    assert all(row["key"].startswith("3/") for row in drawn)
    assert all(row["stats"]["effective_weight"] is None for row in drawn)
    assert all(row["random_guess_score"] == 0.5 for row in drawn)
    # the drawn rows follow the slot's last position
    keys = [row["key"] for row in payload["rows"]]
    assert keys.index(drawn[0]["key"]) == keys.index("3.2") + 1
    randoms = [row for row in payload["rows"] if row["kind"] == "random"]
    assert all(row["random_guess_score"] == 0.5 for row in randoms)


def test_the_response_analysis_counts_each_answer_by_its_summary(app, make_quiz, take, quiz_row):
    quiz_id = make_quiz(fixed=("t-short", "t-tf"))
    for earn in (1.0, 1.0, 0.5, 0.0, None):
        take(quiz_id, lambda key, version, position, earn=earn: earn)
    with app.app_context():
        payload = services.statistics_for(quiz_row(quiz_id), "all").payload
    short = payload["rows"][0]
    assert {r["summary"]: r["count"] for r in short["responses"]} == {
        "首问负责制": 2, "首问": 1, "不知道": 1, "": 1,
    }  # fmt: skip
    assert {r["summary"]: r["fraction"] for r in short["responses"]}["首问"] == 0.5
    assert short["other_responses"] == 0


def test_attempt_choices_pick_first_last_highest_or_all(app, make_quiz, take, quiz_row):
    quiz_id = make_quiz(fixed=("t-tf",))
    _id, person = take(quiz_id, lambda *a: 0.0)
    take(quiz_id, lambda *a: 1.0, user=person)
    take(quiz_id, lambda *a: 0.0, user=person)
    take(quiz_id, lambda *a: 1.0)
    with app.app_context():
        quiz = quiz_row(quiz_id)
        counts = {c: services.statistics_for(quiz, c).payload["test"] for c in
                  ("first", "last", "highest", "all")}  # fmt: skip
    assert counts["all"]["count"] == 4
    assert counts["first"]["count"] == 2 and counts["first"]["mean"] == 0.5
    assert counts["last"]["count"] == 2 and counts["last"]["mean"] == 0.5
    assert counts["highest"]["count"] == 2 and counts["highest"]["mean"] == 1.0


def test_the_default_choice_follows_the_grading_method(app, make_quiz, quiz_row):
    quiz_id = make_quiz(fixed=("t-tf",), grading_method="average")
    with app.app_context():
        quiz = quiz_row(quiz_id)
        assert services.default_choice(quiz) == "all"
        assert services.statistics_for(quiz).attempt_choice == "all"
        quiz.grading_method = "first"
        assert services.default_choice(quiz) == "first"


def test_attempts_awaiting_grading_are_left_out_until_graded(app, make_quiz, take, quiz_row):
    quiz_id = make_quiz(fixed=("t-tf", "t-essay"))
    take(quiz_id, lambda *a: 1.0)
    waiting_id, _person = take(quiz_id, lambda *a: 1.0)
    with app.app_context():
        # both await grading: nothing to analyse
        assert services.statistics_for(quiz_row(quiz_id), "all").payload["test"]["count"] == 0
        attempt = _db.session.get(Attempt, waiting_id)
        essay = next(slot for slot in attempt.slots if slot.needs_grading)
        grading.grade_slot(None, essay, 7.5)
        payload = services.statistics_for(quiz_row(quiz_id), "all").payload
    assert payload["test"]["count"] == 1
    assert payload["test"]["mean"] == pytest.approx(8.5)
    assert payload["test"]["max_total"] == 11


def test_a_description_is_not_an_item(app, make_quiz, take, quiz_row):
    quiz_id = make_quiz(fixed=("t-desc", "t-tf"))
    take(quiz_id, lambda key, version, position: None if key == "t-desc" else 1.0)
    with app.app_context():
        payload = services.statistics_for(quiz_row(quiz_id), "all").payload
    assert [row["question_key"] for row in payload["rows"]] == ["t-tf"]


def test_previews_and_unfinished_attempts_do_not_count(app, make_quiz, take, quiz_row, make_user):
    from app.quizzes import services as quiz_services

    quiz_id = make_quiz(fixed=("t-tf",))
    take(quiz_id, lambda *a: 1.0)
    trainer = make_user(("trainer",), department=None, job_role=None)
    staff = make_user()
    with app.app_context():
        quiz = quiz_row(quiz_id)
        preview, _s = quiz_services.start_attempt(
            _db.session.get(User, trainer.id), quiz, preview=True
        )
        quiz_services.submit_attempt(preview)
        quiz_services.start_attempt(_db.session.get(User, staff.id), quiz)
        assert services.statistics_for(quiz_row(quiz_id), "all").payload["test"]["count"] == 1


# --- the cache ------------------------------------------------------------------------------


def test_the_cache_is_reused_until_an_attempt_finishes(app, make_quiz, take, quiz_row):
    quiz_id = make_quiz(fixed=("t-tf",))
    take(quiz_id, lambda *a: 1.0)
    with app.app_context():
        first = services.statistics_for(quiz_row(quiz_id), "all")
        computed_at, generation = first.computed_at, first.generation
        again = services.statistics_for(quiz_row(quiz_id), "all")
        assert again.computed_at == computed_at and again.is_fresh
    take(quiz_id, lambda *a: 0.0)
    with app.app_context():
        row = _db.session.get(QuizStatistics, (quiz_id, "all"))
        assert row.generation == generation + 1 and not row.is_fresh
        fresh = services.statistics_for(quiz_row(quiz_id), "all")
        assert fresh.is_fresh and fresh.payload["test"]["count"] == 2


def test_a_regrade_marks_the_statistics_stale(app, make_quiz, take, quiz_row, import_yaml):
    quiz_id = make_quiz(fixed=("t-tf",))
    take(quiz_id, lambda *a: 1.0)
    take(quiz_id, lambda *a: 0.0)
    with app.app_context():
        before = services.statistics_for(quiz_row(quiz_id), "all").payload
    import_yaml(  # the key was wrong: "false" is right
        "questions:\n  - id: t-tf\n    qtype: truefalse\n    name: 判断\n"
        "    category: 题库/每种题型\n    status: ready\n    questiontext: 电价由政府批准。\n"
        "    correct: false\n    truefeedback: 对\n    falsefeedback: 错\n",
        name="fix.yaml",
    )
    with app.app_context():
        from app.bank.queries import question_by_key

        grading.apply_regrade(None, question_by_key("t-tf"), "the key was wrong")
        assert not _db.session.get(QuizStatistics, (quiz_id, "all")).is_fresh
        after = services.statistics_for(quiz_row(quiz_id), "all").payload
    assert before["test"]["mean"] == after["test"]["mean"] == 0.5
    assert [r["summary"] for r in after["rows"][0]["responses"]] != []


def test_a_computation_overtaken_by_a_finish_stays_stale(
    app, make_quiz, take, quiz_row, monkeypatch
):
    from app.reports import item_analysis

    quiz_id = make_quiz(fixed=("t-tf",))
    take(quiz_id, lambda *a: 1.0)
    build = item_analysis.build

    def build_then_someone_finishes(quiz, choice):
        payload = build(quiz, choice)
        take(quiz_id, lambda *a: 0.0)  # finished while the statistics were computed
        return payload

    monkeypatch.setattr(item_analysis, "build", build_then_someone_finishes)
    with app.app_context():
        row = services.statistics_for(quiz_row(quiz_id), "all")
        assert row.payload["test"]["count"] == 1 and not row.is_fresh
    monkeypatch.setattr(item_analysis, "build", build)
    with app.app_context():
        assert services.statistics_for(quiz_row(quiz_id), "all").payload["test"]["count"] == 2


def test_flags_are_stored_for_questions_with_twenty_attempts(app, make_quiz, take, quiz_row):
    quiz_id = make_quiz(fixed=("t-tf", "t-short"))
    for i in range(20):
        take(quiz_id, lambda key, version, position, i=i: 1.0 if key == "t-tf" else i % 2)
    with app.app_context():
        services.statistics_for(quiz_row(quiz_id), "highest")
        flags = _db.session.scalars(select(QuestionStatisticsFlag)).all()
        # everyone right on 1; on 2 half right, but the rest of the test (1) never varies
        assert sorted((f.row_key, f.flags, f.n_attempts) for f in flags) == [
            ("1", ["too_easy", "not_enough_variance"], 20),
            ("2", ["not_enough_variance"], 20),
        ]


def test_refresh_computes_every_stale_statistics_again(app, make_quiz, take, quiz_row, runner):
    quiz_id = make_quiz(fixed=("t-tf",))
    take(quiz_id, lambda *a: 1.0)
    with app.app_context():
        services.statistics_for(quiz_row(quiz_id), "all")
        services.statistics_for(quiz_row(quiz_id), "last")
    take(quiz_id, lambda *a: 1.0)
    result = runner.invoke(args=["reports", "refresh-statistics"])
    assert result.exit_code == 0 and "2 quiz statistics refreshed" in result.output
    with app.app_context():
        assert _db.session.get(QuizStatistics, (quiz_id, "all")).is_fresh
        assert _db.session.get(QuizStatistics, (quiz_id, "all")).n_attempts == 2


def test_a_cloze_question_has_statistics_and_responses_per_blank(app, make_quiz, make_user):
    """城区{45}分钟 (1 mark), 农村{90分钟} (2 marks), {是~否}: each blank its own facility and
    answers, over every attempt (an empty blank counts as not answered and earns 0)."""
    from app.quizzes import services as quiz_services
    from app.quizzes.models import Quiz

    quiz_id = make_quiz(fixed=("t-cloze",))
    responses = [
        {"1": "45", "2": "90分钟", "3": 0},
        {"1": "45", "2": "两小时", "3": 1},
        {"1": "30", "3": 0},
        None,
    ]
    for response in responses:
        user = make_user()
        with app.app_context():
            attempt, _started = quiz_services.start_attempt(
                _db.session.get(User, user.id), _db.session.get(Quiz, quiz_id)
            )
            if response is not None:
                quiz_services.save_response(attempt, 1, response)
            quiz_services.submit_attempt(attempt)
    with app.app_context():
        row = services.statistics_for(_db.session.get(Quiz, quiz_id), "all").payload["rows"][0]
    parts = row["parts"]
    assert [p["label"]["summaries"]["zh_CN"] for p in parts] == ["第 1 空", "第 2 空", "第 3 空"]
    assert [p["facility"] for p in parts] == [0.5, 0.25, 0.5]
    answers = [{r["summary"]: r["count"] for r in p["responses"]} for p in parts]
    assert answers == [
        {"45": 2, "30": 1, "": 1},
        {"90分钟": 1, "两小时": 1, "": 2},
        {"是": 2, "否": 1, "": 1},
    ]
    assert {r["summary"]: r["fraction"] for r in parts[0]["responses"]} == {
        "45": 1.0, "30": 0.0, "": 0.0,
    }  # fmt: skip
    # the whole question keeps its one row of whole answers and the weighted facility
    assert row["stats"]["facility"] == pytest.approx((4 + 1 + 1 + 0) / 4 / 4)  # weights 1, 2, 1
    assert len(row["responses"]) == 4
