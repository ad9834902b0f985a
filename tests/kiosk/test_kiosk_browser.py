"""In Chromium, in Chinese: a counter clerk checks in at a window; a customer rates her on the
kiosk (by keyboard), which thanks and resets by itself; another rates through a receipt's
link; a second rating of that transaction is refused; the clerk's K01 of the month follows.
The kiosk and receipt pages pass axe-core (WCAG 2.1 AA): no serious or critical violation."""

import re
import threading

import pytest
from axe_playwright_python.sync_playwright import Axe
from werkzeug.serving import make_server

from tests.browser.fixtures import LiveConfig
from tests.conftest import TEST_PASSWORD

pytestmark = pytest.mark.browser
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}
MONTH = "2026-12"


class KioskLiveConfig(LiveConfig):
    """CSRF on; the thanks resets after 2 seconds; no idle reload during the test."""

    RATINGS_RESET_SECONDS = 2
    RATINGS_KIOSK_IDLE_SECONDS = 600


@pytest.fixture
def kiosk_server(make_app):
    """A CSRF-protected app with a quick reset, on a free loopback port."""
    app = make_app(KioskLiveConfig)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


def _serious(page) -> list[str]:
    found = Axe().run(page, options=AXE_OPTIONS).response["violations"]
    return [
        f"{page.url}: {v['id']} ({v['impact']}) {[n['target'] for n in v['nodes'][:3]]}"
        for v in found
        if v["impact"] in ("serious", "critical")
    ]


def _k01(page, base) -> str:
    page.goto(f"{base}/quality/my?period={MONTH}")
    return page.locator('tr[data-code="K01"]').get_by_test_id("value").inner_text()


def test_a_clerk_checks_in_customers_rate_and_her_k01_follows(
    app, kiosk_server, _chromium, world, mint
):
    base = kiosk_server
    problems: list[str] = []
    staff = _chromium.new_context(locale="zh-CN")
    clerk = staff.new_page()
    clerk.set_default_timeout(10_000)

    # The clerk signs in and checks in at window 1 from her own page.
    clerk.goto(f"{base}/login")
    clerk.get_by_label(re.compile("工号或电子邮箱")).fill("C001")
    clerk.get_by_label(re.compile("^密码$")).fill(TEST_PASSWORD)
    clerk.get_by_role("button", name=re.compile("^登录$")).click()
    clerk.wait_for_url(f"{base}/home")
    nav = clerk.get_by_role("navigation", name="主导航")
    nav.get_by_role("button", name="服务质量").click()
    nav.get_by_role("link", name="我的窗口").click()
    clerk.get_by_label("窗口").select_option(label="中山路营业厅 · 1 号窗口")
    clerk.get_by_role("button", name="签到上岗").click()
    assert "中山路营业厅 · 1 号窗口" in clerk.get_by_test_id("checked-in").inner_text()
    assert "no value" in _k01(clerk, base) or "无数值" in _k01(clerk, base)

    # A customer at the counter: the tablet (bypass_csp only so axe can inject its script).
    tablet_context = _chromium.new_context(
        locale="zh-CN", bypass_csp=True, viewport={"width": 800, "height": 1280}
    )
    tablet = tablet_context.new_page()
    tablet.set_default_timeout(10_000)
    tablet.goto(f"{base}/kiosk/{world.kiosk_token}")
    assert "为您服务的是 肖怡娟（工号 C001）" in tablet.get_by_test_id("on-duty").inner_text()
    problems += _serious(tablet)
    # by keyboard: focus the stars, move to 5 stars, tick a reason, write, send
    tablet.locator("#stars-5").focus()
    tablet.keyboard.press("Space")
    assert tablet.locator("#stars-5").is_checked()
    tablet.get_by_text("办理快捷").click()
    tablet.get_by_label(re.compile("还有什么想告诉我们的吗")).fill("讲解很耐心")
    tablet.get_by_role("button", name="提交评价").click()
    tablet.wait_for_url(re.compile(r"/thanks$"))
    assert tablet.get_by_test_id("thanks").inner_text() == "感谢您的评价！"
    problems += _serious(tablet)
    # ... and after a few seconds the next customer's form is back, empty
    tablet.wait_for_url(f"{base}/kiosk/{world.kiosk_token}", timeout=8_000)
    assert not tablet.locator("#stars-5").is_checked()
    assert _k01(clerk, base) == "100 %"

    # Another customer scans the receipt's QR code on her phone.
    token = mint("20261204-000123")
    phone_context = _chromium.new_context(
        locale="zh-CN", bypass_csp=True, viewport={"width": 375, "height": 740}
    )
    phone = phone_context.new_page()
    phone.set_default_timeout(10_000)
    phone.goto(f"{base}/rate/{token}")
    problems += _serious(phone)
    # the same receipt opened twice (a second tab): only the first rating counts
    second_tab = phone_context.new_page()
    second_tab.goto(f"{base}/rate/{token}")
    phone.get_by_text("2 星 · 不满意").click()
    phone.get_by_text("等候太久").click()
    phone.get_by_role("button", name="提交评价").click()
    assert phone.get_by_test_id("thanks").inner_text() == "感谢您的评价！"
    problems += _serious(phone)
    second_tab.get_by_text("5 星 · 非常满意").click()
    second_tab.get_by_role("button", name="提交评价").click()
    assert "该笔业务已评价过" in second_tab.get_by_test_id("already-rated").inner_text()
    phone.goto(f"{base}/rate/{token}")
    assert phone.get_by_test_id("already-rated").is_visible()
    problems += _serious(phone)

    # One satisfied rating of two: the clerk's K01 of the month is 50 %.
    assert _k01(clerk, base) == "50 %"
    for context in (staff, tablet_context, phone_context):
        context.close()
    assert problems == [], "\n".join(problems)
