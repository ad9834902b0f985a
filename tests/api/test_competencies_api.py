"""GET /api/v1/competencies and GET /api/v1/job-roles/{code}/profile."""

from datetime import date


def test_every_active_competency_with_its_five_levels(client, api_as):
    _user, headers = api_as("staff")
    body = client.get(
        "/api/v1/competencies", headers={**headers, "Accept-Language": "zh-CN"}
    ).get_json()
    assert len(body["items"]) == 27
    sv1 = body["items"][0]
    assert set(sv1) == {"code", "domain", "name", "levels"}
    assert (sv1["code"], sv1["domain"], sv1["name"]) == ("SV1", "SV", "服务意识与承诺践行")
    assert sorted(sv1["levels"]) == ["1", "2", "3", "4", "5"]
    assert sv1["levels"]["1"] == "能说出十项承诺主要时限"


def test_names_follow_the_request_language(client, api_as):
    _user, headers = api_as("staff")
    body = client.get(
        "/api/v1/competencies", headers={**headers, "Accept-Language": "en"}
    ).get_json()
    assert body["items"][0]["name"] and body["items"][0]["name"] != "服务意识与承诺践行"


def test_the_profile_in_force_of_a_job_role(client, api_as, service_token):
    headers = service_token("reports:read")
    body = client.get("/api/v1/job-roles/CTR/profile", headers=headers).get_json()
    assert body["job_role"] == "CTR" and body["valid_from"] == "2000-01-01"
    levels = {row["code"]: row["required"] for row in body["competencies"]}
    assert len(levels) == 27 and levels["CM2"] == 4 and levels["SF1"] == 1


def test_a_later_profile_applies_from_its_date(app, db, client, api_as):
    from app.competencies import queries, services

    with app.app_context():
        role = queries.job_role_by_code("CTR")
        levels = queries.profile_in_force(role.id).levels
        services.set_profile(None, role, date(2030, 1, 1), {**levels, "CM2": 5})
    _user, headers = api_as("hr")
    now = client.get("/api/v1/job-roles/CTR/profile", headers=headers).get_json()
    later = client.get("/api/v1/job-roles/CTR/profile?on=2030-06-01", headers=headers).get_json()
    assert {r["code"]: r["required"] for r in now["competencies"]}["CM2"] == 4
    assert later["valid_from"] == "2030-01-01"
    assert {r["code"]: r["required"] for r in later["competencies"]}["CM2"] == 5


def test_unknown_job_roles_and_other_scopes_are_refused(client, api_as, service_token):
    _user, headers = api_as("staff")
    missing = client.get("/api/v1/job-roles/XX/profile", headers=headers)
    assert missing.status_code == 404 and missing.get_json()["code"] == "not_found"
    other = client.get("/api/v1/competencies", headers=service_token("users:read"))
    assert other.status_code == 403 and other.get_json()["code"] == "insufficient_scope"
