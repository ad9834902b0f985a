"""Both languages: the Chinese catalogue is complete and the language is chosen as promised."""

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "app/translations/zh_Hans_CN/LC_MESSAGES/messages.po"
KEYWORDS = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "lazy_gettext": None,
    "_l": None,
    # the same English word translated two ways ("In progress": 作答中 / 学习中) has a context
    "pgettext": ((1, "c"), 2),
    "lazy_pgettext": ((1, "c"), 2),
}
METHODS = [("app/**.py", "python"), ("app/templates/**.html", "jinja2")]


def _source_msgids() -> set[tuple[str | None, str]]:
    """(context, msgid) of every translatable string in the source."""
    found = set()
    for _file, _line, message, _comments, context in extract_from_dir(
        str(ROOT), method_map=METHODS, keywords=KEYWORDS, options_map={"app/templates/**.html": {}}
    ):
        found.add((context or None, message if isinstance(message, str) else message[0]))
    found.discard((None, ""))
    return found


def _catalogue():
    with PO.open("rb") as handle:
        return read_po(handle)


def test_every_source_string_has_a_chinese_translation():
    catalogue = _catalogue()
    translated = {
        (m.context or None, m.id if isinstance(m.id, str) else m.id[0])
        for m in catalogue
        if m.id and m.string and not m.fuzzy
    }
    missing = sorted(_source_msgids() - translated)
    assert missing == [], "run `make translations-update` and translate: " + repr(missing[:20])


def test_catalogue_has_no_fuzzy_or_empty_entries():
    bad = [m.id for m in _catalogue() if m.id and (m.fuzzy or not m.string)]
    assert bad == []


def test_placeholders_survive_translation():
    import re

    pattern = re.compile(r"%\(\w+\)[sdr]")
    for message in _catalogue():
        if message.id and message.string:
            msgid = message.id if isinstance(message.id, str) else message.id[0]
            msgstr = message.string if isinstance(message.string, str) else message.string[0]
            assert sorted(pattern.findall(msgid)) == sorted(pattern.findall(msgstr)), msgid


def test_accept_language_chooses_english(client):
    page = client.get("/login", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert "Sign in to SkillGrid" in page.get_data(as_text=True)


def test_accept_language_chooses_chinese(client):
    page = client.get("/login", headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"})
    text = page.get_data(as_text=True)
    assert "登录 SkillGrid" in text and 'lang="zh-CN"' in text


def test_chinese_is_the_default_without_a_preference(app):
    assert "登录 SkillGrid" in app.test_client().get("/login").get_data(as_text=True)


def test_user_preference_beats_the_browser(client, login_as):
    login_as("staff", locale="en")
    page = client.get("/home", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "My training" in page


def test_switcher_remembers_the_choice_on_the_account(app, db, client, login_as):
    from app.org.models import User

    user = login_as("staff")
    response = client.post("/language", data={"locale": "en", "next": "/home"})
    assert response.headers["Location"] == "/home"
    assert "My training" in client.get("/home", headers={"Accept-Language": "zh"}).get_data(
        as_text=True
    )
    with app.app_context():
        assert db.session.get(User, user.id).locale == "en"


def test_switcher_works_before_sign_in_and_ignores_unknown_languages(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh-CN"
    client.post("/language", data={"locale": "en", "next": "/login"})
    assert "Sign in to SkillGrid" in client.get("/login").get_data(as_text=True)
    client.post("/language", data={"locale": "xx", "next": "https://evil.example/"})
    assert "Sign in to SkillGrid" in client.get("/login").get_data(as_text=True)


def test_error_pages_in_both_languages(client):
    assert "页面不存在" in client.get("/nowhere", headers={"Accept-Language": "zh-CN"}).get_data(
        as_text=True
    )
    response = client.get("/nowhere", headers={"Accept-Language": "en"})
    assert response.status_code == 404 and "Page not found" in response.get_data(as_text=True)


def test_forbidden_page_in_both_languages(client, login_as):
    login_as("staff")
    zh = {"Accept-Language": "zh-CN"}
    assert "无权访问" in client.get("/org/users", headers=zh).get_data(as_text=True)
    client.post("/language", data={"locale": "en"})
    response = client.get("/org/users", headers=zh)
    assert response.status_code == 403 and "Access denied" in response.get_data(as_text=True)
