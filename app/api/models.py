"""API tokens: a user's own Bearer tokens and the service tokens of other systems."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core import clock
from app.core.models import Base

#: what a service token may be allowed to do
SCOPES = (
    "users:read",
    "users:write",
    "questions:read",
    "questions:write",
    "training:read",
    "reports:read",
    "scores:write",
    "ratings:mint",
)


class ApiToken(Base):
    """A Bearer token; only its SHA-256 is stored, the token itself is shown once."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: the user the token acts as: a person, or the system user ``svc-NAME`` of a service token
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    #: for people: where the token was asked for ("api"); for services: the service's name
    name: Mapped[str] = mapped_column(String(100))
    #: hex SHA-256 of the token
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: None = a user token (the user's roles apply); a list of SCOPES = a service token
    scopes: Mapped[list | None] = mapped_column(JSON(none_as_null=True))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    #: None = never expires (service tokens only)
    expires_at: Mapped[datetime | None] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()
    #: updated at most once a minute, so reads stay reads
    last_used_at: Mapped[datetime | None] = mapped_column()

    user = relationship("User")

    @property
    def is_service(self) -> bool:
        """True for a service token (it carries scopes)."""
        return self.scopes is not None

    def is_live(self, now: datetime) -> bool:
        """Neither revoked nor expired at ``now``."""
        return self.revoked_at is None and (self.expires_at is None or now < self.expires_at)
