"""A member of a workspace: who a leave request is for, who decided it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Self

from ..errors import BadResponse
from .parsing import as_dict, first_of, to_int, to_str, to_text


@dataclass(frozen=True, kw_only=True)
class Member:
    """A member of a workspace."""

    id: int
    email: str
    first_name: str
    last_name: str
    team_name: str | None = None
    title: str | None = None
    role: str | None = None
    status: str | None = None
    timezone: str | None = None
    avatar: str | None = None

    @classmethod
    def from_api(cls, payload: Any) -> Self:
        """Parse one member object."""
        payload = as_dict(payload, "member")
        member_id = to_int(first_of(payload, "id", "user_id"))
        if member_id is None:
            raise BadResponse("WebWork sent a member without an id.")
        return cls(
            id=member_id,
            email=to_str(payload.get("email")) or "",
            first_name=to_str(first_of(payload, "firstname", "first_name")) or "",
            last_name=to_str(first_of(payload, "lastname", "last_name")) or "",
            team_name=to_text(payload.get("team_name")),
            title=to_text(payload.get("title")),
            role=to_str(first_of(payload, "current_role", "role")),
            status=to_str(payload.get("status")),
            timezone=to_text(payload.get("timezone")),
            avatar=to_text(payload.get("avatar")),
        )

    @property
    def full_name(self) -> str:
        """First and last name, else the email, else the id."""
        name = f"{self.first_name.strip()} {self.last_name.strip()}".strip()
        return name or self.email.strip() or f"User {self.id}"
