"""Notification preferences, the once-a-day digest claim, and one-click unsubscribe tokens.

An unsubscribe link must work from a mail client without signing in (RFC 8058), so it carries
a token signed with SECRET_KEY naming the person and what they stop receiving.
"""

import datetime as dt

from django.core import signing
from django.db.models import Q

from dashboard.models import NotificationPreference

UNSUBSCRIBE_SALT = "dashboard.notifications.unsubscribe"
KINDS = {"digest": "digest_enabled", "alerts": "alerts_enabled"}


def notification_preference_update(*, user_id: int, **values) -> NotificationPreference:
    """Save what the person chose (fields of NotificationPreference)."""
    preference, _ = NotificationPreference.objects.update_or_create(
        user_id=user_id, defaults=values
    )
    return preference


def digest_claim(*, user_id: int, local_date: dt.date) -> bool:
    """Take today's scheduled digest for sending; False when another worker already has."""
    claimed = (
        NotificationPreference.objects.filter(user_id=user_id)
        .filter(Q(last_digest_on__isnull=True) | ~Q(last_digest_on=local_date))
        .update(last_digest_on=local_date)
    )
    return claimed == 1


def digest_claim_release(*, user_id: int, local_date: dt.date) -> None:
    """The digest could not be sent after every retry: let the next run try again today."""
    NotificationPreference.objects.filter(user_id=user_id, last_digest_on=local_date).update(
        last_digest_on=None
    )


def unsubscribe_token(*, user_id: int, kind: str) -> str:
    """A signed token that turns off one kind of mail for one person (it never expires)."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind of mail: {kind}")
    return signing.dumps({"u": user_id, "k": kind}, salt=UNSUBSCRIBE_SALT, compress=True)


def unsubscribe_read(token: str) -> tuple[int, str] | None:
    """The person and kind of mail a token names, or None when it is not one of ours."""
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    if (
        not isinstance(data, dict)
        or data.get("k") not in KINDS
        or not isinstance(data.get("u"), int)
    ):
        return None
    return data["u"], data["k"]


def unsubscribe(*, user_id: int, kind: str) -> None:
    """Stop one kind of mail for the person."""
    NotificationPreference.objects.filter(user_id=user_id).update(**{KINDS[kind]: False})
