"""What HR sets up for customer ratings: halls (and their signing secrets), windows, kiosk
device tokens, the reasons customers may tick, the words that hold a comment, and how ratings
feed the satisfaction indicator. Every change is audited."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, select

from app.core import clock
from app.core.audit import record_audit
from app.core.errors import DomainError
from app.core.uow import transaction
from app.extensions import db
from app.kiosk import tokens
from app.kiosk.models import (
    IMPORTED_POLICIES,
    Hall,
    HeldWord,
    IndicatorSetting,
    KioskDevice,
    Reason,
    Window,
)

MAX_WORDS = 500


class SetupRefused(DomainError):
    """A set-up change was refused."""


def _check_code(code: str) -> str:
    code = (code or "").strip()
    if not tokens.FIELD_RES["hall"].match(code):
        raise SetupRefused(_("A code has 1 to 16 letters, digits, '_' or '-'."))
    return code


def _hall_snapshot(hall: Hall) -> dict:
    return {"code": hall.code, "name": hall.name, "department_id": hall.department_id}


@transaction
def save_hall(actor, hall: Hall | None, *, code: str, name: str, department=None) -> Hall:
    """Create a hall (with a fresh secret) or rename it; its code is unique."""
    code = _check_code(code)
    name = (name or "").strip()
    if not name:
        raise SetupRefused(_("A name is required."))
    taken = db.session.scalar(select(Hall.id).where(Hall.code == code))
    if taken is not None and (hall is None or taken != hall.id):
        raise SetupRefused(_("The code %(code)s is taken.", code=code))
    before = _hall_snapshot(hall) if hall is not None else None
    if hall is None:
        hall = Hall(secret=tokens.new_secret(), secret_rotated_at=clock.now())
        db.session.add(hall)
    hall.code, hall.name = code, name
    hall.department_id = department.id if department is not None else None
    db.session.flush()
    record_audit(actor, "rating_hall.save", hall, before, _hall_snapshot(hall))
    return hall


@transaction
def rotate_secret(actor, hall: Hall) -> Hall:
    """A new signing secret: receipts signed with the old one can no longer be rated."""
    hall.secret = tokens.new_secret()
    hall.secret_rotated_at = clock.now()
    db.session.flush()
    record_audit(actor, "rating_hall.rotate_secret", hall, None, {"rotated_at": str(clock.now())})
    return hall


@transaction
def save_window(
    actor, hall: Hall, window: Window | None, *, code: str, name: str, is_active: bool = True
) -> Window:
    """Create or edit a window of ``hall``; its code is unique in the hall."""
    code = _check_code(code)
    name = (name or "").strip()
    if not name:
        raise SetupRefused(_("A name is required."))
    taken = db.session.scalar(
        select(Window.id).where(Window.hall_id == hall.id, Window.code == code)
    )
    if taken is not None and (window is None or taken != window.id):
        raise SetupRefused(_("The code %(code)s is taken.", code=code))
    before = (
        {"code": window.code, "name": window.name, "is_active": window.is_active}
        if window is not None
        else None
    )
    if window is None:
        window = Window(hall=hall)
        db.session.add(window)
    window.code, window.name, window.is_active = code, name, bool(is_active)
    db.session.flush()
    record_audit(
        actor,
        "rating_window.save",
        window,
        before,
        {"hall": hall.code, "code": code, "name": name, "is_active": window.is_active},
    )
    return window


@transaction
def issue_device(actor, window: Window, note: str = "") -> tuple[KioskDevice, str]:
    """A new kiosk token for ``window``: returns (device, token); the token is shown once."""
    raw = tokens.new_device_token()
    device = KioskDevice(
        window_id=window.id,
        token_hash=tokens.hash_device_token(raw),
        token_prefix=raw[:6],
        note=(note or "").strip()[:200],
        created_at=clock.now(),
        created_by_id=getattr(actor, "id", None),
    )
    db.session.add(device)
    db.session.flush()
    record_audit(
        actor,
        "kiosk_device.issue",
        device,
        None,
        {"window": window.id, "prefix": device.token_prefix, "note": device.note},
    )
    return device, raw


@transaction
def revoke_device(actor, device: KioskDevice) -> KioskDevice:
    """Revoke a kiosk token (idempotent): its address answers 404 from now on."""
    if device.revoked_at is None:
        device.revoked_at = clock.now()
        db.session.flush()
        record_audit(actor, "kiosk_device.revoke", device, {"prefix": device.token_prefix}, None)
    return device


@transaction
def save_reason(
    actor,
    reason: Reason | None,
    *,
    text_zh: str,
    text_en: str = "",
    position: int = 0,
    is_active: bool = True,
) -> Reason:
    """Create or edit a reason customers may tick."""
    text_zh, text_en = (text_zh or "").strip(), (text_en or "").strip()
    if not text_zh:
        raise SetupRefused(_("Give the reason in Chinese."))
    before = (
        {"zh": reason.text_zh, "en": reason.text_en, "active": reason.is_active}
        if reason is not None
        else None
    )
    if reason is None:
        if position == 0:
            position = (db.session.scalar(select(func.max(Reason.position))) or 0) + 1
        reason = Reason()
        db.session.add(reason)
    reason.text_zh, reason.text_en = text_zh[:100], text_en[:100]
    reason.position, reason.is_active = position, bool(is_active)
    db.session.flush()
    record_audit(
        actor,
        "rating_reason.save",
        reason,
        before,
        {"zh": reason.text_zh, "en": reason.text_en, "active": reason.is_active},
    )
    return reason


def parse_words(text: str) -> list[str]:
    """One word or phrase a line (or separated by commas); blanks and repeats dropped."""
    found: list[str] = []
    for line in (text or "").replace("，", ",").replace(",", "\n").splitlines():
        word = line.strip()
        if word and word not in found:
            found.append(word)
    return found


@transaction
def set_held_words(actor, text: str) -> list[str]:
    """Replace the list of words that hold a comment for review."""
    words = parse_words(text)
    if len(words) > MAX_WORDS:
        raise SetupRefused(_("At most %(n)d words.", n=MAX_WORDS))
    too_long = [w for w in words if len(w) > 50]
    if too_long:
        raise SetupRefused(_("A word has at most 50 characters: %(word)s", word=too_long[0][:60]))
    current = list(db.session.scalars(select(HeldWord).order_by(HeldWord.word)))
    before = [w.word for w in current]
    for row in current:
        if row.word not in words:
            db.session.delete(row)
    for word in words:
        if word not in before:
            db.session.add(HeldWord(word=word))
    db.session.flush()
    if sorted(before) != sorted(words):
        record_audit(
            actor,
            "rating_held_words.set",
            HeldWordList(),
            {"words": before},
            {"words": sorted(words)},
        )
    return sorted(words)


class HeldWordList:
    """The audit target of the list of held words (one list, id 0)."""

    id = 0


@transaction
def set_indicator_policy(actor, indicator, on_imported: str) -> IndicatorSetting:
    """Where a month also has an imported value of ``indicator``: keep it, or replace it with
    the ratings' value. Applies from the next rating or import of a month."""
    if on_imported not in IMPORTED_POLICIES:
        raise SetupRefused(_("Choose keep or replace."))
    setting = db.session.get(IndicatorSetting, indicator.id)
    before = {"on_imported": setting.on_imported} if setting is not None else None
    if setting is None:
        setting = IndicatorSetting(indicator_id=indicator.id)
        db.session.add(setting)
    setting.on_imported = on_imported
    setting.updated_at = clock.now()
    setting.updated_by_id = getattr(actor, "id", None)
    db.session.flush()
    record_audit(
        actor,
        "rating_indicator_setting.set",
        setting,
        before,
        {"indicator": indicator.code, "on_imported": on_imported},
    )
    return setting
