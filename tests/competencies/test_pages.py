"""The framework pages: everyone reads names and level texts; HR edits, imports, exports."""

import io

from openpyxl import load_workbook

from app.competencies import queries
from tests.competencies.test_framework_import import NEW_COMPETENCY


def _zh(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh-CN"


def test_staff_read_the_framework_with_names_and_level_texts_in_chinese(client, login_as):
    login_as("staff")
    _zh(client)
    page = client.get("/competencies/").get_data(as_text=True)
    assert "服务理念与规范礼仪" in page and "SV1 服务意识与承诺践行" in page
    assert "知晓" in page and "专家" in page
    assert "能说出十项承诺主要时限" in page  # SV1's level-1 anchor
    assert "Add a competency" not in page and "新增能力项" not in page
    detail = client.get("/competencies/c/CM2").get_data(as_text=True)
    assert "CM2 情绪安抚与冲突化解" in detail and "营业厅柜员" in detail


def test_hr_edits_a_competency_and_the_history_keeps_both_versions(app, client, login_as):
    hr = login_as("hr")
    form = client.get("/competencies/c/SV2/edit").get_data(as_text=True)
    assert 'name="level5_zh"' in form
    with app.test_request_context():
        version = queries.get_competency("SV2").latest
        data = {
            "domain_id": queries.get_competency("SV2").domain_id,
            "name_zh": "窗口与电话服务礼仪（修订）",
            "name_en": version.name_en,
            "description_zh": version.description_zh,
            "description_en": version.description_en,
            "validity_months": 18,
            "note": "按新规范修订",
        }
        for n in range(1, 6):
            data[f"level{n}_zh"] = version.descriptor(n, "zh_CN")
            data[f"level{n}_en"] = version.descriptor(n, "en")
    response = client.post("/competencies/c/SV2/edit", data=data)
    assert response.status_code == 302
    assert "18 months" in client.get("/competencies/c/SV2").get_data(as_text=True)
    _zh(client)
    page = client.get("/competencies/c/SV2").get_data(as_text=True)
    assert "窗口与电话服务礼仪（修订）" in page and "按新规范修订" in page and hr.name in page
    with app.app_context():
        assert [v.number for v in queries.versions_of(queries.get_competency("SV2"))] == [2, 1]


def test_a_form_missing_a_level_text_is_refused_with_its_field(client, login_as):
    login_as("hr")
    response = client.post(
        "/competencies/new",
        data={"code": "SV8", "domain_id": 1, "name_zh": "新能力", "validity_months": 24},
    )
    assert response.status_code == 200
    assert 'id="level1_zh-errors"' in response.get_data(as_text=True)


def test_retired_competencies_disappear_from_the_framework_page(client, login_as):
    login_as("hr")
    client.post("/competencies/c/SV5/retire")
    page = client.get("/competencies/").get_data(as_text=True)
    assert 'data-code="SV5"' not in page
    assert 'data-code="SV5"' in client.get("/competencies/?retired=1").get_data(as_text=True)
    client.post("/competencies/c/SV5/restore")
    assert 'data-code="SV5"' in client.get("/competencies/").get_data(as_text=True)


def test_hr_changes_ctr_cm2_from_a_date_and_the_profile_shows_both(app, client, login_as):
    login_as("hr")
    form = client.get("/competencies/profiles/CTR/edit").get_data(as_text=True)
    assert 'name="level_CM2"' in form
    with app.test_request_context():
        codes = [c.code for c in queries.active_competencies()]
        from app.competencies.loaders import get_job_role_or_404

        current = queries.profile_in_force(get_job_role_or_404("CTR").id).levels
    data = {f"level_{code}": current[code] for code in codes}
    data.update({"level_CM2": 5, "valid_from": "2031-07-01", "note": "投诉压力上升"})
    assert client.post("/competencies/profiles/CTR/edit", data=data).status_code == 302
    page = client.get("/competencies/profiles/CTR").get_data(as_text=True)
    assert 'data-valid-from="2031-07-01"' in page and 'data-valid-from="2000-01-01"' in page
    assert "投诉压力上升" in page
    charts = page.split("<svg")[1:]
    assert len(charts) >= 5 and not any("<script" in c.split("</svg>")[0] for c in charts)


def test_import_page_previews_then_imports(client, login_as):
    login_as("hr")
    upload = {"file": (io.BytesIO(NEW_COMPETENCY.encode()), "new.yaml")}
    preview = client.post(
        "/competencies/import", data=upload, content_type="multipart/form-data"
    ).get_data(as_text=True)
    assert 'data-testid="import-preview"' in preview and "SV9" in preview
    assert "SV9" not in client.get("/competencies/").get_data(as_text=True)
    import re

    payload = re.search(r'name="payload" type="hidden" value="([^"]+)"', preview).group(1)
    done = client.post(
        "/competencies/import/confirm", data={"filename": "new.yaml", "payload": payload}
    )
    assert done.status_code == 302
    assert 'data-code="SV9"' in client.get("/competencies/").get_data(as_text=True)


def test_a_broken_upload_names_its_lines(client, login_as):
    login_as("hr")
    upload = {"file": (io.BytesIO(NEW_COMPETENCY.replace("SV9", "sv9").encode()), "bad.yaml")}
    response = client.post("/competencies/import", data=upload, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "bad.yaml:5: competency code &#39;sv9&#39;" in response.get_data(as_text=True)


def test_hr_exports_xlsx(client, login_as):
    login_as("hr")
    response = client.get("/competencies/export.xlsx")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["scale", "domains", "competencies", "profiles"]
    assert book["competencies"].max_row == 28
