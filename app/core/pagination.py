"""Paging of select() queries: one count query and one page query, whatever the size."""

from dataclasses import dataclass

from sqlalchemy import Select, func, select

from app.extensions import db


@dataclass
class Page:
    """One page of results."""

    items: list
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        """Number of pages (at least 1)."""
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        """True unless this is the first page."""
        return self.page > 1

    @property
    def has_next(self) -> bool:
        """True unless this is the last page."""
        return self.page < self.pages


def paginate(query: Select, page: int, per_page: int, *, rows: bool = False) -> Page:
    """Run ``query`` for one page; pages outside the range are clamped.

    ``rows``: the items are whole result rows (a query of several columns), not the first
    column's objects.
    """
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    limited = query.limit(per_page).offset((page - 1) * per_page)
    if rows:
        items = [tuple(row) for row in db.session.execute(limited).all()]
    else:
        items = db.session.scalars(limited).unique().all()
    return Page(items=items, page=page, per_page=per_page, total=total)
