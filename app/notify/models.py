"""In-app notifications, each also emailed once when the user has an address."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core import clock
from app.core.models import Base


class Notification(Base):
    """One notice to one user; unique per (user, kind, subject), so it is never sent twice."""

    __tablename__ = "notification"
    __table_args__ = (UniqueConstraint("user_id", "kind", "subject_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    #: a kind registered in app.notify.services (e.g. "course.assigned"), which renders the text
    kind: Mapped[str] = mapped_column(String(40))
    #: the record the notice is about (for course notices: the enrolment id)
    subject_id: Mapped[int] = mapped_column(Integer)
    #: values the message shows, frozen when the notice was made
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    #: a path inside the app that the notice links to
    link: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[datetime] = mapped_column(default=clock.now, index=True)
    read_at: Mapped[datetime | None] = mapped_column()
    #: when the email went out; None = not (yet) emailed
    emailed_at: Mapped[datetime | None] = mapped_column(index=True)

    user = relationship("User")
