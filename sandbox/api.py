"""WebWork REST API v2 under ``/api/v2``: workspaces, members and leaves."""

from __future__ import annotations

import uuid
from datetime import date

from flask import Blueprint, g, request

from sandbox.envelope import ApiError, ok, paginate, state
from sandbox.leave_math import amount_in_unit, balance_text, conflicts, format_number, working_days
from sandbox.models import (
    LEAVE_STATUSES,
    MANAGER_ROLES,
    MEMBER_STATUSES,
    ROLES,
    Leave,
    Membership,
    Workspace,
    member_json,
)
from sandbox.validation import Errors, page_params

bp = Blueprint("api", __name__, url_prefix="/api/v2")

INVALID_TOKEN = {"WWW-Authenticate": 'Bearer error="invalid_token"'}


@bp.before_request
def _authenticate():
    """Bearer token, then rate limit, then scope: GET needs ``read``, writes need ``write``."""
    st = state()
    header = request.headers.get("Authorization", "")
    if header[:7].lower() != "bearer " or not header[7:].strip():
        raise ApiError(401, "Unauthenticated.", headers=INVALID_TOKEN)
    token = st.authenticate(header[7:].strip())
    if token is None:
        raise ApiError(401, "The access token is invalid or has expired.", headers=INVALID_TOKEN)
    limit, remaining, retry_after = st.check_rate(token)
    g.rate = (limit, remaining)
    if retry_after is not None:
        raise ApiError(429, "Too Many Attempts.", headers={"Retry-After": str(retry_after)})
    needed = "read" if request.method in ("GET", "HEAD") else "write"
    if needed not in token.scope:
        raise ApiError(
            403,
            f"This action requires the '{needed}' scope.",
            headers={"WWW-Authenticate": f'Bearer error="insufficient_scope", scope="{needed}"'},
        )
    g.token = token


def _body() -> dict:
    data = request.get_json(force=True, silent=True)
    if data is None and request.form:
        data = request.form.to_dict()
    return data if isinstance(data, dict) else {}


def _workspace(source: dict) -> tuple[Workspace, Membership]:
    """The workspace named by ``workspace_id`` if the caller may manage it (422/403 if not)."""
    st = state()
    errors = Errors()
    ws_id = errors.integer(source, "workspace_id", required=True)
    errors.raise_if_any()
    membership = st.membership(ws_id, g.token.user_id)
    if ws_id not in st.workspaces or membership is None or membership.status != "active":
        raise ApiError(403, "You do not have access to this workspace.")
    if membership.role not in MANAGER_ROLES:
        raise ApiError(403, "Only workspace owners and executive managers can use this endpoint.")
    return st.workspaces[ws_id], membership


# ---------------------------------------------------------------------- workspaces and members


@bp.get("/workspaces")
def workspaces():
    """The caller's active workspaces with the caller's role in each."""
    page, per_page = page_params(request.args)
    items, pagination = paginate(state().workspaces_for(g.token.user_id), page, per_page)
    return ok(items, pagination=pagination)


@bp.get("/members")
def members():
    """Members of a workspace, filtered by email, status and role."""
    st = state()
    with st.lock:
        ws, _ = _workspace(request.args)
        errors = Errors()
        status = errors.choice(request.args, "status", MEMBER_STATUSES)
        role = errors.choice(request.args, "role", ROLES)
        page, per_page = page_params(request.args, errors)
        errors.raise_if_any()
        email = (request.args.get("email") or "").strip().lower()
        found = [
            member_json(st.users[uid], m)
            for (ws_id, uid), m in sorted(st.memberships.items())
            if ws_id == ws.id
            and (not email or st.users[uid].email.lower() == email)
            and (not status or m.status == status)
            and (not role or m.role == role)
        ]
    items, pagination = paginate(found, page, per_page)
    return ok(items, pagination=pagination)


@bp.get("/members/<int:member_id>")
def member(member_id: int):
    """One member of a workspace."""
    st = state()
    with st.lock:
        ws, _ = _workspace(request.args)
        membership = st.membership(ws.id, member_id)
        if membership is None:
            raise ApiError(404, "Member not found.")
        data = member_json(st.users[member_id], membership)
    return ok(data, message="Member retrieved successfully")


# ---------------------------------------------------------------------- leaves


@bp.get("/leaves")
def leaves():
    """Leave requests of a workspace; date filters match leaves that overlap the range."""
    st = state()
    args = request.args
    with st.lock:
        ws, _ = _workspace(args)
        errors = Errors()
        user_id = errors.integer(args, "user_id")
        policy_id = errors.integer(args, "policy_id")
        is_paid = errors.choice(args, "is_paid", ("yes", "no"))
        status = errors.choice(args, "status", LEAVE_STATUSES)
        date_from, date_to = errors.date_range(args, "date_from", "date_to")
        page, per_page = page_params(args, errors)
        errors.raise_if_any()
        leave_id = args.get("id") or None
        found = [
            lv
            for lv in st.workspace_leaves(ws.id)
            if (leave_id is None or lv.id == leave_id)
            and (user_id is None or lv.user_id == user_id)
            and (policy_id is None or lv.policy_id == policy_id)
            and (is_paid is None or lv.is_paid == (is_paid == "yes"))
            and (status is None or lv.status == status)
            and (date_from is None or lv.end_date >= date_from)
            and (date_to is None or lv.start_date <= date_to)
        ]
        # Serialise only the page asked for: a large seed has thousands of leaves.
        chunk, pagination = paginate(found, page, per_page)
        items = [st.leave_dict(lv) for lv in chunk]
    return ok(items, pagination=pagination)


@bp.post("/leaves")
def create_leave():
    """Create a pending leave request; 201 without data, like WebWork."""
    st = state()
    body = _body()
    with st.lock:
        ws, _ = _workspace(body)
        leave = _validated_leave(ws, body)
        st.leaves[leave.id] = leave
    return ok(message="Leave request created successfully", status=201)


def _validated_leave(ws: Workspace, body: dict) -> Leave:
    st = state()
    errors = Errors()
    policy_id = errors.integer(body, "policy_id", required=True)
    user_id = errors.integer(body, "user_id", required=True)
    start, end = errors.date_range(body, "start", "end", required=True)
    period = errors.integer(body, "leave_period")
    if period is not None and period not in (0, 1, 2):
        errors.add("leave_period", "The selected leave period is invalid.")
        period = None
    policy = st.policies.get(policy_id) if policy_id is not None else None
    if policy_id is not None and (policy is None or policy.workspace_id != ws.id):
        errors.add("policy_id", "The selected policy id is invalid.")
        policy = None
    membership = st.membership(ws.id, user_id) if user_id is not None else None
    if user_id is not None and (membership is None or membership.status != "active"):
        errors.add("user_id", "The selected user id is invalid.")
    hour_based = policy is not None and policy.time_unit == "hours"
    start_time = errors.time(body, "start_time", required=hour_based)
    end_time = errors.time(body, "end_time", required=hour_based)
    if start_time and end_time and start_time >= end_time:
        errors.add("end_time", "The end time field must be a time after start time.")
    elif bool(start_time) != bool(end_time) and not hour_based:
        missing = "end_time" if start_time else "start_time"
        present = "start time" if start_time else "end time"
        if missing not in errors:
            errors.add(
                missing,
                f"The {missing.replace('_', ' ')} field is required when {present} is present.",
            )
    if period in (1, 2):
        if start and end and start != end:
            errors.add("leave_period", "A half-day leave must start and end on the same day.")
        elif hour_based or start_time:
            errors.add("leave_period", "A half-day leave cannot have start and end times.")
    reason = errors.text(body, "reason")
    missing_reason = not (reason and reason.strip()) and "reason" not in errors
    if policy and policy.reason_required and missing_reason:
        errors.add("reason", "The reason field is required.")
    errors.raise_if_any()

    now = st.wall()
    leave = Leave(
        id=str(uuid.uuid4()),
        workspace_id=ws.id,
        user_id=user_id,
        policy_id=policy.id,
        status="pending",
        start_date=start,
        end_date=end,
        created_by=g.token.user_id,
        created_at=now,
        updated_at=now,
        is_paid=policy.is_paid,
        leave_period=period or 0,
        start_time=start_time,
        end_time=end_time,
        note=reason,
    )
    if working_days(start, end) == 0:
        errors.add("start", "The selected dates contain no working days.")
    others = [
        lv
        for lv in st.leaves.values()
        if lv.workspace_id == ws.id and lv.user_id == user_id and lv.status != "rejected"
    ]
    if any(conflicts(leave, other) for other in others):
        errors.add("start", "The member already has a leave request overlapping these dates.")
    if not policy.allow_negative_balance:
        for year in range(start.year, end.year + 1):
            window = (date(year, 1, 1), date(year, 12, 31))
            used = sum(
                amount_in_unit(lv, policy, *window)
                for lv in others
                if lv.status == "approved" and lv.policy_id == policy.id
            )
            left = policy.duration - used
            if amount_in_unit(leave, policy, *window) > left:
                errors.add(
                    "policy_id",
                    f"Insufficient leave balance: {format_number(left)} {policy.time_unit} left "
                    f"in {year}.",
                )
                break
    errors.raise_if_any()
    return leave


@bp.put("/leaves/<leave_id>/approve")
def approve_leave(leave_id: str):
    """Approve a pending leave request."""
    return _decide(leave_id, "approved")


@bp.put("/leaves/<leave_id>/reject")
def reject_leave(leave_id: str):
    """Reject a pending leave request, with an optional reason."""
    return _decide(leave_id, "rejected")


def _decide(leave_id: str, status: str):
    st = state()
    body = _body()
    with st.lock:
        ws, _ = _workspace(body)
        errors = Errors()
        reason = errors.text(body, "reason") if status == "rejected" else None
        errors.raise_if_any()
        leave = st.leaves.get(leave_id)
        if leave is None or leave.workspace_id != ws.id:
            raise ApiError(404, "Leave request not found.")
        if leave.status != "pending":
            raise ApiError(422, f"Leave request is already {leave.status}")
        data = st.decide(leave_id, status, g.token.user_id, reason)
    verb = "approved" if status == "approved" else "rejected"
    return ok(data, message=f"Leave request {verb} successfully")


@bp.get("/leaves/policies")
def policies():
    """Leave policies of a workspace."""
    st = state()
    with st.lock:
        ws, _ = _workspace(request.args)
        data = st.policies_for(ws.id)
    return ok(data)


@bp.get("/leaves/balances")
def balances():
    """Remaining balance per active member and policy, over a window (default: this year)."""
    st = state()
    args = request.args
    with st.lock:
        ws, _ = _workspace(args)
        errors = Errors()
        date_from, date_to = errors.date_range(args, "date_from", "date_to")
        user_id = errors.integer(args, "user_id")
        page, per_page = page_params(args, errors)
        errors.raise_if_any()
        # Missing ends default to the calendar year of the other end (or this year).
        year = (date_from or date_to or st.wall()).year
        date_from = date_from or date((date_to or date(year, 1, 1)).year, 1, 1)
        date_to = date_to or date(date_from.year, 12, 31)
        if date_to < date_from:
            errors.add("date_to", "The date to field must be a date after or equal to date from.")
            errors.raise_if_any()
        policies_ = sorted(
            (p for p in st.policies.values() if p.workspace_id == ws.id), key=lambda p: p.id
        )
        people = [
            uid
            for (ws_id, uid), m in sorted(st.memberships.items())
            if ws_id == ws.id and m.status == "active" and (user_id is None or uid == user_id)
        ]
        taken: dict[int, list[Leave]] = {uid: [] for uid in people}
        for lv in st.leaves.values():
            in_window = lv.start_date <= date_to and lv.end_date >= date_from
            if lv.workspace_id == ws.id and lv.user_id in taken and in_window:
                taken[lv.user_id].append(lv)
        page_people, pagination = paginate(people, page, per_page)
        data = [
            {
                "user_id": uid,
                "user_name": st.users[uid].full_name,
                "leave_information": [
                    {
                        "leave_type": p.name,
                        "balance": balance_text(p, taken[uid], date_from, date_to),
                    }
                    for p in policies_
                ],
                "total_balance": None,
            }
            for uid in page_people
        ]
    return ok(data, pagination=pagination)
