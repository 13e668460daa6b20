"""New-request alerts: noticed by the refresh cycle, e-mailed and posted to a webhook, once."""

import datetime as dt
import threading

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from dashboard.models import AlertDelivery, LeaveAnnouncement, NotificationPreference
from dashboard.platform import outbound
from dashboard.selectors import leave_list_pending
from dashboard.services import alerts
from dashboard.services.alerts import pending_alerts_scan
from dashboard.tasks import alert_deliver_task, workspace_refresh_task
from tests.mail import parts

# Deliveries are queued once the announcing transaction commits: tests commit, as workers do.
pytestmark = pytest.mark.django_db(transaction=True)

WS = 1
AMARA, MATEO = "owner@sandbox.test", "manager@sandbox.test"


@pytest.fixture
def watched(owner_client, manager_client, webwork, smtp):
    """Both managers of workspace 1 signed in; Amara wants alerts; the first look is done."""
    users = get_user_model().objects
    amara, mateo = users.get(email=AMARA), users.get(email=MATEO)
    NotificationPreference.objects.create(user=amara, alerts_enabled=True)
    refresh(mateo)
    assert smtp.messages == []  # what already waited is not news
    return amara, mateo


def refresh(user) -> None:
    """The worker's refresh cycle of workspace 1 (inline), as beat queues it."""
    workspace_refresh_task.delay(workspace_id=WS, user_id=user.pk)


def new_request(webwork, member: int = 1009, **extra) -> dict:
    annual = next(p["id"] for p in webwork.state.policies_for(WS) if p["name"] == "Annual leave")
    start = dt.date.today() + dt.timedelta(days=40)
    return webwork.state.add_leave(
        WS, member, start, start + dt.timedelta(days=2), policy_id=annual, **extra
    )


def member_name(webwork, member_id: int) -> str:
    member = next(m for m in webwork.state.members_for(WS) if m["id"] == member_id)
    return f"{member['firstname']} {member['lastname']}"


def test_a_new_request_is_emailed_once_to_the_managers_who_asked(watched, webwork, smtp):
    _, mateo = watched
    leave = new_request(webwork)
    refresh(mateo)
    refresh(mateo)
    (message,) = smtp.messages
    assert message["To"] == AMARA  # Mateo did not ask
    name = member_name(webwork, 1009)
    assert message["Subject"].startswith(f"New leave request: {name} – Annual leave")
    text, html = parts(message)
    assert "Balance after: " in text
    assert "https://leave.example.com/w/1/" in text
    assert name.replace("'", "&#x27;") in html
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert LeaveAnnouncement.objects.filter(leave_id=leave["id"], silent=False).count() == 1
    assert AlertDelivery.objects.get().state == "sent"


def test_several_new_requests_make_one_message(watched, webwork, smtp):
    _, mateo = watched
    new_request(webwork, 1009)
    new_request(webwork, 1013)
    refresh(mateo)
    (message,) = smtp.messages
    assert message["Subject"] == "2 new leave requests in Northwind Studio"


def test_a_request_decided_before_the_alert_went_out_is_not_announced(
    watched, webwork, smtp, monkeypatch
):
    _, mateo = watched
    queued = []
    monkeypatch.setattr(alerts, "_queue", queued.append)  # noticed; the worker is slow today
    leave = new_request(webwork)
    assert pending_alerts_scan(user_id=mateo.pk, workspace_id=WS) == [leave["id"]]
    webwork.state.decide(leave["id"], "approved", by_user_id=1001)
    leave_list_pending(user_id=mateo.pk, workspace_id=WS, force=True)  # the next page view
    assert [alert_deliver_task.delay(delivery_id=pk).result for pk in queued] == ["dropped"]
    assert smtp.messages == []
    assert AlertDelivery.objects.get().state == "dropped"


def test_the_webhook_gets_one_message_per_batch(watched, webwork, smtp, receiver, owner_client):
    _, mateo = watched
    saved = owner_client.post(f"/w/{WS}/notifications/webhook/", {"url": receiver.url})
    assert saved.status_code == 302
    leave = new_request(webwork)
    refresh(mateo)
    refresh(mateo)
    (posted,) = receiver.received
    assert posted["text"].startswith("*New leave request: ")
    assert member_name(webwork, 1009).replace("&", "&amp;").replace("<", "&lt;") in posted["text"]
    assert "Open the inbox: https://leave.example.com/w/1/" in posted["text"]
    assert LeaveAnnouncement.objects.filter(leave_id=leave["id"]).count() == 1
    # Stored encrypted; the page shows only a hint of it.
    from dashboard.models import WorkspaceWebhook

    assert "secret-part" not in WorkspaceWebhook.objects.get().url_encrypted
    page = owner_client.get(f"/w/{WS}/notifications/").content.decode()
    assert "secret-part" not in page
    assert "127.0.0.1" in page


@pytest.mark.parametrize(
    ("status", "delay", "reason"),
    [
        (500, 0, "it answered 500"),
        (404, 0, "it answered 404"),
        (302, 0, "it answered with a redirect (302)"),
        (200, 1.0, "it did not answer in time"),
    ],
)
def test_a_failing_webhook_is_retried_then_switched_off_with_a_notice(
    watched, webwork, smtp, receiver, owner_client, monkeypatch, status, delay, reason
):
    _, mateo = watched
    monkeypatch.setattr(outbound, "TIMEOUT", (0.3, 0.3))
    owner_client.post(f"/w/{WS}/notifications/webhook/", {"url": receiver.url})
    receiver.status, receiver.delay = status, delay
    leave = new_request(webwork)
    refresh(mateo)  # the refresh itself is not held up: it has its own work done first
    assert receiver.attempts == 4  # the first try and three retries
    webhook_delivery = AlertDelivery.objects.get(channel="webhook")
    assert webhook_delivery.state == "failed"
    assert AlertDelivery.objects.get(channel="email").state == "sent"  # mail is independent
    page = owner_client.get(f"/w/{WS}/notifications/").content.decode()
    assert "The webhook is switched off" in page
    assert reason in page
    assert LeaveAnnouncement.objects.filter(leave_id=leave["id"]).count() == 1
    new_request(webwork, 1013)
    refresh(mateo)
    assert receiver.attempts == 4  # switched off: not tried again
    # Saving it again switches it back on.
    receiver.status, receiver.delay = 200, 0
    owner_client.post(f"/w/{WS}/notifications/webhook/", {"url": receiver.url})
    assert owner_client.post(f"/w/{WS}/notifications/webhook/test/").status_code == 302
    # Among what arrived: the timed-out tries are still being answered, slowly, and may be
    # recorded after the test message.
    assert any("Test from the WebWork Leave Dashboard" in m["text"] for m in receiver.received)


def test_webhook_addresses_must_be_https_and_public_in_production(owner_client, webwork, settings):
    settings.WEBHOOK_ALLOW_LOCAL = False
    for url, error in (
        ("http://hooks.example.com/x", "Use the https:// address"),
        ("https://user:pw@hooks.example.com/x", "Leave user names and passwords out"),
        ("not a url", "Enter a valid URL"),
    ):
        answer = owner_client.post(f"/w/{WS}/notifications/webhook/", {"url": url})
        assert answer.status_code == 200
        assert error in answer.content.decode()
        assert f'value="{url}"' in answer.content.decode()  # what was typed stays
    with pytest.raises(outbound.WebhookRefused, match="not a public one"):
        outbound.post_json("https://127.0.0.1:9/hook", {"text": "x"})


def test_a_mail_server_failure_is_retried_and_never_forgets_the_announcement(
    watched, webwork, smtp
):
    _, mateo = watched
    smtp.refuse = 2
    new_request(webwork)
    refresh(mateo)
    assert len(smtp.messages) == 1
    assert smtp.attempts == 3
    smtp.refuse = 10
    leave = new_request(webwork, 1013)
    refresh(mateo)
    assert AlertDelivery.objects.filter(state="failed").count() == 1
    assert LeaveAnnouncement.objects.filter(leave_id=leave["id"]).exists()
    smtp.refuse = 0
    refresh(mateo)
    assert len(smtp.messages) == 1  # never announced twice, even after the failure


@pytest.mark.django_db(transaction=True)
def test_two_scans_at_the_same_moment_announce_once(watched, webwork, smtp):
    _, mateo = watched
    new_request(webwork)
    barrier = threading.Barrier(4)
    found = []

    def scan():
        barrier.wait()
        found.append(pending_alerts_scan(user_id=mateo.pk, workspace_id=WS))

    threads = [threading.Thread(target=scan) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(len(ids) for ids in found) == [0, 0, 0, 1]
    assert len(smtp.messages) == 1


def test_alerts_stop_with_the_one_click_link(watched, webwork, smtp):
    amara, mateo = watched
    new_request(webwork)
    refresh(mateo)
    link = smtp.messages[0]["List-Unsubscribe"].strip("<>").split("leave.example.com")[1]
    assert Client().post(link).status_code == 200
    assert not NotificationPreference.objects.get(user=amara).alerts_enabled
    new_request(webwork, 1013)
    refresh(mateo)
    assert len(smtp.messages) == 1


# --------------------------------------------------------------------------- housekeeping
def test_requests_no_longer_pending_leave_the_seen_table_a_day_later(watched, webwork, smtp):
    """The seen table holds what is pending (and a day of history), not every request ever."""
    _, mateo = watched
    leave = new_request(webwork)
    refresh(mateo)
    seen = LeaveAnnouncement.objects.filter(workspace_id=WS)
    assert seen.filter(leave_id=leave["id"]).exists()
    webwork.state.decide(leave["id"], "approved", by_user_id=1001)
    refresh(mateo)
    assert seen.filter(leave_id=leave["id"]).exists()  # kept a day: the list may lag
    still_pending = set(seen.exclude(leave_id=leave["id"]).values_list("leave_id", flat=True))
    seen.update(seen_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=2))
    refresh(mateo)
    assert not seen.filter(leave_id=leave["id"]).exists()
    assert set(seen.values_list("leave_id", flat=True)) == still_pending
    assert len(smtp.messages) == 1  # and what is still pending was not announced again


def test_ended_deliveries_are_deleted_after_a_month(watched, webwork, smtp):
    from dashboard.tasks import alert_history_prune_task

    _, mateo = watched
    new_request(webwork)
    refresh(mateo)
    new_request(webwork, 1013)
    refresh(mateo)
    old, recent = AlertDelivery.objects.order_by("pk")
    AlertDelivery.objects.filter(pk=old.pk).update(
        created_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=31)
    )
    AlertDelivery.objects.create(workspace_id=WS, channel="email", state="pending")
    AlertDelivery.objects.filter(state="pending").update(
        created_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=40)
    )
    assert alert_history_prune_task.delay().result == 1
    remaining = AlertDelivery.objects.order_by("pk")
    assert [d.pk for d in remaining][:1] == [recent.pk]
    assert sorted(d.state for d in remaining) == ["pending", "sent"]  # waiting ones stay
