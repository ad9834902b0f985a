"""``flask ratings …``: mint a receipt token, issue a kiosk token, recompute a month's K01 from
ratings; the demo seeder (a hall with windows, reasons, held words and a kiosk)."""

import click
from sqlalchemy import select

from app.core.uow import transaction
from app.extensions import db
from app.kiosk import services
from app.kiosk.blueprint import bp
from app.kiosk.models import Hall, Reason, Window
from app.org.models import Department
from app.quality import periods

DEMO_HALL = ("ZSL", "中山路营业厅")
DEMO_WINDOWS = (("01", "1 号窗口"), ("02", "2 号窗口"), ("03", "3 号窗口"))
DEMO_REASONS = (
    ("办理快捷", "Quick service"),
    ("态度热情", "Friendly"),
    ("解释清楚", "Clear explanations"),
    ("等候太久", "Waited too long"),
    ("态度冷淡", "Unfriendly"),
    ("业务不熟", "Did not know the procedure"),
)
DEMO_WORDS = ("傻", "滚", "垃圾")


def _hall_and_window(hall_code: str, window_code: str) -> Window:
    window = db.session.scalar(
        select(Window)
        .join(Hall, Hall.id == Window.hall_id)
        .where(Hall.code == hall_code, Window.code == window_code)
    )
    if window is None:
        raise click.ClickException(f"no window {window_code} in hall {hall_code}")
    return window


@bp.cli.command("mint-token")
@click.argument("hall")
@click.argument("window")
@click.argument("employee_no")
@click.argument("transaction_no")
def mint_token_command(hall, window, employee_no, transaction_no):
    """Print a receipt token and its link, as the hall's system would make them."""
    try:
        token, _receipt, expires_at = services.mint_receipt_token(
            hall, window, employee_no, transaction_no
        )
    except services.RatingRefused as error:
        raise click.ClickException(str(error)) from None
    click.echo(token)
    click.echo(services.public_url("kiosk.rate", token=token))
    click.echo(f"valid until {expires_at.isoformat()}")


@bp.cli.command("issue-device")
@click.argument("hall")
@click.argument("window")
@click.option("--note", default="", help="Which tablet (shown to HR).")
def issue_device_command(hall, window, note):
    """Issue a kiosk token for a window and print the kiosk's address (shown once)."""
    _device, raw = services.issue_device(None, _hall_and_window(hall, window), note)
    click.echo(services.public_url("kiosk.kiosk_page", token=raw))


@bp.cli.command("sync-indicator")
@click.argument("period")
def sync_indicator_command(period):
    """Recompute PERIOD's (YYYY-MM) satisfaction values from its ratings under the setting."""
    if not periods.is_period(period):
        raise click.ClickException(f"{period!r} is not a period (YYYY-MM)")
    changed = services.sync_period(None, period)
    click.echo(f"{period}: {len(changed)} people's values changed")


@transaction
def seed_demo() -> str:
    """A demo hall (中山路营业厅, three windows, a kiosk at window 1), reasons and held words."""
    if db.session.scalar(select(Hall.id).where(Hall.code == DEMO_HALL[0])):
        return "already seeded"
    department = db.session.scalar(
        select(Department).where(Department.name == DEMO_HALL[1]).limit(1)
    )
    hall = services.save_hall(
        None, None, code=DEMO_HALL[0], name=DEMO_HALL[1], department=department
    )
    windows = [services.save_window(None, hall, None, code=c, name=n) for c, n in DEMO_WINDOWS]
    if not db.session.scalar(select(Reason.id).limit(1)):
        for position, (zh, en) in enumerate(DEMO_REASONS, start=1):
            services.save_reason(None, None, text_zh=zh, text_en=en, position=position)
    services.set_held_words(None, "\n".join(DEMO_WORDS))
    _device, raw = services.issue_device(None, windows[0], "演示平板")
    return f"hall {DEMO_HALL[0]} with {len(windows)} windows; kiosk at /kiosk/{raw}"
