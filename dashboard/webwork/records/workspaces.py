"""A workspace the signed-in account belongs to, and whether its role may manage leave."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Self

from ..errors import BadResponse
from .parsing import as_dict, first_of, to_int, to_str

_MANAGING_ROLES = frozenset({"owner", "executive manager"})


@dataclass(frozen=True, kw_only=True)
class Workspace:
    """A workspace the signed-in account belongs to, with its role there."""

    id: int
    name: str
    role: str
    user_id: int | None = None
    owner_id: int | None = None
    status: str | None = None

    @classmethod
    def from_api(cls, payload: Any) -> Self:
        """Parse one workspace object."""
        payload = as_dict(payload, "workspace")
        workspace_id = to_int(payload.get("id"))
        if workspace_id is None:
            raise BadResponse("WebWork sent a workspace without an id.")
        return cls(
            id=workspace_id,
            name=to_str(first_of(payload, "workspace_name", "name")) or "",
            role=to_str(payload.get("role")) or "",
            user_id=to_int(payload.get("user_id")),
            owner_id=to_int(payload.get("owner_id")),
            status=to_str(payload.get("status")),
        )

    @property
    def can_manage(self) -> bool:
        """Whether the role may decide leave (WebWork opens its API to these roles only)."""
        role = re.sub(r"[\s_-]+", " ", self.role).strip().casefold()
        return role in _MANAGING_ROLES

    @property
    def is_owner(self) -> bool:
        """Whether the role is Owner (some workspace settings are the Owner's alone)."""
        return self.role.strip().casefold() == "owner"
