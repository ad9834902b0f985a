"""Customer ratings: service halls and their windows, the kiosk tablets bound to a window, who is
on duty at a window, the ratings themselves and what HR edits (reasons, held words, the K01
setting).

A ``Rating`` stores nothing about the customer: the stars, the reasons, an optional comment,
where and when it was given and whom it rates. A receipt rating carries the hall's transaction
number, unique per hall, so a receipt is rated once whatever the race.
"""

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core import clock
from app.core.models import Base, in_values

#: kiosk: the tablet at the counter; receipt: the QR code on the receipt
SOURCES = ("kiosk", "receipt")
#: shown: the comment is visible; held: waiting for HR (empty or a held word); rejected: HR
#: removed the comment's text (the stars still count)
COMMENT_STATES = ("none", "shown", "held", "rejected")
#: what the ratings' value does where the month also has an imported one
IMPORTED_POLICIES = ("keep", "replace")


class Hall(Base):
    """A service hall (营业厅): its code in receipt tokens and the secret that signs them."""

    __tablename__ = "rating_hall"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: short stable code used in receipt tokens (letters, digits, '_' and '-')
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    department_id: Mapped[int | None] = mapped_column(
        ForeignKey("department.id", ondelete="SET NULL"), index=True
    )
    #: the HMAC-SHA256 key of receipt tokens (base64url text); rotating it voids old receipts
    secret: Mapped[str] = mapped_column(String(64))
    secret_rotated_at: Mapped[datetime] = mapped_column(default=clock.now)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)

    department = relationship("Department")
    windows: Mapped[list["Window"]] = relationship(
        back_populates="hall", order_by="Window.code", cascade="all, delete-orphan"
    )


class Window(Base):
    """A counter window of a hall."""

    __tablename__ = "rating_window"
    __table_args__ = (UniqueConstraint("hall_id", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("rating_hall.id", ondelete="CASCADE"))
    #: the window's code in receipt tokens ("03")
    code: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(100))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)

    hall: Mapped[Hall] = relationship(back_populates="windows")

    def label(self) -> str:
        """The hall and window as people read them: 中山路营业厅 · 3 号窗口."""
        return f"{self.hall.name} · {self.name}"


class KioskDevice(Base):
    """A kiosk tablet's token, bound to one window; only its SHA-256 is stored."""

    __tablename__ = "kiosk_device"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    window_id: Mapped[int] = mapped_column(
        ForeignKey("rating_window.id", ondelete="CASCADE"), index=True
    )
    #: hex SHA-256 of the token in the kiosk's address
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: the token's first characters, so HR can tell the tablets apart
    token_prefix: Mapped[str] = mapped_column(String(8))
    note: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    revoked_at: Mapped[datetime | None] = mapped_column()
    last_used_at: Mapped[datetime | None] = mapped_column()

    window: Mapped[Window] = relationship()
    created_by = relationship("User")


class CheckIn(Base):
    """A person on duty at a window, from ``started_at`` until ``ended_at`` (None: still)."""

    __tablename__ = "window_check_in"
    __table_args__ = (
        # one person on duty per window, one window per person at a time
        Index(
            "uq_window_check_in_open_window",
            "window_id",
            unique=True,
            sqlite_where=text("ended_at IS NULL"),
            postgresql_where=text("ended_at IS NULL"),
        ),
        Index(
            "uq_window_check_in_open_user",
            "user_id",
            unique=True,
            sqlite_where=text("ended_at IS NULL"),
            postgresql_where=text("ended_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    window_id: Mapped[int] = mapped_column(
        ForeignKey("rating_window.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    started_at: Mapped[datetime] = mapped_column(default=clock.now)
    ended_at: Mapped[datetime | None] = mapped_column()

    window: Mapped[Window] = relationship()
    user = relationship("User")


class Reason(Base):
    """A reason a customer may tick ("办理快捷", "等候太久"); HR edits the list."""

    __tablename__ = "rating_reason"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    text_zh: Mapped[str] = mapped_column(String(100))
    text_en: Mapped[str] = mapped_column(String(100), default="")
    position: Mapped[int] = mapped_column(Integer, default=0)
    #: retired reasons stay on the ratings that used them
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)

    def label_in(self, locale) -> str:
        """The reason in ``locale``."""
        if str(locale).startswith("zh"):
            return self.text_zh or self.text_en
        return self.text_en or self.text_zh


class HeldWord(Base):
    """A word that holds a comment for HR's review (abuse, insults); HR edits the list."""

    __tablename__ = "rating_held_word"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    word: Mapped[str] = mapped_column(String(50), unique=True)


class Rating(Base):
    """One customer's rating of the person who served them."""

    __tablename__ = "customer_rating"
    __table_args__ = (
        CheckConstraint("stars BETWEEN 1 AND 5", name="stars"),
        CheckConstraint(in_values("source", SOURCES), name="source"),
        CheckConstraint(in_values("comment_state", COMMENT_STATES), name="comment_state"),
        CheckConstraint(
            "(source = 'receipt' AND transaction_no IS NOT NULL) OR source = 'kiosk'",
            name="receipt_transaction",
        ),
        # one rating per hall and transaction (kiosk ratings carry none)
        UniqueConstraint("hall_id", "transaction_no"),
        Index("ix_customer_rating_user_rated", "user_id", "rated_at"),
        Index("ix_customer_rating_hall_rated", "hall_id", "rated_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("rating_hall.id", ondelete="RESTRICT"))
    window_id: Mapped[int] = mapped_column(
        ForeignKey("rating_window.id", ondelete="RESTRICT"), index=True
    )
    #: the person rated: on duty at the kiosk's window, or named by the receipt
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    #: kiosk | receipt
    source: Mapped[str] = mapped_column(String(8))
    #: the hall system's transaction number (receipts only)
    transaction_no: Mapped[str | None] = mapped_column(String(40))
    device_id: Mapped[int | None] = mapped_column(
        ForeignKey("kiosk_device.id", ondelete="SET NULL"), index=True
    )
    stars: Mapped[int] = mapped_column(SmallInteger)
    comment: Mapped[str] = mapped_column(Text, default="")
    #: none | shown | held | rejected (what the person and HR see of the comment)
    comment_state: Mapped[str] = mapped_column(String(10), default="none")
    #: why a comment was held: "empty" or the held word found
    held_because: Mapped[str] = mapped_column(String(60), default="")
    rated_at: Mapped[datetime] = mapped_column(default=clock.now)
    #: the month (YYYY-MM, company time zone) the rating counts in
    period: Mapped[str] = mapped_column(String(7), index=True)
    reviewed_at: Mapped[datetime | None] = mapped_column()
    reviewed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )

    hall: Mapped[Hall] = relationship()
    window: Mapped[Window] = relationship()
    user = relationship("User", foreign_keys=[user_id])
    reasons: Mapped[list[Reason]] = relationship(
        secondary="customer_rating_reason", order_by="Reason.position"
    )

    @property
    def is_satisfied(self) -> bool:
        """4 or 5 stars count as satisfied (K01)."""
        return self.stars >= 4


class RatingReason(Base):
    """A reason ticked on a rating."""

    __tablename__ = "customer_rating_reason"

    rating_id: Mapped[int] = mapped_column(
        ForeignKey("customer_rating.id", ondelete="CASCADE"), primary_key=True
    )
    reason_id: Mapped[int] = mapped_column(
        ForeignKey("rating_reason.id", ondelete="RESTRICT"), primary_key=True, index=True
    )


class IndicatorSetting(Base):
    """How ratings feed an indicator (K01): where a month also has an imported value, ``keep``
    the imported one or ``replace`` it with the ratings' value."""

    __tablename__ = "rating_indicator_setting"
    __table_args__ = (CheckConstraint(in_values("on_imported", IMPORTED_POLICIES), name="policy"),)

    indicator_id: Mapped[int] = mapped_column(
        ForeignKey("indicator.id", ondelete="CASCADE"), primary_key=True
    )
    #: keep | replace
    on_imported: Mapped[str] = mapped_column(String(8), default="keep")
    updated_at: Mapped[datetime] = mapped_column(default=clock.now)
    updated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )

    indicator = relationship("Indicator")

    @property
    def id(self) -> int:
        """The indicator's id (the audit trail names records by id)."""
        return self.indicator_id
