"""Token custody: store encrypted, refresh before expiry exactly once, build API clients.

allauth never refreshes tokens. WebWork may rotate refresh tokens (the sandbox does), so two
parallel refreshes would leave the loser holding a dead refresh token: refreshing happens
under a row lock (`select_for_update`, effective on PostgreSQL across processes) plus a
per-user lock inside the process (SQLite ignores row locks), and re-checks after waiting.
"""

import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from dashboard.webwork import AuthExpired, TokenSet, WebWorkClient, refresh_access_token

from .allowance import PersonGate, SyncGate
from .crypto import TokenUnreadable, decrypt, encrypt, reencrypt
from .models import WebWorkToken

# Refresh when less than this is left (or a tenth of the token's lifetime, if shorter).
REFRESH_MARGIN = timedelta(days=1)
# "Last used" feeds which tokens beat may use; updating it every request would cost a write.
LAST_USED_GRANULARITY = timedelta(minutes=10)


class ReauthRequired(Exception):
    """The person must sign in with WebWork again (refresh refused, token missing or dead)."""


# When the current web request must be done with WebWork (a time.monotonic() instant). Every
# client built while it is set shares it: timeouts shrink to fit and no retry runs past it.
_deadline: ContextVar[float | None] = ContextVar("webwork_deadline", default=None)


@contextmanager
def upstream_deadline(seconds: float) -> Iterator[None]:
    """Give all WebWork calls made inside the block `seconds` in total (retries included)."""
    marker = _deadline.set(time.monotonic() + seconds)
    try:
        yield
    finally:
        _deadline.reset(marker)


def request_deadline() -> float | None:
    """The current web request's deadline with WebWork, if one is set (see upstream_deadline)."""
    return _deadline.get()


_locks: defaultdict[int, threading.Lock] = defaultdict(threading.Lock)
_locks_guard = threading.Lock()


def _user_lock(user_id: int) -> threading.Lock:
    with _locks_guard:
        return _locks[user_id]


@sensitive_variables("access_token", "refresh_token")
def token_store(
    *,
    user: AbstractBaseUser,
    webwork_user_id: int,
    access_token: str,
    refresh_token: str,
    expires_in: int | None,
) -> WebWorkToken:
    """Save a freshly issued token pair for `user`, encrypted."""
    now = timezone.now()
    row, _ = WebWorkToken.objects.update_or_create(
        user=user,
        defaults={
            "webwork_user_id": webwork_user_id,
            "access_token_encrypted": encrypt(access_token),
            "refresh_token_encrypted": encrypt(refresh_token) if refresh_token else "",
            "expires_at": now + timedelta(seconds=expires_in) if expires_in else None,
            "lifetime_seconds": expires_in,
            "refreshed_at": now,
            "revoked_at": None,
            "last_used_at": now,
        },
    )
    return row


def token_forget(*, user: AbstractBaseUser) -> None:
    """Delete the person's tokens (sign-out, deactivation)."""
    WebWorkToken.objects.filter(user=user).delete()


def _needs_refresh(row: WebWorkToken) -> bool:
    if row.expires_at is None:
        return False
    margin = REFRESH_MARGIN
    if row.lifetime_seconds:
        margin = min(margin, timedelta(seconds=row.lifetime_seconds / 10))
    return row.expires_at - timezone.now() <= margin


@sensitive_variables()
def _read(row: WebWorkToken) -> str:
    try:
        return decrypt(row.access_token_encrypted)
    except TokenUnreadable as exc:
        raise ReauthRequired("stored WebWork token is unreadable") from exc


@sensitive_variables()
def access_token_for(*, user_id: int) -> str:
    """A usable access token for the person, refreshed first when it is about to expire."""
    row = WebWorkToken.objects.filter(user_id=user_id).first()
    if row is None or row.revoked_at is not None:
        raise ReauthRequired("no WebWork token")
    now = timezone.now()
    if row.last_used_at is None or now - row.last_used_at > LAST_USED_GRANULARITY:
        WebWorkToken.objects.filter(pk=row.pk).update(last_used_at=now)
    if _needs_refresh(row):
        return token_refresh(user_id=user_id)
    return _read(row)


@sensitive_variables()
def token_refresh(*, user_id: int, rejected_access_token: str | None = None) -> str:
    """Refresh the person's access token once, however many callers ask at the same moment.

    With `rejected_access_token` (WebWork just answered 401 to it), refresh unless another
    caller already replaced that token; without it, refresh only if it is about to expire.
    """
    with _user_lock(user_id), transaction.atomic():
        row = WebWorkToken.objects.select_for_update().filter(user_id=user_id).first()
        if row is None or row.revoked_at is not None:
            raise ReauthRequired("no WebWork token")
        current = _read(row)
        if rejected_access_token is not None:
            if current != rejected_access_token:
                return current
        elif not _needs_refresh(row):
            return current
        issued = _request_refresh(row)
        if issued is not None:
            now = timezone.now()
            row.access_token_encrypted = encrypt(issued.access_token)
            if issued.refresh_token:
                row.refresh_token_encrypted = encrypt(issued.refresh_token)
            if issued.expires_in:
                row.expires_at = now + timedelta(seconds=issued.expires_in)
                row.lifetime_seconds = issued.expires_in
            row.refreshed_at = now
            row.save()
            return issued.access_token
        # Refused: record it (committed with this block), then ask for a new sign-in.
        row.revoked_at = timezone.now()
        row.save(update_fields=["revoked_at", "updated_at"])
    raise ReauthRequired("WebWork refused the refresh token")


@sensitive_variables("refresh_token")
def _request_refresh(row: WebWorkToken) -> TokenSet | None:
    """Ask WebWork for a new token pair; None when it refuses the refresh token."""
    if not row.refresh_token_encrypted:
        return None
    try:
        refresh_token = decrypt(row.refresh_token_encrypted)
    except TokenUnreadable:
        return None
    try:
        return refresh_access_token(
            token_url=f"{settings.WEBWORK_OAUTH_URL}/token",
            client_id=settings.WEBWORK_CLIENT_ID,
            client_secret=settings.WEBWORK_CLIENT_SECRET,
            refresh_token=refresh_token,
            timeout=(settings.WEBWORK_CONNECT_TIMEOUT, settings.WEBWORK_READ_TIMEOUT),
        )
    except AuthExpired:
        return None


def webwork_user_id_for(*, user_id: int) -> int | None:
    """The person's WebWork user id (who WebWork records as approver)."""
    return (
        WebWorkToken.objects.filter(user_id=user_id)
        .values_list("webwork_user_id", flat=True)
        .first()
    )


@sensitive_variables("access_token")
def _client(
    user_id: int, access_token: str, on_unauthorized, max_retry_wait, gate=None
) -> WebWorkClient:
    return WebWorkClient(
        base_url=settings.WEBWORK_API_URL,
        access_token=access_token,
        on_unauthorized=on_unauthorized,
        timeout=(settings.WEBWORK_CONNECT_TIMEOUT, settings.WEBWORK_READ_TIMEOUT),
        max_retry_wait=(
            settings.WEBWORK_WEB_MAX_RETRY_WAIT if max_retry_wait is None else max_retry_wait
        ),
        deadline=_deadline.get(),
        gate=gate or PersonGate(user_id),
    )


@sensitive_variables()
def client_for(*, user_id: int, max_retry_wait: float | None = None) -> WebWorkClient:
    """A WebWork client acting as the person; a 401 triggers one refresh and one repeat."""
    return _refreshing_client(user_id, max_retry_wait, None)


def client_for_sync(*, user_id: int) -> WebWorkClient:
    """A client for the worker's dataset sync: as `client_for`, within the person's sync share
    of calls (`SyncGate`), never waiting on a Retry-After."""
    return _refreshing_client(user_id, 0.0, SyncGate(user_id))


@sensitive_variables()
def _refreshing_client(user_id: int, max_retry_wait: float | None, gate) -> WebWorkClient:
    access_token = access_token_for(user_id=user_id)
    state = {"token": access_token}

    def on_unauthorized() -> str:
        state["token"] = token_refresh(user_id=user_id, rejected_access_token=state["token"])
        return state["token"]

    return _client(user_id, access_token, on_unauthorized, max_retry_wait, gate)


@sensitive_variables("access_token")
def client_without_refresh(*, user_id: int) -> tuple[WebWorkClient, str]:
    """A client whose 401s surface as AuthExpired, and the token it uses.

    For reads running in worker threads: the refresh (a database write under a row lock)
    is left to the request's own thread, which then repeats the failed reads.
    """
    access_token = access_token_for(user_id=user_id)
    return _client(user_id, access_token, None, None), access_token


@transaction.atomic
def tokens_reencrypt() -> tuple[int, int]:
    """Re-encrypt every row with the first key; unreadable rows are marked for re-sign-in."""
    done = unreadable = 0
    for row in WebWorkToken.objects.select_for_update().iterator():
        try:
            row.access_token_encrypted = reencrypt(row.access_token_encrypted)
            if row.refresh_token_encrypted:
                row.refresh_token_encrypted = reencrypt(row.refresh_token_encrypted)
        except TokenUnreadable:
            row.revoked_at = timezone.now()
            unreadable += 1
        else:
            done += 1
        row.save()
    return done, unreadable
