"""Training needs of real people: the planted cases through the API and the page, and an
assignment made from the page with the reason the person sees."""

import re

from tests.needs.conftest import PERIOD, scores_csv

CALMING = "客户情绪安抚与冲突化解"


def _plant(make_user, take_quiz, rate, import_scores, make_course):
    """A clerk weak in CM2 and another who meets CM1 and CM2, both with a weak K01."""
    weak = make_user(employee_no="N0008", name="肖怡娟")
    meets = make_user(employee_no="N0009", name="高杰磊")
    take_quiz(weak, {1: 3, 2: 2})  # CM2 level 2 of the 4 required
    for code in ("CM1", "SV1", "SV2"):
        rate(weak, code, 5)
    for code in ("CM1", "CM2"):
        rate(meets, code, 5)
    import_scores(PERIOD, scores_csv({"N0008": 95.6, "N0009": 96.8}))  # K01 62.2 and 75.6
    course_id = make_course(CALMING, competencies={"CM2": 3, "CM1": 2})
    return weak, meets, course_id


def test_cm2_comes_first_with_a_course_and_a_met_clerk_is_flagged(
    client, api_as, indicators, make_user, take_quiz, rate, import_scores, make_course
):
    _weak, _meets, course_id = _plant(make_user, take_quiz, rate, import_scores, make_course)
    _hr, headers = api_as("hr")
    first = client.get(
        f"/api/v1/people/N0008/training-needs?period={PERIOD}", headers=headers
    ).get_json()
    assert first["period"] == PERIOD and first["employee_no"] == "N0008"
    top = first["needs"][0]
    # need(CM2) = 25 × (100 − 62.2)/100 × 3/3 = 9.44; gap 2; priority × 3 = 28.33
    assert top["code"] == "CM2" and top["gap"] == 2
    assert abs(top["need"] - 9.4444) < 0.01 and abs(top["priority"] - 28.3333) < 0.01
    assert {"id": course_id, "title": CALMING} in top["courses"]
    assert len(first["needs"]) <= 3 and first["flags"] == []
    priorities = [n["priority"] for n in first["needs"]]
    assert priorities == sorted(priorities, reverse=True)
    second = client.get(
        f"/api/v1/people/N0009/training-needs?period={PERIOD}", headers=headers
    ).get_json()
    assert second["needs"] == []
    assert [(f["indicator"], round(f["score"])) for f in second["flags"]] == [("K01", 76)]


def test_staff_see_only_their_own_needs(client, api_as, make_user, indicators):
    other = make_user()
    me, headers = api_as("staff")
    assert (
        client.get(f"/api/v1/people/{me.employee_no}/training-needs", headers=headers).status_code
        == 200
    )
    assert (
        client.get(
            f"/api/v1/people/{other.employee_no}/training-needs", headers=headers
        ).status_code
        == 403
    )


def test_the_page_ranks_people_and_assigns_with_the_reason(
    app, client, login_as, indicators, make_user, take_quiz, rate, import_scores, make_course
):
    weak, _meets, course_id = _plant(make_user, take_quiz, rate, import_scores, make_course)
    login_as("hr")
    page = client.get(f"/needs/?period={PERIOD}").get_data(as_text=True)
    assert page.index('data-person="N0008"') < page.index('data-person="N0009"')
    assert 'data-indicator="K01"' in page  # N0009's flag
    pick = re.search(rf'value="{weak.id}:{course_id}:CM2"', page)
    assert pick, "the recommended course can be ticked"
    done = client.post(
        "/needs/assign",
        data={"period": PERIOD, "pick": f"{weak.id}:{course_id}:CM2", "due_on": "2031-01-31"},
    )
    assert done.status_code == 302
    from app.courses.models import AssignmentRule
    from app.extensions import db

    with app.app_context():
        rule = db.session.query(AssignmentRule).one()
        assert rule.reason == "K01 客户满意率 62 分，CM2 情绪安抚与冲突化解差 2 级"


def test_the_needs_page_runs_the_same_queries_whatever_the_size(
    client,
    login_as,
    count_queries,
    indicators,
    make_user,
    take_quiz,
    rate,
    import_scores,
    make_course,
):
    _plant(make_user, take_quiz, rate, import_scores, make_course)
    login_as("hr")

    def count():
        client.get(f"/needs/?period={PERIOD}")
        with count_queries() as counter:
            assert client.get(f"/needs/?period={PERIOD}").status_code == 200
        return counter.n

    small = count()
    more = {}
    for n in range(6):
        person = make_user(employee_no=f"N01{n:02d}")
        take_quiz(person, {1: 2})
        more[person.employee_no] = 93.0
    from tests.needs.conftest import scores_csv

    import_scores(PERIOD, scores_csv({"N0008": 95.6, "N0009": 96.8, **more}))
    assert count() == small
