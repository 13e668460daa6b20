"""S-08..S-11: tokens are encrypted at rest, never leave the server, and end with the session."""

import datetime as dt
import sys

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.test import Client
from django.views.debug import ExceptionReporter
from django.views.decorators.debug import sensitive_variables
from kombu.transport.memory import Channel

from dashboard.tasks import tokens_refresh_task
from dashboard.webwork_oauth import tokens as token_module
from dashboard.webwork_oauth.crypto import decrypt, encrypt
from dashboard.webwork_oauth.models import WebWorkToken
from dashboard.webwork_oauth.tokens import ReauthRequired, access_token_for, token_refresh
from tests.oauth_flow import sign_in

from .support import (
    HOST,
    HTMX,
    MANAGER,
    WS_A,
    cache_dump,
    cache_settings,
    captured_logs,
    celery_publishing,
    database_dump,
    exercise_dashboard,
    find_canaries,
    redis_values,
    response_texts,
    wait_for_publisher,
)

pytestmark = pytest.mark.django_db

NEW_KEY = "Jd3H8Yl3m0cXWm0nV5wq2t0bQ8sJm5e0m3r2yZb4kUo="


@pytest.fixture
def manager(canary_tokens, signed_in):
    """Mateo signed in with canary tokens; returns (client, user)."""
    client = signed_in(MANAGER, full_flow=True)
    return client, get_user_model().objects.get(email=MANAGER)


def signed_in_client(webwork) -> Client:
    """Sign Mateo in (inside whatever capture the caller set up)."""
    client = Client(HTTP_HOST=HOST)
    assert sign_in(client, webwork, MANAGER).status_code == 302
    return client


def _queued_messages() -> list[str]:
    """Every message waiting in the in-memory broker (headers and body)."""
    found = []
    for queue in Channel.queues.values():
        found.extend(repr(message) for message in list(queue.queue))
    return found


# --------------------------------------------------------------------------- S-08 / S-09
def test_canary_tokens_appear_nowhere_but_the_encrypted_column(
    canary_tokens, webwork, settings, record_property
):
    """DB dump, sessions, cache, broker messages, pages, cookies, URLs and logs: 0 canaries."""
    Channel.queues.clear()
    with captured_logs() as logs, celery_publishing(settings, "memory://"):
        client = signed_in_client(webwork)
        responses = exercise_dashboard(client, webwork)
        wait_for_publisher()
        messages = _queued_messages()
        dump, cached = database_dump(), cache_dump()
        logout = client.post("/accounts/logout/")

    user = get_user_model().objects.get(email=MANAGER)
    record_property("responses", len(responses) + 1)
    record_property("db_rows", len(dump))
    record_property("cache_values", len(cached))
    record_property("broker_messages", len(messages))
    record_property("log_lines", logs.output.count("\n"))
    refreshes = webwork.state.calls.count(path="^/oauth/token$")
    assert refreshes == 2  # the sign-in and one refresh: two canary pairs were in play
    assert len(messages) >= 2, "the flow queued background refreshes"
    assert logs.output.count("\n") > 20, "the log capture saw the flow"
    assert all(r.status_code < 500 for r in responses)
    assert find_canaries(*response_texts([*responses, logout])) == []
    assert find_canaries(*[f"{k}={v.OutputString()}" for k, v in client.cookies.items()]) == []
    assert find_canaries(*dump) == []
    assert find_canaries(*cached) == []
    assert find_canaries(*messages) == []
    assert find_canaries(logs.output) == []
    assert find_canaries(*logs.raw.texts) == []
    assert find_canaries(*[repr(call["query"]) for call in webwork.state.calls.records()]) == []
    # ...yet the encrypted column does hold them, for the signed-in period.
    assert not WebWorkToken.objects.filter(user=user).exists()  # signed out: gone
    assert any("webwork_oauth_webworktoken" in row for row in dump)


def test_tokens_decrypt_only_with_the_key_and_a_tampered_row_means_sign_in_again(manager):
    client, user = manager
    row = WebWorkToken.objects.get(user=user)
    assert decrypt(row.access_token_encrypted).startswith("AT-CANARY-")
    assert decrypt(row.refresh_token_encrypted).startswith("RT-CANARY-")
    assert encrypt("same") != encrypt("same")  # fresh IV each time (Fernet)
    tampered = row.access_token_encrypted[:-6] + (
        "AAAAAA" if row.access_token_encrypted[-6:] != "AAAAAA" else "BBBBBB"
    )
    WebWorkToken.objects.filter(pk=row.pk).update(access_token_encrypted=tampered)
    page = client.get(f"/w/{WS_A}/leaves/")
    assert page.status_code == 302
    assert page["Location"].startswith("/accounts/login/")
    assert "_auth_user_id" not in client.session


def test_rows_written_with_the_old_key_are_rewritten_with_the_new_one(manager, webwork, settings):
    _, user = manager
    old_key = settings.TOKEN_ENCRYPTION_KEY.split(",")[0]
    settings.TOKEN_ENCRYPTION_KEY = f"{NEW_KEY},{old_key}"
    assert access_token_for(user_id=user.pk).startswith("AT-CANARY-")  # old rows still read
    webwork.state.expire_access_tokens()
    current = decrypt(WebWorkToken.objects.get(user=user).access_token_encrypted)
    fresh = token_refresh(user_id=user.pk, rejected_access_token=current)  # next write
    settings.TOKEN_ENCRYPTION_KEY = NEW_KEY  # the old key is retired
    row = WebWorkToken.objects.get(user=user)
    assert decrypt(row.access_token_encrypted) == fresh
    assert decrypt(row.refresh_token_encrypted).startswith("RT-CANARY-")


def test_tasks_carry_ids_never_tokens(manager, webwork, settings):
    client, _ = manager
    Channel.queues.clear()
    with celery_publishing(settings, "memory://"):
        pending = webwork.state.leaves_for(WS_A, status="pending")[0]
        client.post(f"/w/{WS_A}/leaves/{pending['id']}/approve/", headers=HTMX)
        client.post(f"/w/{WS_A}/balances/refresh/")
        wait_for_publisher()
        messages = _queued_messages()
    assert len(messages) == 2
    for message in messages:
        assert "'user_id'" in message or "user_id" in message
        assert "token" not in message.lower().replace("correlation", "")
    assert find_canaries(*messages) == []


# --------------------------------------------------------------------------- S-10
def test_admin_never_shows_tokens(manager, webwork):
    admin = get_user_model().objects.create_superuser("root", "root@example.com", "pw")
    client = Client(HTTP_HOST=HOST)
    client.force_login(admin)
    assert client.get("/admin/webwork_oauth/webworktoken/").status_code == 404
    # allauth's token list (plain-text tokens when used) is either gone or holds nothing.
    tokens = client.get("/admin/socialaccount/socialtoken/")
    assert tokens.status_code in (200, 404)
    for url in ("/admin/", "/admin/socialaccount/socialaccount/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert find_canaries(response.content) == []
    assert find_canaries(tokens.content) == []
    account = get_user_model().objects.get(email=MANAGER).socialaccount_set.get()
    detail = client.get(f"/admin/socialaccount/socialaccount/{account.pk}/change/")
    assert detail.status_code == 200
    assert find_canaries(detail.content) == []


def test_a_crash_next_to_a_token_leaks_it_neither_to_the_page_nor_the_log(manager, monkeypatch):
    client, _ = manager
    client.raise_request_exception = False

    def crash(*args, **kwargs):
        token = access_token_for(user_id=get_user_model().objects.get(email=MANAGER).pk)
        raise RuntimeError(f"boom while holding a token of {len(token)} characters")

    monkeypatch.setattr("dashboard.views.pages.policies_get", crash)
    with captured_logs() as logs:
        response = client.get(f"/w/{WS_A}/policies/")
        htmx = client.get(f"/w/{WS_A}/policies/", headers=HTMX)
    assert response.status_code == htmx.status_code == 500
    assert b"Traceback" not in response.content
    assert b"boom" not in response.content
    assert response["X-Request-Id"].encode() in response.content
    assert "boom while holding a token" in logs.output  # the crash is logged...
    assert find_canaries(logs.output, *logs.raw.texts, response.content, htmx.content) == []


def test_technical_error_reports_hide_the_token_variables(manager, monkeypatch):
    """Even a full error report (DEBUG pages, error e-mails) masks the token locals."""
    _, user = manager

    @sensitive_variables()  # what dashboard/webwork/client.py's refresh should also carry
    def refuse(**kwargs):
        raise RuntimeError("token endpoint exploded")

    monkeypatch.setattr(token_module, "refresh_access_token", refuse)
    WebWorkToken.objects.filter(user=user).update(expires_at=dt.datetime.now(dt.UTC))
    try:
        access_token_for(user_id=user.pk)
    except RuntimeError:
        report = ExceptionReporter(None, *sys.exc_info()).get_traceback_html()
    else:  # pragma: no cover - the monkeypatch guarantees the exception
        pytest.fail("refresh did not run")
    assert "token endpoint exploded" in report
    assert "********************" in report  # the token locals are there, masked
    assert find_canaries(report) == []


# --------------------------------------------------------------------------- S-11
def test_sign_out_and_deactivation_delete_the_tokens(signed_in, canary_tokens, webwork):
    client = signed_in(MANAGER)
    user = get_user_model().objects.get(email=MANAGER)
    assert WebWorkToken.objects.filter(user=user).exists()
    client.post("/accounts/logout/")
    assert not WebWorkToken.objects.filter(user=user).exists()

    client = signed_in(MANAGER)
    assert WebWorkToken.objects.filter(user=user).exists()
    user.is_active = False
    user.save()
    assert not WebWorkToken.objects.filter(user=user).exists()
    response = client.get(f"/w/{WS_A}/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_beat_leaves_tokens_of_people_idle_for_30_days_alone(manager, webwork):
    _, user = manager
    now = dt.datetime.now(dt.UTC)
    WebWorkToken.objects.filter(user=user).update(
        expires_at=now + dt.timedelta(hours=20), last_used_at=now - dt.timedelta(days=31)
    )
    webwork.state.calls.clear()
    assert tokens_refresh_task() == 0
    assert webwork.state.calls.count(path="^/oauth/token$") == 0
    WebWorkToken.objects.filter(user=user).update(last_used_at=now - dt.timedelta(days=2))
    assert tokens_refresh_task() == 1
    assert webwork.state.calls.count(path="^/oauth/token$") == 1


def test_a_token_near_expiry_is_refreshed_once_and_a_dead_one_means_sign_in(manager, webwork):
    _client, user = manager
    row = WebWorkToken.objects.get(user=user)
    # 14 days later less than a day is left: the next use refreshes, once.
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(days=14, hours=1)):
        webwork.state.calls.clear()
        first = access_token_for(user_id=user.pk)
        second = access_token_for(user_id=user.pk)
    assert first == second != decrypt(row.access_token_encrypted)
    assert webwork.state.calls.count(path="^/oauth/token$") == 1
    # After 31 idle days WebWork refuses the refresh token: sign in again, token marked dead.
    webwork.state.revoke_refresh_tokens()
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=31)
    with time_machine.travel(later), pytest.raises(ReauthRequired):
        access_token_for(user_id=user.pk)
    assert WebWorkToken.objects.get(user=user).revoked_at is not None
    with pytest.raises(ReauthRequired):
        access_token_for(user_id=user.pk)  # no second refresh attempt
    assert webwork.state.calls.count(path="^/oauth/token$") == 2


@pytest.mark.redis
def test_canaries_are_not_in_the_redis_cache_or_the_celery_broker(
    canary_tokens, webwork, settings, redis_server
):
    """The same search against real Redis: cache values and queued messages (decoded)."""
    settings.CACHES = cache_settings(f"{redis_server.url}/0")
    with celery_publishing(settings, f"{redis_server.url}/1"):
        client = signed_in_client(webwork)
        responses = exercise_dashboard(client, webwork)
        wait_for_publisher()
    cached = redis_values(redis_server.client(db=0))
    broker = redis_values(redis_server.client(db=1))
    assert all(r.status_code < 500 for r in responses)
    assert len(cached) > 10
    assert redis_server.client(db=1).llen("celery") >= 2
    assert any(b"workspace_balances_refresh_task" in value for value in broker)
    assert find_canaries(*cached) == []
    assert find_canaries(*broker) == []
