"""Bulk approve and reject over HTTP: the inbox's boxes, the progress panel, the report."""

import datetime as dt
import re
import uuid

import pytest
from django.test import Client

from dashboard.models import BulkRun
from dashboard.read_models.inbox import PAGE_SIZE
from dashboard.services import bulk_decisions
from tests.oauth_flow import sign_in_directly

# Decisions run in worker threads; any pending leave may be decided (the rules are tested apart).
pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("rules_let_every_leave_through"),
]

WS = 1
HTMX = {"HX-Request": "true"}


def _pending_ids(webwork, workspace_id=WS) -> list[str]:
    return [leave["id"] for leave in webwork.state.leaves_for(workspace_id, status="pending")]


def _puts(webwork) -> int:
    return webwork.state.calls.count(method="PUT", path="/(approve|reject)$")


def test_inbox_rows_have_a_box_each_and_the_bulk_bar(manager_client, webwork):
    member = webwork.state.members_for(WS)[5]["id"]
    for days in range(1, 1 + PAGE_SIZE - len(_pending_ids(webwork)) + 2):  # past one page
        webwork.state.add_leave(WS, member, dt.date.today() + dt.timedelta(days=40 + days))
    html = manager_client.get("/w/1/").content.decode()
    boxes = re.findall(r'name="leave" value="([0-9a-f-]{36})" form="bulk-form"', html)
    assert boxes
    assert set(boxes) <= set(_pending_ids(webwork))
    assert 'id="bulk-form"' in html
    assert "Select all on this page" in html
    assert "{#" not in html  # template comments stay comments
    assert f"All {len(_pending_ids(webwork))} pending" in html  # more wait than one page shows


def test_htmx_bulk_approve_decides_and_shows_the_report(manager_client, webwork):
    ids = _pending_ids(webwork)[:3]
    response = manager_client.post(
        "/w/1/leaves/bulk/", {"leave": ids, "action": "approve"}, headers=HTMX
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "3 of 3 handled" in html
    assert html.count("bulk-report__row--decided") == 3
    assert "hx-trigger" not in html  # finished: no more polling
    assert [webwork.state.leave(i)["status"] for i in ids] == ["approved"] * 3


def test_plain_post_redirects_to_the_reloadable_report(manager_client, webwork):
    ids = _pending_ids(webwork)[:2]
    response = manager_client.post("/w/1/leaves/bulk/", {"leave": ids, "action": "approve"})
    run = BulkRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/w/1/leaves/bulk/{run.pk}/"
    page = manager_client.get(response["Location"]).content.decode()
    assert "Approving 2 requests" in page
    assert "2 of 2 handled" in page


def test_reject_without_reason_sends_nothing_and_keeps_the_selection(manager_client, webwork):
    ids = _pending_ids(webwork)[:2]
    form = {"leave": ids, "action": "reject", "reason": "  "}
    partial = manager_client.post("/w/1/leaves/bulk/", form, headers=HTMX).content.decode()
    assert "Give a reason" in partial
    assert "Nothing was sent" in partial
    page = manager_client.post("/w/1/leaves/bulk/", form).content.decode()
    assert all(f'name="leave" value="{i}"' in page for i in ids)
    assert _puts(webwork) == 0
    assert BulkRun.objects.count() == 0


def test_nothing_selected_is_an_error_not_a_run(manager_client, webwork):
    html = manager_client.post(
        "/w/1/leaves/bulk/", {"action": "approve"}, headers=HTMX
    ).content.decode()
    assert "Select at least one request" in html
    assert BulkRun.objects.count() == 0


def test_select_all_matching_covers_every_pending_request_in_slices(
    manager_client, webwork, settings
):
    # Coverage, not pacing (the budget tests do that): room for every slice within the minute.
    settings.WEBWORK_CALLS_PER_MINUTE = 200
    pending = _pending_ids(webwork)
    assert len(pending) > bulk_decisions.INLINE_MAX
    manager_client.get("/w/1/")  # the inbox the person selected from
    response = manager_client.post(
        "/w/1/leaves/bulk/", {"scope": "all", "action": "approve"}, headers=HTMX
    )
    html = response.content.decode()
    run = BulkRun.objects.get()
    poll = f"/w/1/leaves/bulk/{run.pk}/poll/"
    assert f'hx-post="{poll}"' in html
    assert "0 of" in html
    for _ in range(10):
        html = manager_client.post(poll, headers=HTMX).content.decode()
        if "hx-trigger" not in html:
            break
    assert f"{len(pending)} of {len(pending)} handled" in html
    assert _puts(webwork) == len(pending)


def test_a_run_is_only_shown_to_its_owner_in_its_workspace(manager_client, owner_client, webwork):
    manager_client.post(
        "/w/1/leaves/bulk/", {"leave": _pending_ids(webwork)[:1], "action": "approve"}
    )
    run = BulkRun.objects.get()
    assert owner_client.get(f"/w/1/leaves/bulk/{run.pk}/").status_code == 404
    assert owner_client.post(f"/w/1/leaves/bulk/{run.pk}/retry/").status_code == 404
    assert manager_client.get(f"/w/1/leaves/bulk/{uuid.uuid4()}/").status_code == 404


def test_bulk_in_a_workspace_not_managed_is_404_and_sends_nothing(manager_client, webwork):
    ids = _pending_ids(webwork, workspace_id=2)
    response = manager_client.post("/w/2/leaves/bulk/", {"leave": ids, "action": "approve"})
    assert response.status_code == 404
    assert _puts(webwork) == 0


def test_bulk_post_without_csrf_token_is_refused(webwork, db):
    client = Client(HTTP_HOST="127.0.0.1:8000", enforce_csrf_checks=True)
    sign_in_directly(client, webwork, "manager@sandbox.test")
    ids = _pending_ids(webwork)[:2]
    response = client.post("/w/1/leaves/bulk/", {"leave": ids, "action": "approve"})
    assert response.status_code == 403
    assert _puts(webwork) == 0


def test_report_escapes_what_was_sent_and_retry_offers_only_unsent(manager_client, webwork):
    ids = _pending_ids(webwork)[:2]
    webwork.state.add_fault(path=f"{ids[1]}/approve$", method="PUT", status=502, times=1)
    html = manager_client.post(
        "/w/1/leaves/bulk/",
        {"leave": [*ids, "<img src=x onerror=alert(1)>"], "action": "approve"},
        headers=HTMX,
    ).content.decode()
    assert "<img src=x" not in html
    assert "&lt;img src=x" in html
    assert "Try the 1 not sent again" in html
    run = BulkRun.objects.get()
    retried = manager_client.post(f"/w/1/leaves/bulk/{run.pk}/retry/", headers=HTMX)
    assert "Try the" not in retried.content.decode()
    assert webwork.state.leave(ids[1])["status"] == "approved"
    assert _puts(webwork) == 3


@pytest.mark.clock("2027-05-15T10:00Z")
def test_bulk_undo_within_the_window_sends_nothing(manager_client, webwork, settings, clock):
    settings.DECISION_UNDO_SECONDS = 30
    ids = _pending_ids(webwork)[:3]
    html = manager_client.post(
        "/w/1/leaves/bulk/", {"leave": ids, "action": "approve"}, headers=HTMX
    ).content.decode()
    run = BulkRun.objects.get()
    assert "sending in" in html
    assert f'hx-post="/w/1/leaves/bulk/{run.pk}/undo/"' in html
    undone = manager_client.post(f"/w/1/leaves/bulk/{run.pk}/undo/", headers=HTMX)
    assert "Undone: 3 requests not sent" in undone.content.decode()
    clock.shift(31)
    after = manager_client.post(f"/w/1/leaves/bulk/{run.pk}/poll/", headers=HTMX)
    assert "3 of 3 handled" in after.content.decode()
    assert _puts(webwork) == 0


@pytest.mark.clock("2027-05-15T10:00Z")
def test_bulk_is_sent_when_its_undo_window_ends(manager_client, webwork, settings, clock):
    settings.DECISION_UNDO_SECONDS = 30
    ids = _pending_ids(webwork)[:3]
    manager_client.post("/w/1/leaves/bulk/", {"leave": ids, "action": "approve"}, headers=HTMX)
    run = BulkRun.objects.get()
    poll = f"/w/1/leaves/bulk/{run.pk}/poll/"
    manager_client.post(poll, headers=HTMX)
    assert _puts(webwork) == 0
    clock.shift(31)
    html = manager_client.post(poll, headers=HTMX).content.decode()
    assert "3 of 3 handled" in html
    assert _puts(webwork) == 3


def test_requests_list_offers_boxes_for_pending_rows_only(manager_client, webwork):
    html = manager_client.get("/w/1/leaves/").content.decode()
    boxes = set(re.findall(r'name="leave" value="([0-9a-f-]{36})" form="bulk-form"', html))
    assert boxes
    assert boxes <= set(_pending_ids(webwork))
    assert 'id="bulk-form"' in html
    assert "{#" not in html


def test_all_matching_on_the_requests_list_follows_its_filters(manager_client, webwork):
    pending = webwork.state.leaves_for(WS, status="pending")
    member = pending[0]["user_id"]
    theirs = [leave["id"] for leave in pending if leave["user_id"] == member]
    response = manager_client.post(
        "/w/1/leaves/bulk/",
        {"scope": "all", "filters": f"status=pending&member={member}", "action": "approve"},
        headers=HTMX,
    )
    assert response.status_code == 200
    run = BulkRun.objects.get()
    assert sorted(run.items.values_list("leave_id", flat=True)) == sorted(theirs)
    assert _puts(webwork) == len(theirs)
