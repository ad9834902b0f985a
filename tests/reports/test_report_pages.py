"""Every HR report page, export and printout opens for HR and for a manager, in Chinese."""

import pytest

from tests.reports.company import *  # noqa: F403
from tests.reports.company import sign_in

URLS = (
    "/reports/dashboard",
    "/reports/dashboard.xlsx",
    "/reports/dashboard.csv",
    "/reports/dashboard.pdf",
    "/reports/competencies.pdf",
    "/reports/compliance",
    "/reports/compliance.xlsx",
    "/reports/compliance.csv",
    "/reports/compliance?status=not_assigned",
    "/reports/compliance?compliant=no",
    "/reports/assignments?status=overdue&mandatory=1",
    "/reports/assignments.xlsx?expiring=30",
    "/reports/assignments?due=1&period=2026-11",
    "/reports/quizzes",
    "/reports/quizzes.xlsx",
    "/home",
)


@pytest.mark.parametrize("who", ["hr", "manager"])
def test_every_report_opens_in_chinese(client, company, who):
    sign_in(client, getattr(company, who))
    for url in (*URLS, f"/reports/people/{company.n1.id}"):
        response = client.get(url, headers={"Accept-Language": "zh-CN"})
        assert response.status_code == 200, url
        if response.mimetype == "text/html":
            assert 'lang="zh' in response.get_data(as_text=True), url
