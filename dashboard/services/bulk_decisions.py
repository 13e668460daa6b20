"""Approve or reject many leaves at once, each exactly as one tap would.

WebWork has no bulk endpoint, no idempotency key and no undo, so a bulk run is many single
decisions (`decisions`: claim, one PUT, audit), never a shortcut around them:
- every leave is re-checked first against a pending list fetched from WebWork for the slice
  (`bulk_leave_recheck`, the one place for the rules a bulk decision must pass);
- a few decisions are in flight at once (`CONCURRENCY`), in slices sized to what is left of the
  person's allowance of WebWork calls, keeping `PAGE_VIEW_RESERVE` calls a minute for their
  own pages; when the allowance is spent the run waits (`BulkRun.not_before`), it never drops;
- each leave of a run is a `BulkItem` row, taken by one process at a time, so a run advanced
  by a worker, a page poll and the sweep at once still decides each leave once; an item whose
  process died is queued again after `STUCK_AFTER`, and its re-check sees what WebWork did.
"""

import contextvars
import datetime as dt
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import connections, models, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext, ngettext, pgettext

from dashboard.models import AuditEntry, BulkItem, BulkRun, LeaveDecision
from dashboard.platform.cache import NotCached, cache_only
from dashboard.platform.queue import enqueue, enqueue_later, runs_inline
from dashboard.selectors import (
    cached_leave_peek,
    leave_list_pending,
    member_list,
    pending_count_peek,
)
from dashboard.services.audit import DecisionOutcome, already_message
from dashboard.services.decisions import DecisionResult, leave_approve, leave_reject
from dashboard.services.workspaces import balances_refresh_deferred
from dashboard.text import normalise_text, shows_something
from dashboard.webwork import Leave, LeaveStatus, RateLimited, WebWorkError
from dashboard.webwork_oauth.allowance import allowance_room
from dashboard.webwork_oauth.tokens import ReauthRequired

Outcome = BulkItem.Outcome
Action = AuditEntry.Action

MAX_LEAVES = 500
# Up to this many leaves are decided within the request that asks; more go to the worker.
INLINE_MAX = 20
SLICE = 25
CONCURRENCY = 4
PAGE_VIEW_RESERVE = 10
# Calls a slice keeps spare for a decision whose answer must be read back.
SPARE_CALLS = 2
# Calls the decision rules may read before an approve when their inputs are not cached yet
# (the approver's member record, policies, balances of the years a leave touches, the leaves
# of those years): kept out of a run's first approve slice so the person's pages keep their
# reserve.
RULE_READS = 8
STUCK_AFTER = dt.timedelta(seconds=120)
# A run watched by its person and quiet this long is moved on by their page's polls.
STALL = dt.timedelta(seconds=5)
TASK = "dashboard.tasks.bulk_decisions_run_task"


@dataclass(frozen=True)
class Verdict:
    """How one leave of a run ended (or that it waits: `Outcome.QUEUED`)."""

    outcome: str
    message: str
    retryable: bool = False


def bulk_start(
    *, user: AbstractBaseUser, workspace_id: int, leave_ids: list[str], action: str, reason: str
) -> BulkRun:
    """Record a bulk decision and every leave it names (bad ids as refused rows).

    Raises ValueError, before anything is recorded or sent, for an unknown action or a
    rejection without a reason.
    """
    if action not in (Action.APPROVE, Action.REJECT):
        raise ValueError("choose approve or reject")
    reason = normalise_text(reason) if action == Action.REJECT else ""
    if action == Action.REJECT and not shows_something(reason):
        raise ValueError("a reason is required to reject requests")
    with transaction.atomic():
        run = BulkRun.objects.create(
            user=user, workspace_id=workspace_id, action=action, reason=reason
        )
        items = _items(run, leave_ids)
        _label(items, user_id=user.pk, workspace_id=workspace_id)
        BulkItem.objects.bulk_create(items)
    return run


def _items(run: BulkRun, leave_ids: list[str]) -> list[BulkItem]:
    items: list[BulkItem] = []
    seen: set[str] = set()
    for position, raw in enumerate(leave_ids):
        text = (raw or "").strip()[:64]
        leave_id = _uuid_or_none(text)
        key = leave_id or f"#{position}:{text}"[:64]
        if key in seen:
            continue
        seen.add(key)
        item = BulkItem(run=run, position=position, leave_id=key)
        if leave_id is None:
            item.outcome, item.message = Outcome.REFUSED, gettext("Not a request id: nothing sent.")
        elif len(seen) > MAX_LEAVES:
            item.outcome = Outcome.REFUSED
            item.message = ngettext(
                "Over %(count)s request at once: not sent. Select fewer.",
                "Over %(count)s requests at once: not sent. Select fewer.",
                MAX_LEAVES,
            ) % {"count": MAX_LEAVES}
        items.append(item)
    return items


def _label(items: list[BulkItem], *, user_id: int, workspace_id: int) -> None:
    """Name each leave as the page that listed it did, from the cache only."""
    with cache_only():
        try:
            names = {
                m.id: m.full_name
                for m in member_list(user_id=user_id, workspace_id=workspace_id).value
            }
        except (NotCached, WebWorkError):
            names = {}
    for item in items:
        leave = cached_leave_peek(workspace_id=workspace_id, leave_id=item.leave_id)
        if item.outcome != Outcome.QUEUED or leave is None:
            continue
        who = names.get(leave.user_id) or gettext("A member")
        when = _day_month(leave.start_date) if leave.start_date else ""
        if leave.end_date and leave.end_date != leave.start_date:
            when = pgettext("a range of days", "%(first)s–%(last)s") % {
                "first": when,
                "last": _day_month(leave.end_date),
            }
        item.label = " · ".join(part for part in (who, leave.policy_name, when) if part)[:300]


def _day_month(day: dt.date) -> str:
    """'5 Dec', in the words and order of the active language."""
    return date_format(day, pgettext("date format: day month", "j M"))


def _uuid_or_none(text: str) -> str | None:
    try:
        return str(uuid.UUID(text))
    except ValueError:
        return None


def bulk_run_begin(*, run: BulkRun) -> None:
    """Decide a small run now; hand a larger one to the worker (inline: the page's polls).

    With an undo window the whole run waits it out first (`bulk_run_undo` within it).
    """
    window = settings.DECISION_UNDO_SECONDS
    if window:
        _wait(run, window)
        if not runs_inline():
            enqueue_later(TASK, countdown=window, run_id=str(run.pk))
        return
    if run.items.filter(outcome=Outcome.QUEUED).count() <= INLINE_MAX:
        while bulk_run_advance(run_id=run.pk) == 0:
            pass
    elif not runs_inline():
        enqueue(TASK, run_id=str(run.pk))
    # else: no worker; the progress page's polls decide it slice by slice (`bulk_run_advance`).


def bulk_run_undo(*, run: BulkRun) -> int:
    """Take back what of a run has not been sent yet (within its undo window); returns how
    many leaves were undone. A leave a process has already taken goes on."""
    if not run.not_before or run.not_before <= timezone.now():
        return 0
    return run.items.filter(outcome=Outcome.QUEUED).update(
        outcome=Outcome.UNDONE,
        message=gettext("Undone: nothing was sent."),
        updated_at=timezone.now(),
    )


def bulk_run_step(*, run_id: uuid.UUID | str) -> None:
    """A poll of the progress page: with no worker, it decides the next slice itself; with
    one, only when the run made no progress for `STALL` (the worker is down or busy
    elsewhere: the person watching still sees it move)."""
    if (
        runs_inline()
        or BulkRun.objects.filter(pk=run_id, updated_at__lt=timezone.now() - STALL)
        .exclude(not_before__gt=timezone.now())
        .exists()
    ):
        bulk_run_advance(run_id=run_id)


def bulk_run_retry(*, run: BulkRun) -> int:
    """Queue again the leaves that failed without being sent; returns how many."""
    count = run.items.filter(outcome=Outcome.FAILED, retryable=True).update(
        outcome=Outcome.QUEUED, message="", retryable=False
    )
    if count:
        bulk_run_begin(run=run)
    return count


def bulk_run_advance(*, run_id: uuid.UUID | str) -> float | None:
    """Decide the next slice of a run.

    Returns None when no leave waits any more, 0 when the next slice may start at once, else
    the seconds until the person's allowance has room again.
    """
    run = BulkRun.objects.select_related("user").get(pk=run_id)
    _requeue_stuck(run)
    now = timezone.now()
    if not run.items.filter(outcome=Outcome.QUEUED).exists():
        return None if not run.items.filter(outcome=Outcome.WORKING).exists() else 1.0
    if run.not_before and run.not_before > now:
        return (run.not_before - now).total_seconds()
    room, wait = allowance_room(user_id=run.user_id)
    rules = RULE_READS if run.action == Action.APPROVE and _first_slice(run) else 0
    spare = PAGE_VIEW_RESERVE + _recheck_calls(run.workspace_id) + SPARE_CALLS + rules
    size = min(SLICE, room - spare)
    if size < 1:
        return _wait(run, wait)
    items = _take(run, size)
    if not items:
        return 1.0
    try:
        verdicts = _slice_decide(run, items)
    except BaseException:
        _set(items, Verdict(Outcome.QUEUED, ""))
        raise
    retry_after = max((v.retry_after for v in verdicts.values() if v.retry_after), default=0.0)
    for item in items:
        _set([item], verdicts[item.pk].verdict)
    run.save(update_fields=["updated_at"])  # progress, for the sweep of stalled runs
    if retry_after:
        return _wait(run, retry_after)
    return 0.0


def _recheck_calls(workspace_id: int) -> int:
    """What fetching the pending list costs: a call per 100 leaves (one more for growth)."""
    known = pending_count_peek(workspace_id=workspace_id) or 0
    return 2 + known // 100


def _wait(run: BulkRun, seconds: float) -> float:
    run.not_before = timezone.now() + dt.timedelta(seconds=seconds)
    run.save(update_fields=["not_before", "updated_at"])
    return seconds


def _requeue_stuck(run: BulkRun) -> None:
    """Leaves taken by a process that died: their re-check will see what WebWork did."""
    run.items.filter(outcome=Outcome.WORKING, updated_at__lt=timezone.now() - STUCK_AFTER).update(
        outcome=Outcome.QUEUED
    )


def _take(run: BulkRun, size: int) -> list[BulkItem]:
    """Take up to `size` waiting leaves for this process; another never takes the same."""
    taken = []
    for item in run.items.filter(outcome=Outcome.QUEUED).order_by("position")[:size]:
        if BulkItem.objects.filter(pk=item.pk, outcome=Outcome.QUEUED).update(
            outcome=Outcome.WORKING, updated_at=timezone.now()
        ):
            taken.append(item)
    return taken


def _set(items: list[BulkItem], verdict: Verdict) -> None:
    for item in items:
        item.outcome, item.message, item.retryable = (
            verdict.outcome,
            verdict.message[:300],
            verdict.retryable,
        )
        item.save(update_fields=["outcome", "message", "retryable", "updated_at"])


@dataclass(frozen=True)
class _Decided:
    verdict: Verdict
    retry_after: float | None = None


def _first_slice(run: BulkRun) -> bool:
    """No leave of the run decided yet: the rules' inputs may not be cached (later slices find
    them cached, read by the first)."""
    return not run.items.exclude(outcome__in=(Outcome.QUEUED, Outcome.WORKING)).exists()


def _slice_decide(run: BulkRun, items: list[BulkItem]) -> dict[int, _Decided]:
    """Re-check a slice against WebWork's pending list, then decide what passes."""
    try:
        entry = leave_list_pending(user_id=run.user_id, workspace_id=run.workspace_id, force=True)
        if entry.stale and entry.error is not None:
            raise entry.error
    except (WebWorkError, ReauthRequired) as exc:
        return {item.pk: _unchecked(exc) for item in items}
    pending = {leave.id: leave for leave in entry.value}
    verdicts: dict[int, _Decided] = {}
    go: list[BulkItem] = []
    for item in items:
        refusal = bulk_leave_recheck(
            user=run.user,
            workspace_id=run.workspace_id,
            leave_id=item.leave_id,
            leave=pending.get(item.leave_id),
            action=run.action,
        )
        if refusal is None:
            go.append(item)
        else:
            verdicts[item.pk] = _Decided(refusal)
    verdicts.update(_decide_all(run, go))
    return verdicts


def _unchecked(exc: Exception) -> _Decided:
    """The re-check itself failed: nothing was sent; wait on a rate limit, else report it."""
    if isinstance(exc, RateLimited):
        return _Decided(Verdict(Outcome.QUEUED, ""), retry_after=exc.retry_after or 5.0)
    if isinstance(exc, ReauthRequired):
        return _Decided(Verdict(Outcome.FAILED, gettext("Sign in again: nothing was sent."), True))
    message = gettext("WebWork couldn't confirm it is still pending, so nothing was sent.")
    return _Decided(Verdict(Outcome.FAILED, message, retryable=exc.retryable))


def bulk_leave_recheck(
    *,
    user: AbstractBaseUser,
    workspace_id: int,
    leave_id: str,
    leave: Leave | None,
    action: str,
) -> Verdict | None:
    """Why this leave must not be decided by a bulk run now, or None when it may be.

    `leave` is the leave as WebWork's pending list of this workspace has it just now (None
    when the list doesn't have it). The decision rules (four eyes, the balance rule) are not
    repeated here: the single-decision service applies them to every approve, and a leave they
    refuse is reported as `Outcome.SKIPPED` with their reason.
    """
    if leave is not None and leave.status == LeaveStatus.PENDING:
        return None
    row = LeaveDecision.objects.filter(
        workspace_id=workspace_id, leave_id=leave_id, state=LeaveDecision.State.DONE
    ).first()
    if row is not None:
        message = already_message(
            row.result_status, by=row.decided_by_name, by_you=row.decided_by_id == user.pk
        )
        return Verdict(Outcome.ALREADY, message)
    return Verdict(
        Outcome.REFUSED,
        gettext(
            "Not a pending request of this workspace (decided in WebWork, or unknown): not sent."
        ),
    )


def _decide_all(run: BulkRun, items: list[BulkItem]) -> dict[int, _Decided]:
    """Decide each leave through the single-decision service, `CONCURRENCY` at once; balances
    are refreshed once for the slice, not once per decision."""
    if not items:
        return {}
    with balances_refresh_deferred():
        if len(items) == 1:
            return {items[0].pk: _decide_one(run, items[0].leave_id)}
        with ThreadPoolExecutor(max_workers=CONCURRENCY, thread_name_prefix="bulk") as pool:
            futures = {
                item.pk: pool.submit(
                    contextvars.copy_context().run, _decide_in_thread, run, item.leave_id
                )
                for item in items
            }
            return {pk: future.result() for pk, future in futures.items()}


def _decide_in_thread(run: BulkRun, leave_id: str) -> _Decided:
    try:
        return _decide_one(run, leave_id)
    finally:
        connections.close_all()  # this thread's own connections


def _decide_one(run: BulkRun, leave_id: str) -> _Decided:
    try:
        if run.action == Action.APPROVE:
            result = leave_approve(user=run.user, workspace_id=run.workspace_id, leave_id=leave_id)
        else:
            result = leave_reject(
                user=run.user, workspace_id=run.workspace_id, leave_id=leave_id, reason=run.reason
            )
    except ReauthRequired:
        return _Decided(Verdict(Outcome.FAILED, gettext("Sign in again: nothing was sent."), True))
    except WebWorkError:
        # Refused before anything was applied (the service re-raises only those).
        return _Decided(
            Verdict(
                Outcome.FAILED,
                gettext("WebWork refused it before anything changed: nothing was sent."),
                True,
            )
        )
    return _from_result(result)


def _from_result(result: DecisionResult) -> _Decided:
    if result.retry_after:
        return _Decided(Verdict(Outcome.QUEUED, ""), retry_after=result.retry_after)
    outcome = {
        DecisionOutcome.DONE: Outcome.DECIDED,
        DecisionOutcome.ALREADY_DECIDED: Outcome.ALREADY,
        DecisionOutcome.IN_PROGRESS: Outcome.ALREADY,
        DecisionOutcome.HELD: Outcome.ALREADY,  # this person's own tap, in its undo window
        DecisionOutcome.UNKNOWN: Outcome.UNKNOWN,
        DecisionOutcome.INVALID: Outcome.REFUSED,
        # The decision rules (four eyes, a balance a policy keeps above zero): nothing sent,
        # and retrying would be refused again; such a leave is decided on its own.
        DecisionOutcome.REFUSED: Outcome.SKIPPED,
    }.get(result.outcome, Outcome.FAILED)
    # A retry re-checks the pending list first, so retrying a failure never sends twice; an
    # unconfirmed PUT may still land, so it is not offered again.
    return _Decided(Verdict(outcome, result.message, retryable=outcome == Outcome.FAILED))


def bulk_runs_stalled() -> list[str]:
    """Runs with leaves waiting and nothing done for a while (a worker restarted, a task lost):
    for the beat sweep to hand to the worker again."""
    quiet = timezone.now() - dt.timedelta(seconds=30)
    runs = (
        BulkRun.objects.filter(items__outcome__in=(Outcome.QUEUED, Outcome.WORKING))
        .filter(updated_at__lt=quiet)
        .exclude(items__outcome=Outcome.WORKING, items__updated_at__gte=quiet)
        .filter(models.Q(not_before__isnull=True) | models.Q(not_before__lte=timezone.now()))
        .distinct()
    )
    return [str(pk) for pk in runs.values_list("pk", flat=True)]
