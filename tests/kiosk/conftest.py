"""Customer-rating fixtures: the demo indicators (K01), a hall with windows and a kiosk, a
counter clerk, reasons and held words; helpers to check in, rate and read K01."""

from dataclasses import dataclass

import pytest
from sqlalchemy import select

from app.extensions import db as _db
from tests.api.conftest import api_as, bearer, service_token, user_token  # noqa: F401
from tests.quality.conftest import demo_indicators, indicators  # noqa: F401  (fixtures)

HALL_PATH = "测试公司/测试分中心/中山路营业厅"


@dataclass
class World:
    """Ids and tokens of the fixture hall."""

    hall_id: int
    hall_code: str
    window_id: int
    window2_id: int
    kiosk_token: str
    clerk: object
    clerk2: object
    hr: object
    reason_ids: dict


@pytest.fixture
def world(app, indicators, make_user, make_department):  # noqa: F811
    """Hall ZSL (中山路营业厅) with windows 01 and 02, a kiosk at 01, clerks C001 and C002,
    HR H001; reasons 办理快捷 and 等候太久; held word 垃圾."""
    from app.kiosk import services
    from app.org.models import Department

    clerk = make_user(employee_no="C001", name="肖怡娟", department=HALL_PATH)
    clerk2 = make_user(employee_no="C002", name="周小兰", department=HALL_PATH)
    hr = make_user(("hr",), employee_no="H001", department=None, job_role=None)
    with app.app_context():
        department = _db.session.scalar(select(Department).where(Department.name == "中山路营业厅"))
        hall = services.save_hall(
            None, None, code="ZSL", name="中山路营业厅", department=department
        )
        w1 = services.save_window(None, hall, None, code="01", name="1 号窗口")
        w2 = services.save_window(None, hall, None, code="02", name="2 号窗口")
        _device, raw = services.issue_device(None, w1, "平板 A")
        quick = services.save_reason(None, None, text_zh="办理快捷", text_en="Quick service")
        slow = services.save_reason(None, None, text_zh="等候太久", text_en="Waited too long")
        services.set_held_words(None, "垃圾")
        return World(
            hall.id,
            "ZSL",
            w1.id,
            w2.id,
            raw,
            clerk,
            clerk2,
            hr,
            {"quick": quick.id, "slow": slow.id},
        )


@pytest.fixture
def check_in(app):
    """``check_in(user, window_id)``: put the person on duty at the window."""
    from app.kiosk import services
    from app.kiosk.models import Window
    from app.org.models import User

    def run(user, window_id):
        with app.app_context():
            services.check_in(_db.session.get(User, user.id), _db.session.get(Window, window_id))

    return run


@pytest.fixture
def k01(app):
    """``k01(employee_no, period)`` -> (value, batch source) of the person's K01, or None."""
    from app.org.models import User
    from app.quality.models import Indicator, Score, ScoreBatch

    def read(employee_no, period):
        with app.app_context():
            row = _db.session.execute(
                select(Score.value, ScoreBatch.source)
                .join(User, User.id == Score.user_id)
                .join(Indicator, Indicator.id == Score.indicator_id)
                .join(ScoreBatch, ScoreBatch.id == Score.batch_id)
                .where(User.employee_no == employee_no, Indicator.code == "K01")
                .where(Score.period == period)
            ).first()
            return tuple(row) if row else None

    return read


@pytest.fixture
def mint(app):
    """``mint(txn, employee_no="C001", window="01", issued_at=None)`` -> a receipt token."""
    from app.kiosk import services

    def make(txn, employee_no="C001", window="01", issued_at=None):
        with app.app_context():
            token, _receipt, _expires = services.mint_receipt_token(
                "ZSL", window, employee_no, txn, issued_at
            )
            return token

    return make


def kiosk_form(client, token):
    """GET the kiosk and return the shift id it shows (None: no one on duty)."""
    import re

    page = client.get(f"/kiosk/{token}")
    assert page.status_code == 200
    match = re.search(r'name="shift"[^>]*value="(\d+)"', page.get_data(as_text=True))
    return match.group(1) if match else None
