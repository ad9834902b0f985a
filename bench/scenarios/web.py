"""Page scenarios: signing in, a staff member's home page, a trainer searching the bank."""

from urllib.parse import quote

from bench.registry import http_scenario

#: sessions signed in before timing, shared by the scenarios that need staff
STAFF_SESSIONS = 200


@http_scenario("login", identity="staff", identities=STAFF_SESSIONS, measured=("login",))
def login(user):
    """A new browser signs in: GET the form, POST it (the scrypt check is most of the cost)."""
    user.use_session({})
    user.get("/login", name="login_form")
    response = user.post(
        "/login",
        {"identifier": user.identity["employee_no"], "password": user.params["password"]},
        name="login",
        expect=(302,),
    )
    if response.status_code == 302 and not response.headers.get("Location", "").endswith("/home"):
        raise AssertionError(f"sign-in did not reach /home: {response.headers.get('Location')}")


@http_scenario("staff_home", identity="staff", identities=STAFF_SESSIONS)
def staff_home(user):
    """A signed-in staff member opens their home page."""
    user.get("/home", name="staff_home")


@http_scenario("bank_search", identity="trainer", identities=16)
def bank_search(user):
    """A trainer searches the bank for a word (the list page, filtered and paged)."""
    topics = user.params["topics"]
    user.state["n"] = user.state.get("n", 0) + 1
    topic = topics[user.state["n"] % len(topics)]
    user.get(f"/bank/?q={quote(topic)}", name="bank_search")
