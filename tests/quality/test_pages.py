"""The service-quality pages by role: indicators for everyone, scores for HR and managers,
imports, batches and corrections for HR and admins; the scores page's queries stay constant."""

import io
import re

import pytest
from sqlalchemy import select

from app.quality.models import Score
from tests.quality.conftest import PERIOD, csv_bytes

HALL = "测试公司/测试分中心/测试营业厅"
OTHER = "测试公司/别的分中心/一班"


@pytest.fixture
def scored(make_user, indicators, import_scores):
    """Two clerks in the test hall and one elsewhere, with November values."""
    make_user(employee_no="P0001", name="王芳")
    make_user(employee_no="P0002", name="李强")
    make_user(employee_no="P0003", name="赵敏", department=OTHER)
    import_scores(
        PERIOD,
        csv_bytes(
            *(f"P000{n},K01,{v}" for n, v in ((1, 95.58), (2, 99), (3, 97.2))),
            *(f"P000{n},K04,90" for n in (1, 2, 3)),
            *(f"P000{n},K07,5" for n in (1, 2, 3)),
            "P0002,K15,1",
        ),
    )


def _rows(page: str) -> list[str]:
    return re.findall(r'data-employee="([^"]+)"', page)


def test_hr_sees_every_person_with_composite_ranks_and_named_indicators(client, login_as, scored):
    login_as("hr")
    page = client.get(f"/quality/scores?period={PERIOD}").get_data(as_text=True)
    assert _rows(page) == ["P0001", "P0002", "P0003"]
    assert "K01 Customer satisfaction rate" in page and "Service hall counter clerk" in page
    # P0001: K01 62, K04 100, K07 100 with weights 25/15/10 -> (1550 + 2500) / 50 = 81.00
    assert "81.00" in page
    # P0002: 100 everywhere but a safety violation: capped at 60
    assert "60.00" in page and "Gate: K15" in page
    assert "/quality/scores/" in page and "/correct" in page, "HR may correct values"
    assert "Service quality" in client.get("/home").get_data(as_text=True)


def test_filters_and_sorting(client, login_as, scored, app, db):
    from app.org.models import Department

    login_as("hr")
    with app.app_context():
        other = db.session.scalar(select(Department).where(Department.full_name == OTHER))
    page = client.get(f"/quality/scores?period={PERIOD}&department={other.id}")
    assert _rows(page.get_data(as_text=True)) == ["P0003"]
    page = client.get(f"/quality/scores?period={PERIOD}&sort=composite_desc")
    assert _rows(page.get_data(as_text=True)) == ["P0003", "P0001", "P0002"]
    page = client.get(f"/quality/scores?period={PERIOD}&job_role=2")  # CC: nobody
    assert "No scores for this period and filter." in page.get_data(as_text=True)


def test_a_manager_sees_their_subtree_read_only_and_staff_are_refused(client, login_as, scored):
    login_as("manager", manages=["测试公司/测试分中心"])
    page = client.get(f"/quality/scores?period={PERIOD}").get_data(as_text=True)
    assert _rows(page) == ["P0001", "P0002"]
    assert "/correct" not in page and "Import scores" not in page
    assert client.get("/quality/scores/import").status_code == 403
    login_as("staff")
    assert client.get("/quality/scores").status_code == 403
    assert client.get("/quality/").status_code == 200, "staff read what they are measured by"
    assert client.get("/quality/indicators/K01").status_code == 200
    assert client.get("/quality/indicators/K01/edit").status_code == 403


def test_the_scores_page_runs_the_same_queries_whatever_the_size(
    client, login_as, make_user, import_scores, indicators, count_queries
):
    login_as("hr")

    def count() -> int:
        client.get(f"/quality/scores?period={PERIOD}")
        with count_queries() as counter:
            assert client.get(f"/quality/scores?period={PERIOD}").status_code == 200
        return counter.n

    make_user(employee_no="Q0001")
    import_scores(PERIOD, csv_bytes("Q0001,K01,98", "Q0001,K04,90"))
    small = count()
    for n in range(2, 8):
        make_user(employee_no=f"Q000{n}", job_role="CC" if n % 2 else "CTR")
    rows = [f"Q000{n},K01,{90 + n}" for n in range(1, 8)]
    rows += [f"Q000{n},K04,{80 + n}" for n in range(1, 8)]
    rows += [f"Q000{n},K06,{85 + n}" for n in range(1, 8)]
    import_scores(PERIOD, csv_bytes(*rows))
    assert count() == small


def test_hr_previews_then_confirms_an_upload(app, db, client, login_as, make_user, indicators):
    login_as("hr")
    make_user(employee_no="U1001")
    data = csv_bytes("U1001,K01,98.4")
    page = client.post(
        "/quality/scores/import",
        data={"period": PERIOD, "file": (io.BytesIO(data), "k01.csv")},
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    assert 'data-testid="import-preview"' in page and "K01 Customer satisfaction rate" in page
    with app.app_context():
        assert db.session.scalar(select(Score.id)) is None, "the preview writes nothing"
    payload = re.search(r'name="payload" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post(
        "/quality/scores/import/confirm",
        data={"period": PERIOD, "filename": "k01.csv", "payload": payload},
    )
    assert response.status_code == 302 and "/quality/batches/" in response.headers["Location"]
    batch = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "k01.csv" in batch and "U1001" in batch and "98.4" in batch


def test_an_upload_with_bad_rows_shows_them_all(client, login_as, make_user, indicators):
    login_as("admin")
    make_user(employee_no="U1002")
    data = csv_bytes("U1002,K01,98.4", "U1002,K01,97", "NOBODY,K04,90")
    response = client.post(
        "/quality/scores/import",
        data={"period": PERIOD, "file": (io.BytesIO(data), "bad.csv")},
        content_type="multipart/form-data",
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert (
        "bad.csv:3: U1002 K01 repeats row 2" in page
        and "bad.csv:4: unknown employee NOBODY" in page
    )


def test_hr_corrects_a_value_and_the_batch_shows_before_and_after(
    app, db, client, login_as, scored
):
    login_as("hr")
    with app.app_context():
        score_id = db.session.scalar(select(Score.id).where(Score.value == 95.58))
    page = client.get(f"/quality/scores/{score_id}/correct").get_data(as_text=True)
    assert "K01 Customer satisfaction rate" in page and "95.58 %" in page
    response = client.post(
        f"/quality/scores/{score_id}/correct", data={"value": "97.3", "reason": "评价器故障"}
    )
    assert response.status_code == 302
    with app.app_context():
        score = db.session.get(Score, score_id)
        assert score.value == 97.3
        batch_id = score.batch_id
    batch = client.get(f"/quality/batches/{batch_id}").get_data(as_text=True)
    assert "评价器故障" in batch and "95.58" in batch and "97.3" in batch
    assert "Correction" in client.get("/quality/batches").get_data(as_text=True)
    refused = client.post(
        f"/quality/scores/{score_id}/correct", data={"value": "97.3", "reason": ""}
    )
    assert refused.status_code == 200 and "This field is required." in refused.get_data(
        as_text=True
    )


def test_the_template_lists_each_person_and_indicator_of_their_role(
    client, login_as, make_user, indicators
):
    login_as("hr")
    make_user(employee_no="T1001")
    response = client.get(f"/quality/scores/template.csv?period={PERIOD}")
    text = response.get_data().decode("utf-8-sig")
    lines = text.splitlines()
    assert lines[0] == "employee_no,indicator,value"
    assert "T1001,K01," in lines and "T1001,K17," in lines and "T1001,K06," not in lines
    assert client.get("/quality/scores/template.xlsx").status_code == 200


def test_hr_edits_an_indicator_and_sets_parameters_on_the_pages(
    app, db, client, login_as, indicators
):
    login_as("hr")
    form = {
        "name_zh": "客户满意度",
        "name_en": "Customer satisfaction",
        "definition_zh": "满意评价数 ÷ 全部评价数",
        "unit": "percent",
        "direction": "higher",
        "strength_CM2": "3",
        "strength_CM1": "2",
    }
    response = client.post("/quality/indicators/K01/edit", data=form)
    assert response.status_code == 302
    page = client.get("/quality/indicators/K01").get_data(as_text=True)
    assert "K01 Customer satisfaction" in page and "Version" in page
    assert "CM1" in page and "2 strong" in page
    fields = {"valid_from": "2027-01", "note": "只看满意率和一次解决率"}
    fields.update({"weight_K01": "70", "floor_K01": "90", "target_K01": "99", "ceiling_K01": "100"})
    fields.update({"weight_K04": "30", "floor_K04": "70", "target_K04": "90", "ceiling_K04": "100"})
    response = client.post("/quality/parameters/CTR/edit", data=fields)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    page = client.get("/quality/parameters/CTR").get_data(as_text=True)
    assert "From 2027-01" in page and "Upcoming" in page
    fields["weight_K04"] = "20"
    page = client.post("/quality/parameters/CTR/edit", data={**fields, "valid_from": "2027-02"})
    assert "the weights add up to 90, not 100" in page.get_data(as_text=True)


def test_the_indicator_file_round_trips_through_the_pages(client, login_as, indicators):
    login_as("hr")
    exported = client.get("/quality/indicators/export.yaml")
    assert exported.status_code == 200 and b"K01" in exported.data
    page = client.post(
        "/quality/indicators/import",
        data={"file": (io.BytesIO(exported.data), "indicators.yaml")},
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    assert "The file matches the indicators: there is nothing to import." in page
    assert "Service hall counter clerk from 2000-01" in page and "K17 Online channel" in page
    broken = exported.data.replace(b"unit: percent", b"unit: litres", 1)
    response = client.post(
        "/quality/indicators/import",
        data={"file": (io.BytesIO(broken), "broken.yaml")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422 and "broken.yaml:" in response.get_data(as_text=True)


def test_pages_speak_chinese(client, login_as, scored):
    login_as("hr")
    page = client.get(
        f"/quality/scores?period={PERIOD}", headers={"Accept-Language": "zh-CN"}
    ).get_data(as_text=True)
    assert "K01 客户满意率" in page and "营业厅柜员" in page and "综合得分" in page
