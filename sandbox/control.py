"""Control API under ``/_sandbox``: reset, faults, call log, settings and changes "elsewhere".

Unauthenticated and meant for local use only. Requests here are never logged as calls and
never hit by fault rules.
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, jsonify, request

from sandbox.envelope import state

bp = Blueprint("control", __name__, url_prefix="/_sandbox")

RESET_FIELDS = ("members", "teams", "policies", "leaves", "seed", "hostile", "anchor")


class ControlError(Exception):
    """A bad control request (400) or an unknown id (404)."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


@bp.errorhandler(ControlError)
def _control_error(exc: ControlError):
    return jsonify({"error": str(exc)}), exc.status


@bp.errorhandler(KeyError)
def _unknown(exc: KeyError):
    return jsonify({"error": f"not found: {exc.args[0] if exc.args else ''}"}), 404


@bp.errorhandler(ValueError)
@bp.errorhandler(TypeError)
def _bad_value(exc: Exception):
    return jsonify({"error": str(exc)}), 400


def _body() -> dict:
    data = request.get_json(force=True, silent=True)
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ControlError("expected a JSON object")
    return data


def _int(data: dict, name: str, required: bool = True) -> int | None:
    value = data.get(name)
    if value is None:
        if required:
            raise ControlError(f"{name} is required")
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ControlError(f"{name} must be an integer")
    try:
        return int(value)
    except ValueError as exc:
        raise ControlError(f"{name} must be an integer") from exc


@bp.get("/healthz")
def healthz():
    """Liveness check."""
    return jsonify({"ok": True, "generation": state().generation})


@bp.post("/reset")
def reset():
    """Re-seed; the body may set members, teams, policies, leaves, seed, hostile, anchor."""
    st = state()
    body = _body()
    unknown = set(body) - set(RESET_FIELDS)
    if unknown:
        raise ControlError(f"unknown reset option(s): {', '.join(sorted(unknown))}")
    options = {k: v for k, v in body.items() if v is not None}
    if "anchor" in options:
        options["anchor"] = date.fromisoformat(str(options["anchor"]))
    for name in ("members", "teams", "policies", "leaves", "seed"):
        if name in options:
            options[name] = _int(options, name)
    if "hostile" in options:
        options["hostile"] = bool(options["hostile"])
    st.reset(**options)
    return jsonify(
        {
            "ok": True,
            "anchor": st.seed_options.anchor.isoformat(),
            "workspaces": len(st.workspaces),
            "users": len(st.users),
            "leaves": len(st.leaves),
            "hostile": st.seed_options.hostile,
        }
    )


@bp.get("/faults")
def list_faults():
    """Active fault rules, first match first."""
    with state().lock:
        return jsonify({"faults": [r.to_dict() for r in state().faults]})


@bp.post("/faults")
def add_faults():
    """Add one rule (a JSON object) or several (``{"rules": [...]}`` or a JSON list)."""
    st = state()
    data = request.get_json(force=True, silent=True)
    if isinstance(data, dict) and isinstance(data.get("rules"), list):
        data = data["rules"]
    rules = data if isinstance(data, list) else [data]
    if not rules or not all(isinstance(r, dict) for r in rules):
        raise ControlError("expected a fault rule object or a list of them")
    added = [st.add_fault(r).to_dict() for r in rules]
    return jsonify({"faults": added}), 201


@bp.delete("/faults")
def clear_faults():
    """Remove every fault rule."""
    state().clear_faults()
    return jsonify({"ok": True})


@bp.delete("/faults/<int:rule_id>")
def delete_fault(rule_id: int):
    """Remove one fault rule."""
    if not state().remove_fault(rule_id):
        raise ControlError(f"no fault rule {rule_id}", 404)
    return jsonify({"ok": True})


@bp.get("/calls")
def calls():
    """Counts by ``METHOD path`` and the records; filters ``path`` (regex), method, since."""
    st = state()
    args = request.args
    filters = {
        "method": args.get("method") or None,
        "path": args.get("path") or None,
        "since": float(args["since"]) if args.get("since") else None,
    }
    records = st.calls.records(**filters)
    return jsonify(
        {
            "total": len(records),
            "counts": st.calls.counts(**filters),
            "now": st.calls.now(),
            "calls": records,
        }
    )


@bp.delete("/calls")
def clear_calls():
    """Forget the call log."""
    state().calls.clear()
    return jsonify({"ok": True})


@bp.get("/config")
def get_config():
    """Current settings."""
    return jsonify(vars(state().config))


@bp.put("/config")
def put_config():
    """Change settings: rate_limit, rate_window, token_ttl, refresh_ttl, latency_ms, ..."""
    st = state()
    with st.lock:
        st.config.update(**_body())
    return jsonify(vars(st.config))


@bp.delete("/rate-limits")
def reset_rate_limits():
    """Forget every rate-limit window."""
    state().reset_rate_limits()
    return jsonify({"ok": True})


@bp.post("/tokens/expire")
def expire_tokens():
    """Expire access tokens now (all, or ``{"user_id": N}``)."""
    count = state().expire_access_tokens(_int(_body(), "user_id", required=False))
    return jsonify({"expired": count})


@bp.post("/tokens/revoke")
def revoke_tokens():
    """Revoke refresh tokens (all, or ``{"user_id": N}``)."""
    count = state().revoke_refresh_tokens(_int(_body(), "user_id", required=False))
    return jsonify({"revoked": count})


@bp.post("/tokens/issue")
def issue_tokens():
    """Mint tokens without the browser flow: ``{"email" or "user_id", "scope"}``."""
    st = state()
    body = _body()
    user_id = _int(body, "user_id", required=False)
    if user_id is None:
        user = st.user_by_email(str(body.get("email", "")))
        if user is None:
            raise ControlError("unknown user: give user_id or a known email", 404)
        user_id = user.id
    elif user_id not in st.users:
        raise ControlError(f"unknown user {user_id}", 404)
    return jsonify(st.issue_tokens(user_id, body.get("scope", "read write")))


@bp.post("/leaves/<leave_id>/decide")
def decide(leave_id: str):
    """Decide a leave as if someone else did: ``{status, by_user_id, reason}``."""
    body = _body()
    st = state()
    if leave_id not in st.leaves:
        raise ControlError(f"unknown leave {leave_id}", 404)
    leave = st.decide(
        leave_id, str(body.get("status", "")), _int(body, "by_user_id"), body.get("reason")
    )
    return jsonify(leave)


@bp.put("/roles")
def set_role():
    """Change a member's role: ``{workspace_id, user_id, role}``."""
    body = _body()
    st = state()
    workspace_id, user_id = _int(body, "workspace_id"), _int(body, "user_id")
    if (workspace_id, user_id) not in st.memberships:
        raise ControlError(f"user {user_id} is not a member of workspace {workspace_id}", 404)
    return jsonify(st.set_role(workspace_id, user_id, str(body.get("role", ""))))
