"""History: versions side by side with the changed fields marked, who changed what and when."""

import re

from tests.bank.conftest import form_values
from tests.bank.test_import_service import SINGLE


def _edit(client, key, **changes):
    page = client.get(f"/bank/questions/{key}/edit").get_data(as_text=True)
    response = client.post(
        f"/bank/questions/{key}/edit", data=form_values(page, "question-form", **changes)
    )
    assert response.status_code == 302, response.get_data(as_text=True)


def _rows(page):
    table = re.search(r'data-testid="version-diff".*?</table>', page, re.S).group(0)
    pattern = r'<tr\s*(class="table-warning" data-changed="true")?>(.*?)</tr>'
    return re.findall(pattern, table, re.S)


def test_two_versions_side_by_side_mark_what_changed(client, login_as, import_yaml):
    import_yaml(SINGLE)
    login_as("trainer", name="李培训")
    _edit(client, "t-single", questiontext="居民客户全过程办电时间最多几个工作日？")
    page = client.get("/bank/questions/t-single/history").get_data(as_text=True)
    assert "1 fields differ between v1 and v2." in page
    changed = [body for flag, body in _rows(page) if flag]
    assert len(changed) == 1 and "Question text" in changed[0]
    assert "<del>不超过</del>" in changed[0] and "<ins>最多</ins>" in changed[0]
    unchanged = [body for flag, body in _rows(page) if not flag]
    # an answer's parts are named in words, not by the file's keys
    answer = "Text: 5个工作日 | Share of the mark: 1 | Feedback: 正确"
    assert any(answer in body for body in unchanged)
    assert not any("fraction:" in body for body in unchanged)
    header = re.search(r'data-testid="version-diff">\s*<thead>(.*?)</thead>', page, re.S).group(1)
    assert "v1 · import" in header and "v2 · 李培训" in header


def test_the_version_list_says_what_changed_and_who_made_it(client, login_as, import_yaml):
    import_yaml(SINGLE)
    login_as("trainer", name="李培训")
    _edit(client, "t-single", name="居民办电时限", difficulty="3")
    page = client.get("/bank/questions/t-single/history").get_data(as_text=True)
    versions = re.search(r'data-testid="version-list".*?</table>', page, re.S).group(0)
    assert "李培训" in versions and "Question name, Difficulty" in versions


def test_any_two_versions_can_be_chosen(client, login_as, import_yaml):
    import_yaml(SINGLE)
    import_yaml(SINGLE.replace("5个工作日", "3个工作日"))
    import_yaml(SINGLE.replace("5个工作日", "3个工作日").replace("difficulty: 1", "difficulty: 2"))
    login_as("trainer")
    default = client.get("/bank/questions/t-single/history").get_data(as_text=True)
    assert "between v2 and v3." in default, "the newest against the one before"
    versions = re.search(r'data-testid="version-list".*?</table>', default, re.S).group(0)
    assert "<td>Answers</td>" in versions and "<td>Difficulty</td>" in versions
    chosen = client.get("/bank/questions/t-single/history?a=3&b=1").get_data(as_text=True)
    assert "2 fields differ between v3 and v1." in chosen
    odd = client.get("/bank/questions/t-single/history?a=9&b=x")
    assert odd.status_code == 200 and "between v2 and v3." in odd.get_data(as_text=True)
    assert client.get("/bank/questions/nope/history").status_code == 404


def test_the_audit_trail_shows_changes_that_make_no_version(app, db, client, login_as, import_yaml):
    import_yaml(SINGLE)
    login_as("trainer", name="王培训")
    _edit(client, "t-single", status="retired", tags="十项承诺, 旧版")
    page = client.get("/bank/questions/t-single/history").get_data(as_text=True)
    trail = re.search(r'data-testid="audit-trail".*?</table>', page, re.S).group(0)
    rows = re.findall(r"<tr>(.*?)</tr>", trail, re.S)[1:]
    assert len(rows) == 2
    newest = " ".join(rows[0].split())
    assert "王培训" in newest and "edited" in newest
    assert "Status: ready → retired" in newest and "Tags: 十项承诺 → 十项承诺, 旧版" in newest
    assert "imported" not in rows[1] and "created" in rows[1]


def test_history_queries_do_not_grow_with_versions(client, login_as, import_yaml, count_queries):
    import_yaml(SINGLE)
    import_yaml(SINGLE.replace("5个工作日", "3个工作日"))
    login_as("trainer")
    with count_queries() as few:
        assert client.get("/bank/questions/t-single/history").status_code == 200
    for n in range(6):
        import_yaml(SINGLE.replace("5个工作日", f"{n + 6}个工作日"))
    with count_queries() as many:
        page = client.get("/bank/questions/t-single/history").get_data(as_text=True)
    assert "/versions/8" in page
    assert many.n == few.n, many.statements
