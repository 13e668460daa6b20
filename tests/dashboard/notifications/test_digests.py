"""The digest e-mail, through a real SMTP server: content, schedule, once a day, unsubscribe."""

import datetime as dt
import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from dashboard.models import NotificationPreference
from dashboard.tasks import digest_send_task, digests_due_send_task
from tests.mail import parts
from tests.security.support import captured_logs

pytestmark = pytest.mark.django_db

MONDAY_10_IN_MADRID = "2027-05-17T08:05Z"
MATEO = "manager@sandbox.test"


def opt_in(user, **values) -> NotificationPreference:
    """Mateo's choice: a digest at 10:00 Madrid time on weekdays."""
    defaults = {
        "digest_enabled": True,
        "digest_hour": 10,
        "digest_weekdays": "0,1,2,3,4",
        "timezone": "Europe/Madrid",
    }
    return NotificationPreference.objects.create(user=user, **{**defaults, **values})


def _mateo(manager_client):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(email=MATEO)


@pytest.mark.clock(MONDAY_10_IN_MADRID)
def test_support_sends_a_digest_that_lists_what_waits_oldest_first(manager_client, webwork, smtp):
    out = StringIO()
    call_command("send_digests", "--now", "--user", MATEO, stdout=out)
    assert f"{MATEO}: sent" in out.getvalue()
    (message,) = smtp.to(MATEO)
    pending = sorted(
        webwork.state.leaves_for(1, status="pending"), key=lambda lv: (lv["created_at"], lv["id"])
    )
    assert message["Subject"] == f"{len(pending)} leave requests waiting in Northwind Studio"
    text, html = parts(message)
    members = {m["id"]: f"{m['firstname']} {m['lastname']}" for m in webwork.state.members_for(1)}
    listed = re.findall(r"^- (.+?): ", text, re.M)
    assert listed[: len(pending[:15])] == [members[lv["user_id"]] for lv in pending[:15]]
    assert f"and {len(pending) - 15} more" in text
    assert "Balance after: " in text
    assert "Out today: " in text
    assert "This week: " in text
    assert "https://leave.example.com/w/1/" in text
    assert 'href="https://leave.example.com/w/1/"' in html
    assert members[pending[0]["user_id"]].replace("'", "&#x27;") in html
    unsubscribe = message["List-Unsubscribe"]
    assert re.fullmatch(
        r"<https://leave\.example\.com/notifications/unsubscribe/[^>]+/>", unsubscribe
    )
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


@pytest.mark.clock(MONDAY_10_IN_MADRID)
def test_balance_after_subtracts_the_request_from_the_members_balance(
    manager_client, webwork, smtp
):
    annual = next(p for p in webwork.state.policies_for(1) if p["name"] == "Annual leave")
    # The oldest request of all, so it is the digest's first row: three working days.
    asking = webwork.state.add_leave(
        1,
        1009,
        dt.date(2027, 6, 7),
        dt.date(2027, 6, 9),
        policy_id=annual["id"],
        created_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC),
    )
    balance = next(b for b in webwork_balances(webwork, manager_client) if b["user_id"] == 1009)
    before = next(
        i["balance"] for i in balance["leave_information"] if i["leave_type"] == "Annual leave"
    )
    call_command("send_digests", "--user", MATEO, stdout=StringIO())
    text, _ = parts(smtp.to(MATEO)[0])
    first = re.search(r"^- (.+)$", text, re.M).group(1)
    days = float(before.split()[0]) - asking["total"]["days"]
    assert f"Balance after: {days:g} days." in first


def webwork_balances(webwork, manager_client):
    import requests

    from dashboard.webwork_oauth.tokens import access_token_for

    token = access_token_for(user_id=_mateo(manager_client).pk)
    answer = requests.get(
        f"{webwork.api_url}/leaves/balances",
        params={
            "workspace_id": 1,
            "date_from": "2027-01-01",
            "date_to": "2027-12-31",
            "per_page": 100,
        },
        headers={"Authorization": f"Bearer {token}"},
        timeout=5,
    )
    return answer.json()["data"]


@pytest.mark.clock(MONDAY_10_IN_MADRID)
def test_beat_sends_each_digest_once_at_the_persons_hour(manager_client, webwork, smtp):
    opt_in(_mateo(manager_client))
    # Beat looks every five minutes: every look within the hour sees it due until it is sent.
    # (Two real workers at once: test_two_workers.py. Eager tasks must not run in threads:
    # Celery's "inside a task" flag is process-wide.)
    for _ in range(4):
        digests_due_send_task.delay()
    assert len(smtp.to(MATEO)) == 1


@pytest.mark.parametrize(
    ("instant", "weekdays"),
    [
        ("2027-05-17T07:05Z", "0,1,2,3,4"),  # 09:05 in Madrid: an hour early
        ("2027-05-17T09:05Z", "0,1,2,3,4"),  # 11:05: an hour late
        ("2027-05-17T08:05Z", "1,2,3,4"),  # the right hour, but not on Mondays
    ],
)
def test_no_digest_outside_the_chosen_hour_and_days(
    manager_client, webwork, smtp, instant, weekdays
):
    import time_machine

    opt_in(_mateo(manager_client), digest_weekdays=weekdays)
    with time_machine.travel(instant, tick=True):
        assert digests_due_send_task.apply().result == 0
    assert smtp.messages == []


@pytest.mark.parametrize("instant", ["2027-03-28T08:05Z", "2027-10-31T09:05Z"])
def test_the_local_hour_holds_on_both_clock_change_days(manager_client, webwork, smtp, instant):
    """10:05 in Madrid on the Sundays Europe's clocks change (UTC+2 in March, +1 in October)."""
    import time_machine

    opt_in(_mateo(manager_client), digest_weekdays="6")
    with time_machine.travel(instant, tick=True):
        assert digests_due_send_task.apply().result == 1
    assert len(smtp.to(MATEO)) == 1


@pytest.mark.clock(MONDAY_10_IN_MADRID)
def test_nothing_waiting_means_no_digest_unless_asked_for(manager_client, webwork, smtp):
    user = _mateo(manager_client)
    for leave in webwork.state.leaves_for(1, status="pending"):
        webwork.state.decide(leave["id"], "approved", by_user_id=1001)
    preference = opt_in(user)
    assert digest_send_task.apply(kwargs={"user_id": user.pk}).result == "empty"
    assert smtp.messages == []
    preference.digest_when_empty = True
    preference.last_digest_on = None
    preference.save()
    assert digest_send_task.apply(kwargs={"user_id": user.pk}).result == "sent"
    assert smtp.to(MATEO)[0]["Subject"] == "No leave requests waiting"


@pytest.mark.clock(MONDAY_10_IN_MADRID)
def test_a_mail_server_failure_is_retried_and_the_digest_still_goes_once(
    manager_client, webwork, smtp
):
    user = _mateo(manager_client)
    opt_in(user)
    smtp.refuse = 2
    assert digest_send_task.apply(kwargs={"user_id": user.pk}).result == "sent"
    assert smtp.attempts == 3
    assert len(smtp.to(MATEO)) == 1
    assert digest_send_task.apply(kwargs={"user_id": user.pk}).result == "already-sent"


@pytest.mark.clock(MONDAY_10_IN_MADRID)
def test_when_every_retry_fails_the_day_is_given_back(manager_client, webwork, smtp):
    user = _mateo(manager_client)
    opt_in(user)
    smtp.refuse = 4
    assert digest_send_task.apply(kwargs={"user_id": user.pk}).result == "failed"
    assert NotificationPreference.objects.get(user=user).last_digest_on is None
    # The next beat tick finds it due again.
    assert digest_send_task.apply(kwargs={"user_id": user.pk}).result == "sent"


@pytest.mark.clock(MONDAY_10_IN_MADRID)
def test_one_click_unsubscribe_needs_no_sign_in_and_a_link_scanner_changes_nothing(
    manager_client, webwork, smtp
):
    user = _mateo(manager_client)
    opt_in(user)
    digest_send_task.delay(user_id=user.pk)
    link = (
        smtp.to(MATEO)[0]["List-Unsubscribe"].strip("<>").removeprefix("https://leave.example.com")
    )
    mail_client = Client(enforce_csrf_checks=True)  # no cookies, no CSRF token
    with captured_logs() as logs:
        page = mail_client.get(link)
    assert "/notifications/unsubscribe/[redacted]" in logs.output
    assert link.split("/")[-2] not in logs.output
    assert page.status_code == 200
    assert "Stop the digest?" in page.content.decode()
    assert NotificationPreference.objects.get(user=user).digest_enabled
    answer = mail_client.post(
        link, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert answer.status_code == 200
    assert "Unsubscribed" in answer.content.decode()
    assert not NotificationPreference.objects.get(user=user).digest_enabled
    assert mail_client.post(link[:-5] + "xx/").status_code == 404


def test_the_settings_page_saves_choices_and_keeps_bad_input(manager_client, webwork):
    page = manager_client.get("/w/1/notifications/")
    assert page.status_code == 200
    html = page.content.decode()
    # A first visit starts in the time zone WebWork has for the person.
    assert '<option value="Europe/Madrid" selected>' in html
    bad = manager_client.post(
        "/w/1/notifications/",
        {"digest_enabled": "on", "digest_hour": "7", "timezone": "Asia/Tokyo"},
    )
    assert "Choose at least one day" in bad.content.decode()
    assert '<option value="Asia/Tokyo" selected>' in bad.content.decode()
    good = manager_client.post(
        "/w/1/notifications/",
        {
            "digest_enabled": "on",
            "digest_hour": "7",
            "digest_weekdays": ["0", "3"],
            "timezone": "Asia/Tokyo",
            "alerts_enabled": "on",
        },
    )
    assert good.status_code == 302
    saved = NotificationPreference.objects.get()
    assert (saved.digest_hour, saved.weekdays, saved.timezone) == (7, [0, 3], "Asia/Tokyo")
    assert saved.alerts_enabled
