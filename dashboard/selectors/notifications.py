"""Who wants which e-mail, and when a person's digest is due."""

import datetime as dt
import zoneinfo

from django.utils import timezone

from dashboard.models import NotificationPreference


def person_zone(name: str) -> dt.tzinfo:
    """A person's chosen time zone; UTC when it cannot be read."""
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        return dt.UTC


def notification_preference_for(*, user_id: int) -> NotificationPreference:
    """The person's preferences (defaults, unsaved, when they never chose)."""
    found = NotificationPreference.objects.filter(user_id=user_id).first()
    return found or NotificationPreference(user_id=user_id)


def local_now(preference: NotificationPreference) -> dt.datetime:
    """The time where the person is."""
    return timezone.now().astimezone(person_zone(preference.timezone))


def digests_due(*, now: dt.datetime | None = None) -> list[int]:
    """People whose digest is due now: opted in, their local hour and weekday, not yet sent."""
    now = now or timezone.now()
    due = []
    for preference in NotificationPreference.objects.filter(
        digest_enabled=True, user__is_active=True
    ):
        local = now.astimezone(person_zone(preference.timezone))
        if (
            local.hour == preference.digest_hour
            and local.weekday() in preference.weekdays
            and preference.last_digest_on != local.date()
        ):
            due.append(preference.user_id)
    return due
