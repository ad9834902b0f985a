"""The trainers' read-only bank pages: list, question, history."""

import re

from tests.bank.test_import_service import EVERY_TYPE, SINGLE


def test_bank_list_shows_latest_versions_with_filters(client, login_as, import_yaml):
    for text in EVERY_TYPE.values():
        import_yaml(text, name="x.yaml")
    import_yaml(SINGLE.replace("居民办电时间", "居民办电时间（修订）"))
    login_as("trainer")
    page = client.get("/bank/").get_data(as_text=True)
    assert "9 questions" in page
    assert "居民办电时间（修订）" in page and ">v2<" in page
    only = client.get("/bank/", query_string={"qtype": "essay"}).get_data(as_text=True)
    assert "1 questions" in only and "投诉处理" in only
    by_competency = client.get("/bank/", query_string={"competency": "SV5"}).get_data(as_text=True)
    assert "十个不准" in by_competency and "投诉处理" not in by_competency


def test_bank_list_queries_do_not_grow_with_the_bank(client, login_as, import_yaml, count_queries):
    login_as("trainer")
    import_yaml(SINGLE)
    with count_queries() as small:
        assert client.get("/bank/").status_code == 200
    many = "questions:\n" + "".join(
        f"""  - id: gen-{i}
    qtype: truefalse
    name: 题{i}
    category: 生成/类别{i % 5}
    questiontext: 第{i}题
    competencies: [SV{1 + i % 5}]
    tags: [t{i}]
    correct: true
"""
        for i in range(40)
    )
    import_yaml(many, name="many.yaml")
    with count_queries() as large:
        page = client.get("/bank/").get_data(as_text=True)
    assert "41 questions" in page
    assert large.n == small.n, large.statements


def test_question_page_previews_without_revealing_the_key(client, login_as, import_yaml):
    import_yaml(SINGLE)
    login_as("trainer")
    page = client.get("/bank/questions/t-single").get_data(as_text=True)
    preview = re.search(r'data-testid="question-preview">(.*?)</section>', page, re.S).group(1)
    assert "5个工作日" in preview and "10个工作日" in preview
    assert "正确" not in preview and "fraction" not in preview
    assert "正确" in page, "the answer key section shows the feedback"


def test_history_lists_every_version_and_opens_old_ones(client, login_as, import_yaml):
    import_yaml(SINGLE)
    import_yaml(SINGLE.replace("不超过几个工作日", "最多几个工作日"))
    login_as("trainer")
    page = client.get("/bank/questions/t-single").get_data(as_text=True)
    assert "/bank/questions/t-single/versions/1" in page and "/versions/2" in page
    old = client.get("/bank/questions/t-single/versions/1").get_data(as_text=True)
    assert "不超过几个工作日" in old
    assert client.get("/bank/questions/t-single/versions/3").status_code == 404
    assert client.get("/bank/questions/nope").status_code == 404


def test_every_type_renders_on_the_question_page(client, login_as, import_yaml):
    login_as("admin")
    for text in EVERY_TYPE.values():
        report = import_yaml(text, name="x.yaml")
        key = report.items[0].key
        assert client.get(f"/bank/questions/{key}").status_code == 200, key
