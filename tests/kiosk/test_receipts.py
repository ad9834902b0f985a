"""The receipt link: a token of (hall, window, employee no., transaction, issued at) signed with
the hall's secret, minted by the hall's system, the API or the CLI; valid 7 days; rated once."""

from datetime import UTC, datetime, timedelta

from app.core import clock
from app.extensions import db as _db


def test_a_receipt_is_rated_once(client, world, mint, k01):
    token = mint("20261204-000123")
    page = client.get(f"/rate/{token}")
    assert page.status_code == 200
    assert "肖怡娟" in page.get_data(as_text=True)
    response = client.post(f"/rate/{token}", data={"stars": 4, "comment": "很快"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/thanks")
    assert k01("C001", "2026-12") == (100.0, "ratings")
    again = client.post(f"/rate/{token}", data={"stars": 1})
    assert again.status_code == 409
    assert "already been rated" in again.get_data(as_text=True)
    assert client.get(f"/rate/{token}").status_code == 409
    # a second token for the same transaction (the hall system printed it twice) is refused too
    reprint = mint("20261204-000123", issued_at=clock.now() - timedelta(minutes=1))
    assert client.post(f"/rate/{reprint}", data={"stars": 1}).status_code == 409
    assert k01("C001", "2026-12") == (100.0, "ratings")


def test_the_same_transaction_number_in_another_hall_is_another_rating(app, client, world, k01):
    from app.kiosk import services

    with app.app_context():
        hall = services.save_hall(None, None, code="RML", name="人民路营业厅")
        services.save_window(None, hall, None, code="01", name="1 号窗口")
        other, _r, _e = services.mint_receipt_token("RML", "01", "C001", "T-9")
        ours, _r, _e = services.mint_receipt_token("ZSL", "01", "C001", "T-9")
    assert client.post(f"/rate/{ours}", data={"stars": 5}).status_code == 302
    assert client.post(f"/rate/{other}", data={"stars": 1}).status_code == 302
    assert k01("C001", "2026-12") == (50.0, "ratings")


def test_a_receipt_expires_after_seven_days(client, world, mint):
    token = mint("T-old")
    clock.advance(timedelta(days=7))
    assert client.get(f"/rate/{token}").status_code == 410
    assert client.post(f"/rate/{token}", data={"stars": 5}).status_code == 410


def test_forged_malformed_or_rotated_receipts_answer_404(app, client, world, mint):
    from app.kiosk import services
    from app.kiosk.models import Hall

    token = mint("T-1")
    body, sig = token.split(".")
    for bad in ("x", "a.b", body + "." + sig[::-1], token + "x", "%00", "." * 3):
        assert client.get(f"/rate/{bad}").status_code == 404, bad
    with app.app_context():
        services.rotate_secret(None, _db.session.get(Hall, world.hall_id))
    assert client.get(f"/rate/{token}").status_code == 404


def test_a_receipt_naming_an_unknown_person_cannot_be_minted(app, world):
    import pytest

    from app.kiosk import services

    with app.app_context(), pytest.raises(services.RatingRefused):
        services.mint_receipt_token("ZSL", "01", "NOBODY", "T-1")


def test_the_hall_system_mints_through_the_api(client, world, service_token, k01):
    headers = service_token("ratings:mint", name="hall-zsl")
    body = {"hall": "ZSL", "window": "01", "employee_no": "C001", "transaction_no": "Q-77"}
    response = client.post("/api/v1/ratings/receipt-tokens", json=body, headers=headers)
    assert response.status_code == 201
    data = response.get_json()
    assert data["url"].endswith("/rate/" + data["token"])
    assert data["expires_at"] == "2026-12-11T02:00:00Z"
    assert client.post(f"/rate/{data['token']}", data={"stars": 3}).status_code == 302
    assert k01("C001", "2026-12") == (0.0, "ratings")


def test_the_api_refuses_other_scopes_staff_and_bad_fields(client, world, service_token, api_as):
    body = {"hall": "ZSL", "window": "01", "employee_no": "C001", "transaction_no": "Q-1"}
    url = "/api/v1/ratings/receipt-tokens"
    assert client.post(url, json=body, headers=service_token("scores:write")).status_code == 403
    _staff, headers = api_as("staff")
    assert client.post(url, json=body, headers=headers).status_code == 403
    _hr, headers = api_as("hr")
    assert client.post(url, json=body, headers=headers).status_code == 201
    bad = client.post(url, json={**body, "transaction_no": "a|b"}, headers=headers)
    assert bad.status_code == 422
    unknown = client.post(url, json={**body, "window": "99"}, headers=headers)
    assert unknown.status_code == 422 and unknown.get_json()["code"] == "validation_error"
    future = (clock.now() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert client.post(url, json={**body, "issued_at": future}, headers=headers).status_code == 422


def test_the_cli_mints_a_token(runner, world):
    result = runner.invoke(args=["ratings", "mint-token", "ZSL", "01", "C001", "CLI-1"])
    assert result.exit_code == 0, result.output
    token, url, until = result.output.splitlines()
    assert url.endswith(f"/rate/{token}") and until.startswith("valid until 2026-12-11")
    refused = runner.invoke(args=["ratings", "mint-token", "ZSL", "09", "C001", "CLI-1"])
    assert refused.exit_code != 0 and "Unknown window 09" in refused.output


def test_a_rating_counts_in_the_month_it_was_given_in_company_time(client, world, mint, k01):
    # 30 November 23:30 in Shanghai is 15:30 UTC: still November
    clock.freeze(datetime(2026, 11, 30, 15, 30, tzinfo=UTC))
    client.post(f"/rate/{mint('N-1')}", data={"stars": 5})
    clock.freeze(datetime(2026, 11, 30, 16, 30, tzinfo=UTC))  # 1 December 00:30 in Shanghai
    client.post(f"/rate/{mint('N-2')}", data={"stars": 1})
    assert k01("C001", "2026-11") == (100.0, "ratings")
    assert k01("C001", "2026-12") == (0.0, "ratings")
