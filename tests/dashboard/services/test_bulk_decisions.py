"""Bulk decisions against the sandbox: one PUT per leave, none for refused rows, within budget.

Decisions run in worker threads (bounded concurrency), which see only committed rows: these
tests use transactional databases.
"""

import threading
import time
import uuid

import pytest
from django.test import override_settings

from dashboard.models import AuditEntry, BulkItem, BulkRun, LeaveDecision
from dashboard.services import bulk_decisions
from dashboard.services.bulk_decisions import bulk_run_advance, bulk_run_begin, bulk_start
from dashboard.webwork_oauth.allowance import allowance_room, allowance_take

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("rules_let_every_leave_through"),
]

WS = 1


def _pending_ids(webwork, workspace_id=WS, count=None) -> list[str]:
    ids = [leave["id"] for leave in webwork.state.leaves_for(workspace_id, status="pending")]
    return ids[:count] if count else ids


def _puts(webwork, leave_id=None) -> int:
    return webwork.state.calls.count(method="PUT", path=leave_id or "/(approve|reject)$")


def _outcomes(run: BulkRun) -> dict[str, str]:
    return dict(run.items.values_list("leave_id", "outcome"))


def _run_to_end(run: BulkRun) -> None:
    while (wait := bulk_run_advance(run_id=run.pk)) is not None:
        assert wait == 0, f"the run waited {wait} s"


def test_bulk_approve_decides_each_leave_with_one_put_and_an_audit_entry(webwork, manager):
    ids = _pending_ids(webwork, count=6)
    run = bulk_start(user=manager, workspace_id=WS, leave_ids=ids, action="approve", reason="")
    bulk_run_begin(run=run)
    assert set(_outcomes(run).values()) == {"decided"}
    for leave_id in ids:
        assert webwork.state.leave(leave_id)["status"] == "approved"
        assert _puts(webwork, leave_id) == 1
    assert AuditEntry.objects.filter(outcome="done", action="approve").count() == 6
    assert LeaveDecision.objects.filter(state="done").count() == 6


def test_bulk_reject_sends_the_one_reason_to_every_leave(webwork, manager):
    ids = _pending_ids(webwork, count=3)
    run = bulk_start(
        user=manager, workspace_id=WS, leave_ids=ids, action="reject", reason="Year-end freeze"
    )
    bulk_run_begin(run=run)
    assert [webwork.state.leave(i)["reject_reason"] for i in ids] == ["Year-end freeze"] * 3


def test_reject_without_a_reason_records_and_sends_nothing(webwork, manager):
    with pytest.raises(ValueError, match="reason"):
        bulk_start(
            user=manager,
            workspace_id=WS,
            leave_ids=_pending_ids(webwork, count=2),
            action="reject",
            reason=" \u200b ",
        )
    assert BulkRun.objects.count() == 0
    assert _puts(webwork) == 0


def test_bad_rows_are_reported_and_the_rest_proceed(webwork, manager):
    good = _pending_ids(webwork, count=2)
    decided = _pending_ids(webwork)[2]
    webwork.state.decide(decided, "approved", by_user_id=1001)
    other_workspace = _pending_ids(webwork, workspace_id=2, count=1)[0]
    unknown = str(uuid.uuid4())
    selection = [*good, decided, other_workspace, unknown, "not-a-uuid", "<script>", good[0]]
    run = bulk_start(
        user=manager, workspace_id=WS, leave_ids=selection, action="approve", reason=""
    )
    bulk_run_begin(run=run)
    outcomes = _outcomes(run)
    assert [outcomes[i] for i in good] == ["decided", "decided"]
    assert outcomes[decided] == outcomes[other_workspace] == outcomes[unknown] == "refused"
    malformed = run.items.filter(leave_id__startswith="#")
    assert sorted(malformed.values_list("outcome", flat=True)) == ["refused", "refused"]
    assert run.items.count() == 7  # the repeated id is one row
    assert _puts(webwork) == 2
    assert webwork.state.leave(other_workspace)["status"] == "pending"


def test_more_than_500_ids_refuses_the_excess_without_sending_it(webwork, manager):
    ids = _pending_ids(webwork, count=2) + [str(uuid.uuid4()) for _ in range(520)]
    run = bulk_start(user=manager, workspace_id=WS, leave_ids=ids, action="approve", reason="")
    refused_for_size = run.items.filter(message__startswith="Over 500")
    assert refused_for_size.count() == 22
    assert run.items.filter(outcome="queued").count() == 500


def test_a_leave_decided_by_this_person_before_is_reported_as_such(webwork, manager):
    ids = _pending_ids(webwork, count=2)
    first = bulk_start(
        user=manager, workspace_id=WS, leave_ids=ids[:1], action="approve", reason=""
    )
    bulk_run_begin(run=first)
    second = bulk_start(user=manager, workspace_id=WS, leave_ids=ids, action="approve", reason="")
    bulk_run_begin(run=second)
    item = second.items.get(leave_id=ids[0])
    assert (item.outcome, item.message) == ("already", "Already approved by you.")
    assert _puts(webwork, ids[0]) == 1


def test_a_failure_before_sending_is_retryable_and_the_retry_sends_it_once(webwork, manager):
    ids = _pending_ids(webwork, count=3)
    webwork.state.add_fault(path=f"{ids[1]}/approve$", method="PUT", status=502, times=1)
    run = bulk_start(user=manager, workspace_id=WS, leave_ids=ids, action="approve", reason="")
    bulk_run_begin(run=run)
    failed = run.items.get(leave_id=ids[1])
    assert (failed.outcome, failed.retryable) == ("failed", True)
    assert bulk_decisions.bulk_run_retry(run=run) == 1
    assert set(_outcomes(run).values()) == {"decided"}
    assert [_puts(webwork, i) for i in ids] == [1, 2, 1]  # the first 502 applied nothing
    assert webwork.state.leave(ids[1])["status"] == "approved"


def test_a_large_run_without_a_worker_waits_for_the_pages_polls(webwork, manager):
    ids = _pending_ids(webwork)
    assert len(ids) > bulk_decisions.INLINE_MAX
    run = bulk_start(user=manager, workspace_id=WS, leave_ids=ids, action="approve", reason="")
    bulk_run_begin(run=run)
    assert _puts(webwork) == 0
    assert bulk_run_advance(run_id=run.pk) == 0
    assert _puts(webwork) == min(len(ids), bulk_decisions.SLICE)


def test_two_overlapping_runs_at_once_send_one_put_per_leave(webwork, manager):
    ids = _pending_ids(webwork)
    runs = [
        bulk_start(user=manager, workspace_id=WS, leave_ids=ids[:18], action="approve", reason=""),
        bulk_start(user=manager, workspace_id=WS, leave_ids=ids[6:], action="approve", reason=""),
    ]
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def advance(run):
        start.wait()
        try:
            _run_to_end(run)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=advance, args=(run,)) for run in runs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors
    for leave_id in ids:
        assert _puts(webwork, leave_id) == 1, leave_id
        assert webwork.state.leave(leave_id)["status"] == "approved"
    first, second = (_outcomes(run) for run in runs)
    for leave_id in ids[6:18]:  # decided by exactly one run; the other says it was not sent
        assert sorted([first[leave_id], second[leave_id]]) in (
            ["already", "decided"],
            ["decided", "refused"],
        )
    assert not BulkItem.objects.filter(outcome__in=("queued", "working")).exists()


def test_a_leave_left_working_by_a_dead_process_is_rechecked_not_resent(webwork, manager):
    ids = _pending_ids(webwork, count=2)
    run = bulk_start(user=manager, workspace_id=WS, leave_ids=ids, action="approve", reason="")
    bulk_run_begin(run=run)
    # The process died after WebWork applied the first decision, before recording it.
    run.items.filter(leave_id=ids[0]).update(outcome="working")
    LeaveDecision.objects.filter(leave_id=ids[0]).update(state="sending")
    BulkItem.objects.filter(leave_id=ids[0]).update(
        updated_at=BulkItem.objects.get(leave_id=ids[0]).updated_at - bulk_decisions.STUCK_AFTER * 2
    )
    _run_to_end(run)
    assert run.items.get(leave_id=ids[0]).outcome == "refused"
    assert _puts(webwork, ids[0]) == 1


@pytest.mark.clock("2027-05-15T10:00Z")
@pytest.mark.sandbox_seed(members=60, leaves=2200)
@override_settings(WEBWORK_CALLS_PER_MINUTE=60, WEBWORK_WRITE_RESERVE=5)
def test_200_selected_never_exceed_the_persons_60_calls_a_minute(webwork, manager, clock):
    # The sandbox counts its minutes on the test's clock, which the test moves on.
    start, mono = time.time(), webwork.state.clock()
    webwork.state.clock = lambda: mono + time.time() - start
    ids = _pending_ids(webwork)[:200]
    assert len(ids) == 200
    for _ in range(20):  # the person's page views this minute
        allowance_take(user_id=manager.pk)
    run = bulk_start(user=manager, workspace_id=WS, leave_ids=ids, action="approve", reason="")
    waits = 0
    while (wait := bulk_run_advance(run_id=run.pk)) is not None:
        if wait:
            room, _ = allowance_room(user_id=manager.pk)
            assert room >= bulk_decisions.PAGE_VIEW_RESERVE, sorted(
                webwork.state.calls.counts().items()
            )
            waits += 1
            clock.shift(wait + 0.1)
    assert waits >= 3
    assert set(_outcomes(run).values()) == {"decided"}
    assert _puts(webwork) == 200
    assert webwork.state.calls.count(status=429) == 0
    calls = webwork.state.calls
    assert calls.max_in_window(60, user_id=1002) <= 60
    first_minute = [r for r in calls.records(user_id=1002, since=mono) if r["at"] < mono + 60]
    assert len(first_minute) <= 60 - 20  # the page views' 20 counted too


@pytest.mark.clock("2027-05-15T10:00Z")
def test_with_a_worker_the_polls_move_a_stalled_run_on(webwork, manager, clock, monkeypatch):
    monkeypatch.setattr(bulk_decisions, "runs_inline", lambda: False)
    monkeypatch.setattr(bulk_decisions, "enqueue", lambda *args, **kwargs: None)  # worker down
    ids = _pending_ids(webwork)
    run = bulk_start(user=manager, workspace_id=WS, leave_ids=ids, action="approve", reason="")
    bulk_run_begin(run=run)
    bulk_decisions.bulk_run_step(run_id=run.pk)
    assert _puts(webwork) == 0  # the worker has it
    clock.shift(bulk_decisions.STALL.total_seconds() + 1)
    bulk_decisions.bulk_run_step(run_id=run.pk)
    assert _puts(webwork) == min(len(ids), bulk_decisions.SLICE)
