"""Read-side queries of customer ratings: kiosk look-ups, set-up lists, the ratings HR reads
(per hall, window and person, with reasons, comments and a monthly trend) and a person's own."""

from __future__ import annotations

from sqlalchemy import case, func, literal, select
from sqlalchemy.orm import joinedload, selectinload

from app.core.pagination import paginate
from app.extensions import db
from app.kiosk.models import (
    CheckIn,
    Hall,
    HeldWord,
    KioskDevice,
    Rating,
    RatingReason,
    Reason,
    Window,
)
from app.kiosk.tokens import hash_device_token
from app.org.models import Department, User


def live_device(raw_token: str) -> KioskDevice | None:
    """The kiosk of ``raw_token`` if it is issued, not revoked and its window is open."""
    if not raw_token or len(raw_token) > 100:
        return None
    return db.session.scalar(
        select(KioskDevice)
        .join(Window, Window.id == KioskDevice.window_id)
        .options(joinedload(KioskDevice.window).joinedload(Window.hall))
        .where(
            KioskDevice.token_hash == hash_device_token(raw_token),
            KioskDevice.revoked_at.is_(None),
            Window.is_active.is_(True),
        )
    )


def on_duty(window_id: int) -> CheckIn | None:
    """Who is checked in at the window now (with the person), or None."""
    return db.session.scalar(
        select(CheckIn)
        .options(joinedload(CheckIn.user))
        .where(CheckIn.window_id == window_id, CheckIn.ended_at.is_(None))
    )


def check_in_of(user_id: int) -> CheckIn | None:
    """The person's open check-in (with its window and hall), or None."""
    return db.session.scalar(
        select(CheckIn)
        .options(joinedload(CheckIn.window).joinedload(Window.hall))
        .where(CheckIn.user_id == user_id, CheckIn.ended_at.is_(None))
    )


def reasons(active_only: bool = True) -> list[Reason]:
    """The reasons customers may tick, in order (all of them for HR's list)."""
    query = select(Reason).order_by(Reason.position, Reason.id)
    if active_only:
        query = query.where(Reason.is_active.is_(True))
    return list(db.session.scalars(query))


def reason_by_id(reason_id: int) -> Reason | None:
    """The reason with this id, or None."""
    return db.session.get(Reason, reason_id)


def held_words() -> list[str]:
    """The words that hold a comment for review, sorted."""
    return list(db.session.scalars(select(HeldWord.word).order_by(HeldWord.word)))


def halls() -> list[Hall]:
    """Every hall with its windows and department, by name."""
    return list(
        db.session.scalars(
            select(Hall)
            .options(selectinload(Hall.windows), joinedload(Hall.department))
            .order_by(Hall.name)
        ).unique()
    )


def hall_by_id(hall_id: int) -> Hall | None:
    """The hall with this id (windows loaded), or None."""
    return db.session.scalar(
        select(Hall).options(selectinload(Hall.windows)).where(Hall.id == hall_id)
    )


def window_by_id(window_id: int) -> Window | None:
    """The window with this id (hall loaded), or None."""
    return db.session.scalar(
        select(Window).options(joinedload(Window.hall)).where(Window.id == window_id)
    )


def device_by_id(device_id: int) -> KioskDevice | None:
    """The kiosk device with this id (window and hall loaded), or None."""
    return db.session.scalar(
        select(KioskDevice)
        .options(joinedload(KioskDevice.window).joinedload(Window.hall))
        .where(KioskDevice.id == device_id)
    )


def rating_by_id(rating_id: int) -> Rating | None:
    """The rating with this id, or None."""
    return db.session.get(Rating, rating_id)


def devices_of(hall_id: int) -> list[KioskDevice]:
    """The hall's kiosk devices, newest first (revoked ones too: HR sees the history)."""
    return list(
        db.session.scalars(
            select(KioskDevice)
            .join(Window, Window.id == KioskDevice.window_id)
            .options(joinedload(KioskDevice.window), joinedload(KioskDevice.created_by))
            .where(Window.hall_id == hall_id)
            .order_by(KioskDevice.created_at.desc(), KioskDevice.id.desc())
        )
    )


def on_duty_in(hall_id: int) -> dict[int, CheckIn]:
    """window id -> the open check-in (with the person) of each window of the hall."""
    rows = db.session.scalars(
        select(CheckIn)
        .join(Window, Window.id == CheckIn.window_id)
        .options(joinedload(CheckIn.user))
        .where(Window.hall_id == hall_id, CheckIn.ended_at.is_(None))
    )
    return {row.window_id: row for row in rows}


def windows_open_to(user: User) -> list[Window]:
    """The open windows ``user`` may check in at: those of halls without a department, and of
    halls whose department's subtree holds the person."""
    query = (
        select(Window)
        .join(Hall, Hall.id == Window.hall_id)
        .outerjoin(Department, Department.id == Hall.department_id)
        .options(joinedload(Window.hall))
        .where(Window.is_active.is_(True))
        .order_by(Hall.name, Window.code)
    )
    path = user.department.path if user.department is not None else None
    if path is None:
        query = query.where(Hall.department_id.is_(None))
    else:
        query = query.where(
            Hall.department_id.is_(None) | literal(path).like(Department.path + "%")
        )
    return list(db.session.scalars(query))


# --- what HR reads ---------------------------------------------------------------------------


def _filtered(query, *, hall_id=None, window_id=None, user_id=None, period=None):
    if hall_id:
        query = query.where(Rating.hall_id == hall_id)
    if window_id:
        query = query.where(Rating.window_id == window_id)
    if user_id:
        query = query.where(Rating.user_id == user_id)
    if period:
        query = query.where(Rating.period == period)
    return query


def _satisfied():
    return func.sum(case((Rating.stars >= 4, 1), else_=0))


def ratings_page(page: int, per_page: int, **filters):
    """A page of ratings (newest first) with person, window, hall and reasons."""
    query = _filtered(
        select(Rating)
        .options(
            joinedload(Rating.user),
            joinedload(Rating.window),
            joinedload(Rating.hall),
            selectinload(Rating.reasons),
        )
        .order_by(Rating.rated_at.desc(), Rating.id.desc()),
        **filters,
    )
    return paginate(query, page, per_page)


def summary_by(group: str, **filters) -> list[dict]:
    """Per hall, window or person (``group``): ratings, mean stars, satisfied share (K01)."""
    columns = {
        "hall": (Rating.hall_id, Hall.name, None),
        "window": (Rating.window_id, Window.name, Hall.name),
        "person": (Rating.user_id, User.name, User.employee_no),
    }[group]
    key, label, extra = columns
    query = select(
        key,
        label,
        extra if extra is not None else label,
        func.count(Rating.id),
        func.avg(Rating.stars),
        _satisfied(),
    )
    if group == "hall":
        query = query.join(Hall, Hall.id == Rating.hall_id)
    elif group == "window":
        query = query.join(Window, Window.id == Rating.window_id).join(
            Hall, Hall.id == Window.hall_id
        )
    else:
        query = query.join(User, User.id == Rating.user_id)
    query = _filtered(query, **filters).group_by(key, label, extra if extra is not None else label)
    rows = []
    for row_id, name, detail, count, mean, good in db.session.execute(query):
        rows.append(
            {
                "id": row_id,
                "name": name,
                "detail": detail if extra is not None else "",
                "n": int(count),
                "mean": float(mean or 0),
                "satisfied": round(int(good or 0) * 100.0 / int(count), 2) if count else None,
            }
        )
    return sorted(rows, key=lambda r: (r["detail"], r["name"]))


def trend(periods: list[str], **filters) -> list[dict]:
    """Per month of ``periods``: ratings, satisfied share and mean stars."""
    query = _filtered(
        select(Rating.period, func.count(Rating.id), _satisfied(), func.avg(Rating.stars))
        .where(Rating.period.in_(periods))
        .group_by(Rating.period),
        **{k: v for k, v in filters.items() if k != "period"},
    )
    found = {p: (int(n), int(g or 0), float(m or 0)) for p, n, g, m in db.session.execute(query)}
    out = []
    for period in periods:
        n, good, mean = found.get(period, (0, 0, 0.0))
        out.append(
            {
                "period": period,
                "n": n,
                "satisfied": round(good * 100.0 / n, 2) if n else None,
                "mean": mean if n else None,
            }
        )
    return out


def reason_counts(**filters) -> list[tuple[Reason, int]]:
    """How often each reason was ticked, most frequent first."""
    query = _filtered(
        select(Reason, func.count(RatingReason.rating_id))
        .join(RatingReason, RatingReason.reason_id == Reason.id)
        .join(Rating, Rating.id == RatingReason.rating_id)
        .group_by(Reason.id),
        **filters,
    )
    rows = list(db.session.execute(query))
    return sorted(((reason, int(n)) for reason, n in rows), key=lambda r: (-r[1], r[0].position))


def held_comments() -> list[Rating]:
    """Ratings whose comment waits for HR, oldest first."""
    return list(
        db.session.scalars(
            select(Rating)
            .options(joinedload(Rating.user), joinedload(Rating.window).joinedload(Window.hall))
            .where(Rating.comment_state == "held")
            .order_by(Rating.rated_at, Rating.id)
        )
    )


def own_ratings(user_id: int, page: int, per_page: int):
    """A page of the person's ratings, newest first (reasons and window loaded)."""
    query = (
        select(Rating)
        .options(selectinload(Rating.reasons), joinedload(Rating.window))
        .where(Rating.user_id == user_id)
        .order_by(Rating.rated_at.desc(), Rating.id.desc())
    )
    return paginate(query, page, per_page)


def people_choices() -> list[tuple[int, str]]:
    """(id, "name (employee no)") of everyone rated, for HR's filter."""
    rows = db.session.execute(
        select(User.id, User.name, User.employee_no)
        .where(User.id.in_(select(Rating.user_id).distinct()))
        .order_by(User.employee_no)
    )
    return [(uid, f"{name} ({number})") for uid, name, number in rows]
