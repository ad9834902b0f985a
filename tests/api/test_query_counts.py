"""List and attempt resources run a fixed number of queries, whatever the size of the data."""


def _count(client, count_queries, url, headers, **query):
    client.get(url, headers=headers, query_string=query)  # the token's first use writes last_used
    with count_queries() as counter:
        answer = client.get(url, headers=headers, query_string=query)
    assert answer.status_code == 200, answer.get_json()
    return counter.n


def test_people_list(client, count_queries, api_as, make_user):
    _hr, headers = api_as("hr")
    make_user(("staff",))
    small = _count(client, count_queries, "/api/v1/users", headers)
    for _n in range(6):
        make_user(("staff", "trainer"), department="测试公司/别的分中心/班组", job_role="CC")
    assert _count(client, count_queries, "/api/v1/users", headers) == small


def test_question_list(client, count_queries, service_token, bank):
    headers = service_token("questions:read")
    small = _count(client, count_queries, "/api/v1/questions", headers, page_size=2)
    assert _count(client, count_queries, "/api/v1/questions", headers, page_size=20) == small


def test_attempt_with_many_questions(client, count_queries, api_as, make_quiz):
    _user, headers = api_as("staff")
    few = make_quiz(fixed=("t-single", "t-tf"))
    many = make_quiz(fixed=("t-single", "t-tf", "t-multiple", "t-match", "t-num", "t-short"))
    counts = []
    for quiz_id in (few, many):
        attempt = client.post(f"/api/v1/quizzes/{quiz_id}/attempts", headers=headers).get_json()
        counts.append(_count(client, count_queries, f"/api/v1/attempts/{attempt['id']}", headers))
    assert counts[0] == counts[1]


def test_course_list(client, count_queries, service_token, frozen, make_course):
    headers = service_token("training:read")
    make_course("一")
    small = _count(client, count_queries, "/api/v1/courses", headers)
    for title in ("二", "三", "四"):
        make_course(title)
    assert _count(client, count_queries, "/api/v1/courses", headers) == small
