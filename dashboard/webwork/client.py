"""WebWork's REST API v2, one method per call, grouped by resource; and the two unauthenticated
calls (the OAuth token refresh and the reachability probe).

How a call is made (session, timeouts, retries, re-authorisation, pagination, error mapping)
lives in `transport`, `requester` and `error_mapping`; this module says what is asked.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from datetime import date
from datetime import time as clock_time
from typing import Any
from urllib.parse import urlsplit

from .error_mapping import payload
from .errors import BadResponse, NotFound, Unavailable
from .records import (
    Balance,
    Leave,
    LeavePeriod,
    LeaveStatus,
    Member,
    Policy,
    TokenSet,
    Workspace,
)
from .records.parsing import items_from_api
from .requester import PER_PAGE, Requester
from .transport import DEFAULT_TIMEOUT, USER_AGENT, NoAuth, Timeout, send

# USER_AGENT is named here as well: deploy checks read the version we send from this module.
__all__ = ["USER_AGENT", "WebWorkClient", "probe", "refresh_access_token"]

logger = logging.getLogger("dashboard.webwork")

_LEAVE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,127}")


def _check_leave_id(leave_id: str) -> str:
    """Refuse anything but a plain id before it goes into a URL path (no "../", "/", "?")."""
    if not isinstance(leave_id, str) or not _LEAVE_ID.fullmatch(leave_id):
        raise NotFound("This is not a valid leave request id.")
    return leave_id


def _check_int(name: str, value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int")
    return value


def _single_object(data: Any) -> dict[str, Any] | None:
    """Return the one object of a single-item payload (an object, or a list of one)."""
    if isinstance(data, list):
        data = data[0] if len(data) == 1 else None
    return data if isinstance(data, dict) and data else None


def _hhmm(value: clock_time) -> str:
    return value.strftime("%H:%M")


class WebWorkClient(Requester):
    """WebWork's REST API v2, called as one account (see `Requester` for how calls are made)."""

    # ----------------------------------------------------------------------- workspaces

    def list_workspaces(self) -> list[Workspace]:
        """Return the workspaces of the signed-in account, with its role in each."""
        return [Workspace.from_api(item) for item in self._iter_pages("/workspaces", {})]

    # ----------------------------------------------------------------------- members

    def get_member(self, *, workspace_id: int, user_id: int) -> Member:
        """Return one member of a workspace."""
        user_id = _check_int("user_id", user_id)
        body = self._request(
            "GET",
            f"/members/{user_id}",
            params={"workspace_id": _check_int("workspace_id", workspace_id)},
        )
        data = _single_object(body.get("data"))
        if data is None:
            raise NotFound("WebWork has no such member.")
        return Member.from_api(data)

    def iter_members(
        self,
        *,
        workspace_id: int,
        status: str | None = None,
        email: str | None = None,
        expect_pages: int = 1,
    ) -> Iterator[Member]:
        """Yield the members of a workspace, optionally filtered by status or exact email;
        `expect_pages`: how many pages the list had last time (all asked for at once)."""
        params = {"workspace_id": _check_int("workspace_id", workspace_id)}
        params |= {key: value for key, value in (("status", status), ("email", email)) if value}
        for item in self._iter_pages("/members", params, expect_pages=expect_pages):
            yield Member.from_api(item)

    # ----------------------------------------------------------------------- leave requests

    def iter_leaves(
        self,
        *,
        workspace_id: int,
        status: LeaveStatus | None = None,
        user_id: int | None = None,
        policy_id: int | None = None,
        is_paid: bool | None = None,
        date_from: date | None = None,
        date_to: date | None = None,
        leave_id: str | None = None,
        expect_pages: int = 1,
    ) -> Iterator[Leave]:
        """Yield the leave requests of a workspace matching the filters (dates: overlap);
        `expect_pages`: how many pages the list had last time (all asked for at once)."""
        params: dict[str, Any] = {"workspace_id": _check_int("workspace_id", workspace_id)}
        optional = {
            "id": leave_id,
            "user_id": user_id,
            "policy_id": policy_id,
            "is_paid": None if is_paid is None else ("yes" if is_paid else "no"),
            "status": status,
            "date_from": date_from.isoformat() if date_from else None,
            "date_to": date_to.isoformat() if date_to else None,
        }
        params |= {key: value for key, value in optional.items() if value is not None}
        for item in self._iter_pages("/leaves", params, expect_pages=expect_pages):
            yield Leave.from_api(item)

    def get_leave(self, *, workspace_id: int, leave_id: str, for_decision: bool = False) -> Leave:
        """Return one leave request (WebWork has no single-leave endpoint: filter by id).

        `for_decision`: the read a decision needs before it is sent; it counts against the
        calls kept for decisions, so a person whose reads are used up can still decide.
        """
        _check_leave_id(leave_id)
        body = self._request(
            "GET",
            "/leaves",
            params={
                "workspace_id": _check_int("workspace_id", workspace_id),
                "id": leave_id,
                "page": 1,
                "per_page": PER_PAGE,
            },
            kind="decision" if for_decision else "read",
        )
        for item in items_from_api(body.get("data")):
            leave = Leave.from_api(item)
            if leave.id.lower() == leave_id.lower():
                return leave
        raise NotFound("WebWork has no such leave request.")

    def create_leave(
        self,
        *,
        workspace_id: int,
        user_id: int,
        policy_id: int,
        start: date,
        end: date,
        leave_period: LeavePeriod | None = None,
        start_time: clock_time | None = None,
        end_time: clock_time | None = None,
        reason: str | None = None,
    ) -> None:
        """File a leave request for a member; WebWork returns no id, so re-query to show it."""
        body: dict[str, Any] = {
            "workspace_id": _check_int("workspace_id", workspace_id),
            "user_id": _check_int("user_id", user_id),
            "policy_id": _check_int("policy_id", policy_id),
            "start": start.isoformat(),
            "end": end.isoformat(),
        }
        optional = {
            "leave_period": leave_period,
            "start_time": _hhmm(start_time) if start_time else None,
            "end_time": _hhmm(end_time) if end_time else None,
            "reason": reason,
        }
        body |= {key: value for key, value in optional.items() if value is not None}
        self._request("POST", "/leaves", body=body, kind="write")

    def approve_leave(self, *, workspace_id: int, leave_id: str) -> Leave | None:
        """Approve a pending leave request; returns the updated leave when WebWork sends it."""
        path = f"/leaves/{_check_leave_id(leave_id)}/approve"
        body = {"workspace_id": _check_int("workspace_id", workspace_id)}
        return self._decided_leave(self._request("PUT", path, body=body, kind="decision"))

    def reject_leave(self, *, workspace_id: int, leave_id: str, reason: str) -> Leave | None:
        """Reject a pending leave request with a reason shown to the member."""
        path = f"/leaves/{_check_leave_id(leave_id)}/reject"
        body = {"workspace_id": _check_int("workspace_id", workspace_id), "reason": reason}
        return self._decided_leave(self._request("PUT", path, body=body, kind="decision"))

    @staticmethod
    def _decided_leave(body: dict[str, Any]) -> Leave | None:
        # The decision is made once WebWork says so; an unreadable echo of it must not undo that.
        data = _single_object(body.get("data"))
        if data is None:
            return None
        try:
            return Leave.from_api(data)
        except BadResponse:
            logger.debug("webwork decision answer carried an unreadable leave")
            return None

    # ----------------------------------------------------------------------- policies and balances

    def list_policies(self, *, workspace_id: int) -> list[Policy]:
        """Return the leave policies of a workspace."""
        params = {"workspace_id": _check_int("workspace_id", workspace_id)}
        return [Policy.from_api(item) for item in self._iter_pages("/leaves/policies", params)]

    def iter_balances(
        self,
        *,
        workspace_id: int,
        date_from: date,
        date_to: date,
        user_id: int | None = None,
        expect_pages: int = 1,
    ) -> Iterator[Balance]:
        """Yield each member's remaining balances for the window (WebWork requires one);
        `expect_pages`: how many pages the list had last time (all asked for at once)."""
        params: dict[str, Any] = {
            "workspace_id": _check_int("workspace_id", workspace_id),
            "date_from": date_from.isoformat(),
            "date_to": date_to.isoformat(),
        }
        if user_id is not None:
            params["user_id"] = _check_int("user_id", user_id)
        for item in self._iter_pages("/leaves/balances", params, expect_pages=expect_pages):
            yield Balance.from_api(item)


# --------------------------------------------------------------------------- OAuth


def refresh_access_token(
    *,
    token_url: str,
    client_id: str,
    client_secret: str,
    refresh_token: str,
    timeout: Timeout = DEFAULT_TIMEOUT,
) -> TokenSet:
    """Trade a refresh token for new tokens (never retried: a refresh may rotate the token)."""
    if urlsplit(token_url).scheme not in ("http", "https"):
        raise ValueError("token_url must be an http(s) URL")
    secrets = (client_secret, refresh_token)
    response = send(
        "POST",
        token_url,
        label=urlsplit(token_url).path or "/",
        auth=NoAuth(),
        timeout=timeout,
        kind="token",
        form={
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
            "client_id": client_id,
            "client_secret": client_secret,
        },
    )
    return TokenSet.from_api(payload(response, kind="token", secrets=secrets))


# --------------------------------------------------------------------------- reachability


def probe(base_url: str, *, timeout: float = 1.0) -> bool:
    """Whether WebWork answers at `base_url` at all: an unauthenticated GET, never retried.

    Any HTTP answer (even 401 or 404) means reachable; a refused connection, a DNS failure or
    a timeout means unreachable. For health checks: no token is sent and nothing is parsed.
    """
    if urlsplit(base_url).scheme not in ("http", "https"):
        raise ValueError("base_url must be an http(s) URL")
    try:
        send(
            "GET",
            base_url,
            label=urlsplit(base_url).path or "/",
            auth=NoAuth(),
            timeout=timeout,
            kind="read",
        ).close()
    except Unavailable:
        return False
    return True
