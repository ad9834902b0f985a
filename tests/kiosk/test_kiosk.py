"""The counter kiosk through the test client: bound to a window by a device token (404 when
missing, revoked or the window is closed), shows who is on duty, rates them, thanks and goes
back; throttled per device and per address; comments held for HR; K01 follows."""

from datetime import timedelta

import pytest

from app.core import clock
from app.extensions import db as _db
from config import TestingConfig
from tests.conftest import csrf_token_from
from tests.kiosk.conftest import kiosk_form


def _rate(client, token, shift, stars=5, reasons=(), comment=""):
    return client.post(
        f"/kiosk/{token}",
        data={"shift": shift, "stars": stars, "reasons": list(reasons), "comment": comment},
    )


def test_a_wrong_token_answers_404(client, world):
    assert client.get("/kiosk/not-a-token").status_code == 404
    assert client.get(f"/kiosk/{world.kiosk_token}x").status_code == 404
    assert client.post("/kiosk/not-a-token", data={"stars": 5}).status_code == 404


def test_a_revoked_token_or_closed_window_answers_404(app, client, world):
    from app.kiosk import services
    from app.kiosk.models import KioskDevice, Window

    assert client.get(f"/kiosk/{world.kiosk_token}").status_code == 200
    with app.app_context():
        window = _db.session.get(Window, world.window_id)
        services.save_window(None, window.hall, window, code="01", name="1 号窗口", is_active=False)
    assert client.get(f"/kiosk/{world.kiosk_token}").status_code == 404
    with app.app_context():
        window = _db.session.get(Window, world.window_id)
        services.save_window(None, window.hall, window, code="01", name="1 号窗口", is_active=True)
        services.revoke_device(None, _db.session.query(KioskDevice).one())
    assert client.get(f"/kiosk/{world.kiosk_token}").status_code == 404


def test_without_anyone_on_duty_the_kiosk_asks_to_go_elsewhere(client, world):
    # in Chinese, though the test client's browser asks for English
    html = client.get(f"/kiosk/{world.kiosk_token}").get_data(as_text=True)
    assert '<html lang="zh-CN">' in html
    assert "此窗口暂停服务" in html and 'name="stars"' not in html


def test_a_clerk_checks_in_and_the_kiosk_shows_and_rates_her(client, login_as, world, k01, app):
    # the clerk checks in from her own page
    with client.session_transaction() as session:
        session["_user_id"] = world.clerk.session_token
    page = client.get("/ratings/counter")
    assert "中山路营业厅 · 1 号窗口" in page.get_data(as_text=True)
    response = client.post("/ratings/counter", data={"window": world.window_id})
    assert response.status_code == 302
    assert "checked in at 中山路营业厅 · 1 号窗口" in client.get("/ratings/counter").get_data(
        as_text=True
    )
    with client.session_transaction() as session:
        session.clear()

    shift = kiosk_form(client, world.kiosk_token)
    html = client.get(f"/kiosk/{world.kiosk_token}").get_data(as_text=True)
    assert "肖怡娟" in html and "C001" in html
    response = _rate(client, world.kiosk_token, shift, 5, [world.reason_ids["quick"]], "很耐心")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/kiosk/{world.kiosk_token}/thanks")
    thanks = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'data-kiosk-reset="8"' in thanks and "js/kiosk.js" in thanks
    assert k01("C001", "2026-12") == (100.0, "ratings")
    assert _rate(client, world.kiosk_token, shift, 2).status_code == 302
    assert k01("C001", "2026-12") == (50.0, "ratings")
    assert _rate(client, world.kiosk_token, shift, 4).status_code == 302
    assert k01("C001", "2026-12") == (66.67, "ratings")


def test_a_handover_moves_the_kiosk_to_the_new_clerk(client, world, check_in, k01):
    check_in(world.clerk, world.window_id)
    old_shift = kiosk_form(client, world.kiosk_token)
    check_in(world.clerk2, world.window_id)
    new_shift = kiosk_form(client, world.kiosk_token)
    assert new_shift != old_shift
    # a form shown just before the hand-over still rates the person it showed
    assert _rate(client, world.kiosk_token, old_shift, 5).status_code == 302
    assert _rate(client, world.kiosk_token, new_shift, 1).status_code == 302
    assert k01("C001", "2026-12") == (100.0, "ratings")
    assert k01("C002", "2026-12") == (0.0, "ratings")
    # ... but not once the hand-over is long past
    clock.advance(timedelta(minutes=11))
    refused = _rate(client, world.kiosk_token, old_shift, 5)
    assert refused.status_code == 409
    assert "当班人员已更换，请重新评价。" in refused.get_data(as_text=True)


def test_a_shift_of_another_window_is_refused(client, world, check_in):
    check_in(world.clerk2, world.window2_id)
    from app.kiosk.models import CheckIn

    with client.application.app_context():
        other = _db.session.query(CheckIn).one().id
    assert _rate(client, world.kiosk_token, other, 5).status_code == 409


def test_hostile_kiosk_forms_are_refused_not_crashed(client, world, check_in):
    check_in(world.clerk, world.window_id)
    shift = kiosk_form(client, world.kiosk_token)
    for data in (
        {"shift": "99999999999999999999", "stars": 5},
        {"shift": "²", "stars": 5},
        {"shift": shift, "stars": "99999999999999999999", "reasons": ["99999999999999999999"]},
        {"shift": shift, "stars": 5, "comment": "x" * 501},
    ):
        assert client.post(f"/kiosk/{world.kiosk_token}", data=data).status_code in (409, 422)
    assert client.get("/kiosk/" + "a" * 101).status_code == 404
    assert client.get("/rate/" + "a" * 401).status_code == 404


@pytest.mark.parametrize("stars", [0, 6, "x", ""])
def test_stars_out_of_range_are_refused(client, world, check_in, stars, k01):
    check_in(world.clerk, world.window_id)
    shift = kiosk_form(client, world.kiosk_token)
    assert _rate(client, world.kiosk_token, shift, stars).status_code == 422
    assert k01("C001", "2026-12") is None


def test_comments_with_a_held_word_or_no_content_wait_for_hr(app, client, world, check_in, k01):
    check_in(world.clerk, world.window_id)
    shift = kiosk_form(client, world.kiosk_token)
    _rate(client, world.kiosk_token, shift, 1, comment="服务太垃圾了")
    _rate(client, world.kiosk_token, shift, 2, comment="。。。。")
    _rate(client, world.kiosk_token, shift, 5, comment="讲解很清楚")
    # the stars count whatever happens to the comments
    assert k01("C001", "2026-12") == (33.33, "ratings")
    with client.session_transaction() as session:
        session["_user_id"] = world.clerk.session_token
    mine = client.get("/ratings/my").get_data(as_text=True)
    assert "讲解很清楚" in mine and "垃圾" not in mine and "。。。。" not in mine
    assert "(waiting for review)" in mine

    with client.session_transaction() as session:
        session["_user_id"] = world.hr.session_token
    review = client.get("/ratings/review").get_data(as_text=True)
    assert "服务太垃圾了" in review and "empty of content" in review
    from app.kiosk.models import Rating

    with app.app_context():
        held = {r.comment: r.id for r in _db.session.query(Rating).filter_by(comment_state="held")}
    client.post(f"/ratings/{held['服务太垃圾了']}/review", data={"remove": "1"})
    client.post(f"/ratings/{held['。。。。']}/review", data={"show": "1"})
    with client.session_transaction() as session:
        session["_user_id"] = world.clerk.session_token
    mine = client.get("/ratings/my").get_data(as_text=True)
    assert "垃圾" not in mine and "。。。。" in mine and "(waiting for review)" not in mine
    with app.app_context():
        removed = _db.session.get(Rating, held["服务太垃圾了"])
        assert removed.comment == "" and removed.comment_state == "rejected"


def test_nothing_about_the_customer_is_stored(app, client, world, check_in):
    from app.kiosk.models import Rating

    check_in(world.clerk, world.window_id)
    shift = kiosk_form(client, world.kiosk_token)
    client.post(
        f"/kiosk/{world.kiosk_token}",
        data={"shift": shift, "stars": 4},
        environ_base={"REMOTE_ADDR": "203.0.113.9", "HTTP_USER_AGENT": "Tablet/1.0"},
    )
    with app.app_context():
        stored = [str(v) for v in vars(_db.session.query(Rating).one()).values()]
    assert not any("203.0.113.9" in v or "Tablet" in v for v in stored)


class Throttled(TestingConfig):
    """Small budgets, so a test can reach them."""

    RATINGS_LIMIT_DEVICE = "3 per minute"
    RATINGS_LIMIT_ADDRESS = "5 per minute"


def test_ratings_are_throttled_per_device_and_per_address(make_app, world, check_in, mint):
    check_in(world.clerk, world.window_id)
    client = make_app(Throttled).test_client()
    shift = kiosk_form(client, world.kiosk_token)
    responses = [_rate(client, world.kiosk_token, shift, 5) for _ in range(4)]
    assert [r.status_code for r in responses] == [302, 302, 302, 429]
    assert "短时间内评价过多" in responses[-1].get_data(as_text=True)
    # receipts from one address: five a minute, then refused
    phone = {"REMOTE_ADDR": "198.51.100.7"}
    codes = [
        client.post(f"/rate/{mint(f'T-{n}')}", data={"stars": 5}, environ_base=phone).status_code
        for n in range(6)
    ]
    assert codes == [302] * 5 + [429]


class Protected(TestingConfig):
    """The real forms: CSRF on."""

    WTF_CSRF_ENABLED = True


def test_the_kiosk_form_needs_its_csrf_token(make_app, world, check_in, k01):
    check_in(world.clerk, world.window_id)
    client = make_app(Protected).test_client()
    page = client.get(f"/kiosk/{world.kiosk_token}").get_data(as_text=True)
    shift = kiosk_form(client, world.kiosk_token)
    assert _rate(client, world.kiosk_token, shift, 5).status_code == 400
    response = client.post(
        f"/kiosk/{world.kiosk_token}",
        data={"shift": shift, "stars": 5, "csrf_token": csrf_token_from(page)},
    )
    assert response.status_code == 302
    assert k01("C001", "2026-12") == (100.0, "ratings")


def test_the_kiosk_sends_the_security_headers_and_no_inline_script(client, world, check_in):
    check_in(world.clerk, world.window_id)
    response = client.get(f"/kiosk/{world.kiosk_token}")
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    html = response.get_data(as_text=True)
    assert "<script>" not in html and "onclick" not in html and 'style="' not in html


def test_the_device_budget_is_shared_between_servers_through_redis(make_app, world, check_in):
    from tests.conftest import redis_available, redis_url, require_service

    if not redis_available():
        require_service(f"Redis is not reachable at {redis_url()}")
    import redis

    redis.Redis.from_url(redis_url()).flushdb()

    class RedisThrottled(Throttled):
        RATELIMIT_STORAGE_URI = redis_url()

    check_in(world.clerk, world.window_id)
    first, second = make_app(RedisThrottled), make_app(RedisThrottled)
    shift = kiosk_form(first.test_client(), world.kiosk_token)
    codes = [
        _rate((first if n % 2 else second).test_client(), world.kiosk_token, shift).status_code
        for n in range(4)
    ]
    assert codes == [302, 302, 302, 429]
    redis.Redis.from_url(redis_url()).flushdb()
