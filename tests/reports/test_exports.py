"""Exports of the report tables: XLSX with headings in the user's language, local times, statuses
in words, bold frozen headers and cells that never turn into formulas; CSV in UTF-8 with a BOM;
the dashboard and a department's competency report as PDF with their Chinese text."""

import csv
import io
from datetime import datetime

from openpyxl import load_workbook

from tests.reports.company import *  # noqa: F403
from tests.reports.company import sign_in

ZH = {"Accept-Language": "zh-CN"}


def _sheet(response, name=None):
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    workbook = load_workbook(io.BytesIO(response.data))
    return workbook[name] if name else workbook.worksheets[0]


def _rows(sheet) -> list[list]:
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def test_the_overdue_list_as_xlsx_in_chinese(client, company):
    sign_in(client, company.hr)
    sheet = _sheet(client.get("/reports/assignments.xlsx?status=overdue&mandatory=1", headers=ZH))
    rows = _rows(sheet)
    assert rows[0][:5] == ["工号", "姓名", "部门", "岗位", "课程"]
    assert sheet.freeze_panes == "A2" and sheet["A1"].font.b
    assert sorted(row[0] for row in rows[1:]) == ["N2", "N2", "S2", "S2"]
    status = rows[0].index("状态")
    assert {row[status] for row in rows[1:]} == {"已逾期"}
    assert rows[1][3] == "营业厅柜员"  # the job role's name, not its code
    assigned = rows[0].index("分配时间")
    # assigned at 02:00 UTC on 20 December 2025: 10:00 in the company's zone
    assert rows[1][assigned] == datetime(2025, 12, 20, 10, 0)


def test_the_overdue_list_as_csv_with_a_bom(client, company):
    sign_in(client, company.hr)
    response = client.get("/reports/assignments.csv?status=overdue&mandatory=1", headers=ZH)
    assert response.data.startswith("\ufeff".encode())
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][:2] == ["工号", "姓名"] and len(rows) == 5
    assert rows[1][rows[0].index("分配时间")] == "2025-12-20 10:00"


def test_text_that_looks_like_a_formula_stays_text(app, client, company, make_course, assign):
    course = make_course('=HYPERLINK("http://evil.example")')
    assign(course, user_id=company.n2.id)
    sign_in(client, company.hr)
    sheet = _sheet(client.get(f"/reports/assignments.xlsx?course={course}"))
    cell = sheet.cell(row=2, column=5)
    assert cell.value.startswith("=HYPERLINK") and cell.data_type == "s" and cell.quotePrefix
    text = client.get(f"/reports/assignments.csv?course={course}").data.decode("utf-8-sig")
    assert "'=HYPERLINK" in text


def test_the_compliance_matrix_as_xlsx(client, company):
    sign_in(client, company.hr)
    sheet = _sheet(client.get("/reports/compliance.xlsx", headers=ZH))
    rows = _rows(sheet)
    assert rows[0][4] == "全部必修课程有效" and {"安全规程", "服务礼仪"} <= set(rows[0])
    by_person = {row[0]: row for row in rows[1:]}
    assert by_person["N2"][4] == "否" and by_person["N1"][4] == "是"
    assert by_person["S1"][rows[0].index("安全规程")] == "即将到期"


def test_the_dashboard_as_xlsx_and_csv(client, company):
    sign_in(client, company.hr)
    response = client.get("/reports/dashboard.xlsx?period=2026-11", headers=ZH)
    workbook = load_workbook(io.BytesIO(response.data))
    departments = _rows(workbook.worksheets[0])
    assert departments[0][:3] == ["部门", "员工", "培训覆盖率"]
    assert departments[-1][1] == 4 and departments[-1][2] == 0.5
    assert workbook.worksheets[0]["C2"].number_format == "0.0%"
    assert len(workbook.worksheets) == 2
    text = client.get("/reports/dashboard.csv?period=2026-11", headers=ZH).data
    assert text.startswith("\ufeff".encode()) and "培训覆盖率" in text.decode("utf-8-sig")


def _pdf_text(content: bytes) -> str:
    import pypdfium2

    document = pypdfium2.PdfDocument(content)
    try:
        return "".join(page.get_textpage().get_text_range() for page in document)
    finally:
        document.close()


def test_the_dashboard_and_the_competency_report_print_in_chinese(client, company, make_department):
    north = make_department("测试公司/北区")
    sign_in(client, company.hr)
    dashboard = client.get(f"/reports/dashboard.pdf?department={north}", headers=ZH)
    assert dashboard.mimetype == "application/pdf" and dashboard.data.startswith(b"%PDF")
    text = _pdf_text(dashboard.data)
    assert "综合看板" in text and "测试公司/北区" in text and "培训覆盖率" in text
    report = client.get(f"/reports/competencies.pdf?department={north}", headers=ZH)
    text = _pdf_text(report.data)
    assert "能力报告" in text and "差距最大的十个能力项" in text
    english = client.get(f"/reports/competencies.pdf?department={north}")
    assert "Competency report" in _pdf_text(english.data)


def test_a_manager_exports_only_their_subtree(client, company):
    sign_in(client, company.manager)
    sheet = _sheet(client.get("/reports/compliance.xlsx"))
    assert sorted(row[0] for row in _rows(sheet)[1:]) == ["N1", "N2"]
    sheet = _sheet(client.get("/reports/assignments.xlsx"))
    assert {row[0] for row in _rows(sheet)[1:]} == {"N1", "N2"}
