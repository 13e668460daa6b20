"""Calendar feeds: make, rename, regenerate and delete them; note when calendars read them.

A feed's token is 256 random bits, returned once to be shown once; only its SHA-256 is kept.
"""

import datetime as dt
import logging
import secrets
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q
from django.utils import timezone

from dashboard.models import CalendarFeed
from dashboard.platform.queue import enqueue
from dashboard.selectors import workspace_list_for_user
from dashboard.selectors.feeds import feed_owner_ids, feed_token_hash
from dashboard.webwork import WebWorkError
from dashboard.webwork_oauth.tokens import ReauthRequired

logger = logging.getLogger("dashboard.feeds")

TOKEN_BYTES = 32
READ_NOTE_GRANULARITY = dt.timedelta(minutes=10)


@dataclass(frozen=True, kw_only=True)
class FeedSpec:
    """What a feed shows: its name, and optionally one team and one policy."""

    name: str
    team: str = ""
    policy_id: int | None = None
    include_pending: bool = False
    include_holidays: bool = True


def _new_token() -> tuple[str, str]:
    token = secrets.token_urlsafe(TOKEN_BYTES)
    return token, feed_token_hash(token)


def feed_create(
    *, user: AbstractBaseUser, workspace_id: int, spec: FeedSpec
) -> tuple[CalendarFeed, str]:
    """Make a feed; returns it and its token (shown once, never stored)."""
    token, hashed = _new_token()
    feed = CalendarFeed.objects.create(
        owner=user,
        workspace_id=workspace_id,
        name=spec.name,
        team=spec.team,
        policy_id=spec.policy_id,
        include_pending=spec.include_pending,
        include_holidays=spec.include_holidays,
        token_hash=hashed,
    )
    # Bring the workspace's read model in step now, so the first calendar read finds it.
    enqueue(
        "dashboard.tasks.workspace_dataset_sync_task", workspace_id=workspace_id, user_id=user.pk
    )
    return feed, token


def _own_feed(user: AbstractBaseUser, workspace_id: int, feed_id: int) -> CalendarFeed | None:
    return CalendarFeed.objects.filter(pk=feed_id, owner=user, workspace_id=workspace_id).first()


def feed_update(
    *, user: AbstractBaseUser, workspace_id: int, feed_id: int, spec: FeedSpec
) -> CalendarFeed | None:
    """Rename a feed or change what it shows (same URL); None when it is not theirs."""
    feed = _own_feed(user, workspace_id, feed_id)
    if feed is None:
        return None
    feed.name = spec.name
    feed.team = spec.team
    feed.policy_id = spec.policy_id
    feed.include_pending = spec.include_pending
    feed.include_holidays = spec.include_holidays
    feed.save()
    return feed


def feed_regenerate(
    *, user: AbstractBaseUser, workspace_id: int, feed_id: int
) -> tuple[CalendarFeed, str] | None:
    """Give a feed a new secret URL; the old one stops at once. None when it is not theirs."""
    feed = _own_feed(user, workspace_id, feed_id)
    if feed is None:
        return None
    token, feed.token_hash = _new_token()
    feed.save()
    return feed, token


def feed_delete(*, user: AbstractBaseUser, workspace_id: int, feed_id: int) -> bool:
    """Revoke a feed for good: its URL answers 404 from now on."""
    deleted, _ = CalendarFeed.objects.filter(
        pk=feed_id, owner=user, workspace_id=workspace_id
    ).delete()
    return deleted > 0


def feed_read_record(*, feed: CalendarFeed) -> None:
    """Note that a calendar read the feed (at most one write per feed every ten minutes)."""
    now = timezone.now()
    CalendarFeed.objects.filter(pk=feed.pk).filter(
        Q(last_read_at__isnull=True) | Q(last_read_at__lt=now - READ_NOTE_GRANULARITY)
    ).update(last_read_at=now)


def feed_owners_recheck(*, workspace_id: int) -> int:
    """Re-read the workspace lists of the workspace's feed owners (each with their own token),
    so feeds learn of a lost role without a calendar read ever asking WebWork."""
    checked = 0
    for owner_id in feed_owner_ids(workspace_id=workspace_id):
        try:
            workspace_list_for_user(user=get_user_model()(pk=owner_id), force=True)
            checked += 1
        except (ReauthRequired, WebWorkError) as exc:
            logger.info(
                "feed owner not re-checked: %s", exc.__class__.__name__, extra={"user_id": owner_id}
            )
    return checked
