"""HR's pages: ratings per hall, window and person with reasons, comments and a trend; the
set-up of halls, windows and kiosk tokens (issued, seen, revoked); reasons, held words and the
K01 setting. A clerk sees her own ratings without the customer's transaction number."""

import re

from app.extensions import db as _db
from tests.kiosk.conftest import kiosk_form


def _as(client, user):
    with client.session_transaction() as session:
        session["_user_id"] = user.session_token


def test_hr_reads_ratings_per_hall_window_and_person(client, world, check_in, mint):
    check_in(world.clerk, world.window_id)
    shift = kiosk_form(client, world.kiosk_token)
    client.post(
        f"/kiosk/{world.kiosk_token}",
        data={
            "shift": shift,
            "stars": 5,
            "reasons": [world.reason_ids["quick"]],
            "comment": "耐心",
        },
    )
    client.post(
        f"/rate/{mint('R-1', 'C002', '02')}",
        data={"stars": 2, "reasons": [world.reason_ids["slow"]]},
    )
    _as(client, world.hr)
    page = client.get("/ratings/?period=2026-12")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for text in (
        "中山路营业厅",
        "1 号窗口",
        "2 号窗口",
        "肖怡娟",
        "周小兰",
        "Quick service",
        "Waited too long",
        "耐心",
        "Receipt R-1",
        "50.00 %",
    ):
        assert text in html, text
    only = client.get(f"/ratings/?period=2026-12&person={world.clerk2.id}").get_data(as_text=True)
    assert 'data-testid="ratings"' in only and "耐心" not in only
    trend = re.search(r'<tr data-period="2026-12">(.*?)</tr>', html, re.S).group(1)
    assert ">2<" in trend and "50.00 %" in trend


def test_the_clerk_sees_her_ratings_but_not_the_transaction(client, world, mint):
    client.post(f"/rate/{mint('SECRET-TXN-1')}", data={"stars": 4, "comment": "解释清楚"})
    _as(client, world.clerk)
    html = client.get("/ratings/my").get_data(as_text=True)
    assert "解释清楚" in html and "SECRET-TXN-1" not in html
    assert "100.00 %" in html


def test_hr_sets_up_a_hall_issues_a_kiosk_and_revokes_it(app, client, world):
    _as(client, world.hr)
    response = client.post(
        "/ratings/halls", data={"code": "DC", "name": "东城营业厅", "department": 0}
    )
    assert response.status_code == 302
    hall_url = response.headers["Location"]
    hall_id = int(hall_url.rsplit("/", 1)[1])
    assert (
        client.post(
            f"/ratings/halls/{hall_id}/windows",
            data={"code": "05", "name": "5 号窗口", "is_active": "y"},
        ).status_code
        == 302
    )
    duplicate = client.post(
        f"/ratings/halls/{hall_id}/windows", data={"code": "05", "name": "又一个"}
    )
    assert "The code 05 is taken." in duplicate.get_data(as_text=True)
    from app.kiosk.models import Window

    with app.app_context():
        window_id = _db.session.query(Window).filter_by(hall_id=hall_id).one().id
    issued = client.post(
        f"/ratings/halls/{hall_id}/devices", data={"window": window_id, "note": "平板 B"}
    )
    url = re.search(r'data-testid="kiosk-url">([^<]+)<', issued.get_data(as_text=True)).group(1)
    token = url.rsplit("/", 1)[1]
    assert client.get(f"/kiosk/{token}").status_code == 200
    hall_page = client.get(hall_url).get_data(as_text=True)
    assert token not in hall_page and token[:6] in hall_page and "平板 B" in hall_page
    from app.kiosk.models import KioskDevice

    with app.app_context():
        device_id = _db.session.query(KioskDevice).filter_by(window_id=window_id).one().id
    client.post(f"/ratings/devices/{device_id}/revoke")
    assert client.get(f"/kiosk/{token}").status_code == 404
    old_secret = re.search(r'data-testid="hall-secret">([^<]+)<', hall_page).group(1)
    client.post(f"/ratings/halls/{hall_id}/rotate")
    new_secret = re.search(
        r'data-testid="hall-secret">([^<]+)<', client.get(hall_url).get_data(as_text=True)
    ).group(1)
    assert new_secret != old_secret


def test_hr_edits_reasons_words_and_the_k01_setting(app, client, world):
    _as(client, world.hr)
    assert client.get("/ratings/settings").status_code == 200
    client.post(
        "/ratings/settings",
        data={
            "reason-text_zh": "环境整洁",
            "reason-text_en": "Tidy",
            "reason-is_active": "y",
            "reason-submit": "1",
        },
    )
    client.post("/ratings/settings", data={"words-words": "垃圾\n滚", "words-submit": "1"})
    client.post("/ratings/settings", data={"policy-on_imported": "replace", "policy-submit": "1"})
    from app.kiosk import queries
    from app.kiosk.services.indicator import policy_of, rated_indicator

    with app.app_context():
        assert [r.text_zh for r in queries.reasons()] == ["办理快捷", "等候太久", "环境整洁"]
        assert queries.held_words() == ["垃圾", "滚"]
        assert policy_of(rated_indicator()) == "replace"
    html = client.get(f"/kiosk/{world.kiosk_token}").get_data(as_text=True)
    assert "此窗口暂停服务" in html or "This window is not serving" in html


def test_checking_in_is_limited_to_the_clerks_own_hall(app, client, world, make_user):
    outsider = make_user(employee_no="X001", department="测试公司/测试分中心/人民路营业厅")
    _as(client, outsider)
    page = client.get("/ratings/counter").get_data(as_text=True)
    assert "中山路营业厅" not in page
    response = client.post("/ratings/counter", data={"window": world.window_id})
    assert response.status_code == 200  # the window is not among the choices
    from app.kiosk import queries

    with app.app_context():
        assert queries.check_in_of(outsider.id) is None


def test_checking_out_leaves_the_window_unstaffed(client, world):
    _as(client, world.clerk)
    client.post("/ratings/counter", data={"window": world.window_id})
    assert kiosk_form(client, world.kiosk_token) is not None
    _as(client, world.clerk)
    client.post("/ratings/counter/out")
    assert kiosk_form(client, world.kiosk_token) is None


def test_the_demo_seeder_adds_a_hall_with_a_kiosk_once(app, client):
    from app.kiosk import cli

    with app.app_context():
        first = cli.seed_demo()
        assert cli.seed_demo() == "already seeded"
    token = first.rsplit("/kiosk/", 1)[1]
    assert "3 windows" in first
    assert client.get(f"/kiosk/{token}").status_code == 200


def test_the_ratings_page_runs_a_fixed_number_of_queries(client, world, mint, count_queries):
    def rate(n, start):
        for i in range(start, start + n):
            who = "C001" if i % 2 else "C002"
            response = client.post(
                f"/rate/{mint(f'Q-{i}', who)}",
                data={"stars": 1 + i % 5, "reasons": [world.reason_ids["quick"]]},
            )
            assert response.status_code == 302

    def measure():
        _as(client, world.hr)
        with count_queries() as counter:
            assert client.get("/ratings/?period=2026-12").status_code == 200
        return counter.n

    rate(2, 0)
    few = measure()
    rate(4, 2)  # the address budget allows a few more a minute
    assert measure() == few
