"""Tokens from WebWork's OAuth token endpoint; their values never show in a repr or a log."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Self

from ..errors import BadResponse
from .parsing import as_dict, to_int, to_str


@dataclass(frozen=True, kw_only=True)
class TokenSet:
    """Tokens from WebWork's OAuth token endpoint; the repr never shows their values."""

    access_token: str = field(repr=False)
    refresh_token: str | None = field(default=None, repr=False)
    expires_in: int | None = None
    scope: str | None = None
    token_type: str | None = None

    @classmethod
    def from_api(cls, payload: Any) -> Self:
        """Parse a plain OAuth2 token response."""
        payload = as_dict(payload, "token response")
        access_token = to_str(payload.get("access_token"))
        if not access_token:
            raise BadResponse("WebWork's token endpoint sent no access token.")
        expires_in = to_int(payload.get("expires_in"))
        return cls(
            access_token=access_token,
            refresh_token=to_str(payload.get("refresh_token")) or None,
            expires_in=expires_in if expires_in is None or expires_in >= 0 else None,
            scope=to_str(payload.get("scope")),
            token_type=to_str(payload.get("token_type")),
        )

    def __repr__(self) -> str:
        refresh = "***" if self.refresh_token else None
        return (
            f"TokenSet(access_token='***', refresh_token={refresh!r}, "
            f"expires_in={self.expires_in!r}, scope={self.scope!r}, "
            f"token_type={self.token_type!r})"
        )

    __str__ = __repr__
