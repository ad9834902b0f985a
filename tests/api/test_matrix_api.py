"""A person's competencies, the competency matrix and ratings through the API."""


def test_a_person_sees_every_competency_with_required_current_and_evidence(
    client, api_as, take_quiz
):
    clerk, headers = api_as("staff")
    attempt_id = take_quiz(clerk, {1: 3, 2: 2})
    body = client.get(f"/api/v1/people/{clerk.employee_no}/competencies", headers=headers)
    assert body.status_code == 200
    data = body.get_json()
    assert data["employee_no"] == clerk.employee_no and data["job_role"] == "CTR"
    assert len(data["competencies"]) == 27
    cm2 = next(c for c in data["competencies"] if c["code"] == "CM2")
    assert (cm2["required"], cm2["current"]) == (4, 2)
    assert {e["source"] for e in cm2["evidence"]} == {"quiz_attempt"}
    assert {e["source_id"] for e in cm2["evidence"]} == {attempt_id}
    # the difficulty-1 result (100 %) supports level 2, the difficulty-2 result (67 %) level 2
    assert sorted(e["level"] for e in cm2["evidence"]) == [2, 2]
    sv1 = next(c for c in data["competencies"] if c["code"] == "SV1")
    assert sv1["current"] is None and sv1["evidence"] == [] and sv1["required"] == 4


def test_staff_see_only_themselves_and_managers_their_subtree(client, api_as, make_user):
    clerk = make_user()
    _other, staff_headers = api_as("staff")
    url = f"/api/v1/people/{clerk.employee_no}/competencies"
    assert client.get(url, headers=staff_headers).status_code == 403
    _manager, manager_headers = api_as("manager", manages=["测试公司/测试分中心"])
    assert client.get(url, headers=manager_headers).status_code == 200
    _far, far_headers = api_as("manager", manages=["测试公司/别的分中心"])
    assert client.get(url, headers=far_headers).status_code == 403
    assert (
        client.get("/api/v1/people/NOPE/competencies", headers=manager_headers).status_code == 404
    )


def test_the_matrix_is_paged_by_employee_number_and_filtered(
    client, api_as, make_user, service_token, take_quiz
):
    first = make_user(employee_no="M0002")
    make_user(employee_no="M0001", job_role="CC", department="测试公司/别的分中心/一班")
    take_quiz(first, {1: 3, 2: 2})
    headers = service_token("reports:read")
    body = client.get("/api/v1/competency-matrix", headers=headers).get_json()
    assert [row["employee_no"] for row in body["items"]] == ["M0001", "M0002"]
    row = body["items"][1]
    assert row["competencies"]["CM2"] == {"required": 4, "current": 2}
    assert row["competencies"]["SV1"] == {"required": 4, "current": None}
    assert len(row["competencies"]) == 27 and row["job_role"] == "CTR"
    cc = client.get("/api/v1/competency-matrix?job_role=CC", headers=headers).get_json()
    assert [r["employee_no"] for r in cc["items"]] == ["M0001"]
    dept = client.get(
        "/api/v1/competency-matrix?department=测试公司/测试分中心", headers=headers
    ).get_json()
    assert [r["employee_no"] for r in dept["items"]] == ["M0002"]
    page = client.get("/api/v1/competency-matrix?page_size=1&page=2", headers=headers)
    assert [r["employee_no"] for r in page.get_json()["items"]] == ["M0002"]


def test_the_matrix_runs_the_same_queries_whatever_the_size(
    client, count_queries, make_user, service_token, take_quiz
):
    headers = service_token("reports:read")

    def count():
        client.get("/api/v1/competency-matrix", headers=headers)
        with count_queries() as counter:
            assert client.get("/api/v1/competency-matrix", headers=headers).status_code == 200
        return counter.n

    take_quiz(make_user(), {1: 3})
    small = count()
    for _n in range(5):
        take_quiz(make_user(job_role="CC"), {1: 2, 2: 3})
    assert count() == small


def test_a_manager_rates_their_clerk_and_the_level_follows(client, api_as, make_user, take_quiz):
    clerk = make_user()
    take_quiz(clerk, {1: 3, 2: 3})
    _manager, headers = api_as("manager", manages=["测试公司/测试分中心"])
    response = client.post(
        f"/api/v1/people/{clerk.employee_no}/ratings",
        json={"code": "CM2", "level": 3, "comment": "能安抚情绪激动的客户"},
        headers=headers,
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["rater_role"], body["level"], body["current"]) == ("manager", 3, 3)


def test_ratings_are_refused_to_staff_and_for_unknown_codes(client, api_as, make_user):
    clerk = make_user()
    _staff, staff_headers = api_as("staff")
    url = f"/api/v1/people/{clerk.employee_no}/ratings"
    refused = client.post(url, json={"code": "CM2", "level": 3}, headers=staff_headers)
    assert refused.status_code == 403
    _hr, hr_headers = api_as("hr")
    unknown = client.post(url, json={"code": "ZZ9", "level": 3}, headers=hr_headers)
    assert unknown.status_code == 422 and unknown.get_json()["errors"][0]["field"] == "code"
    bad = client.post(url, json={"code": "CM2", "level": 6}, headers=hr_headers)
    assert bad.status_code == 422
