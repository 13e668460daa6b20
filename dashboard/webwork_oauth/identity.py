"""Who signed in: WebWork documents no "me" endpoint, so ask for workspaces, then the member."""

from dataclasses import dataclass

from django.conf import settings

from dashboard.webwork import WebWorkClient, Workspace, record_calls

from .tokens import request_deadline


@dataclass(frozen=True, kw_only=True)
class Identity:
    """The person behind a token and the workspaces they may manage."""

    user_id: int | None
    email: str = ""
    first_name: str = ""
    last_name: str = ""
    timezone: str = ""  # WebWork's IANA name for the person, as sent (may be unknown or empty)
    workspaces: tuple[Workspace, ...] = ()
    other_roles: tuple[str, ...] = ()
    calls_made: int = 0  # WebWork calls it took to find out (the person's allowance counts them)

    @property
    def name(self) -> str:
        """Full name, else email."""
        return f"{self.first_name} {self.last_name}".strip() or self.email

    def as_login_data(self) -> dict:
        """The dict the allauth provider extracts uid and fields from."""
        return {
            "id": self.user_id,
            "email": self.email,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "name": self.name,
            "workspace_ids": [w.id for w in self.workspaces],
        }


def identity_from_token(access_token: str) -> Identity:
    """GET /workspaces, keep those the caller manages, then GET /members/{user_id}.

    Within the sign-in request's deadline, like a page's calls: a hanging WebWork costs the
    callback the request budget, not three full read timeouts per call.
    """
    client = WebWorkClient(
        base_url=settings.WEBWORK_API_URL,
        access_token=access_token,
        timeout=(settings.WEBWORK_CONNECT_TIMEOUT, settings.WEBWORK_READ_TIMEOUT),
        max_retry_wait=settings.WEBWORK_WEB_MAX_RETRY_WAIT,
        deadline=request_deadline(),
    )
    with record_calls() as calls:
        workspaces = client.list_workspaces()
        manageable = tuple(w for w in workspaces if w.can_manage)
        if not manageable:
            return Identity(
                user_id=next((w.user_id for w in workspaces if w.user_id is not None), None),
                other_roles=tuple(sorted({w.role for w in workspaces if w.role})),
            )
        first = manageable[0]
        member = client.get_member(workspace_id=first.id, user_id=first.user_id)
    return Identity(
        user_id=first.user_id,
        email=member.email,
        first_name=member.first_name,
        last_name=member.last_name,
        timezone=member.timezone or "",
        workspaces=manageable,
        calls_made=len(calls),
    )
