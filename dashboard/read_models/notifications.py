"""The notifications page: a person's e-mail choices, with sensible first values."""

from dataclasses import dataclass

from dashboard.models import NotificationPreference
from dashboard.selectors import member_list
from dashboard.selectors.notifications import notification_preference_for
from dashboard.webwork import WebWorkError
from dashboard.webwork_oauth.tokens import webwork_user_id_for


@dataclass(frozen=True)
class NotificationsPage:
    """What the page shows before the form: the saved choices, or first ones."""

    preference: NotificationPreference
    initial: dict


def notifications_page_get(*, user_id: int, workspace_id: int) -> NotificationsPage:
    """Saved choices; a person who never chose starts in the time zone WebWork has for them."""
    preference = notification_preference_for(user_id=user_id)
    zone = preference.timezone
    if preference.pk is None:
        zone = _webwork_zone(user_id, workspace_id) or zone
    return NotificationsPage(
        preference=preference,
        initial={
            "digest_enabled": preference.digest_enabled,
            "digest_hour": preference.digest_hour,
            "digest_weekdays": preference.weekdays,
            "timezone": zone,
            "digest_when_empty": preference.digest_when_empty,
            "alerts_enabled": preference.alerts_enabled,
        },
    )


def _webwork_zone(user_id: int, workspace_id: int) -> str | None:
    webwork_id = webwork_user_id_for(user_id=user_id)
    try:
        members = member_list(user_id=user_id, workspace_id=workspace_id).value
    except WebWorkError:
        return None
    return next((m.timezone for m in members if m.id == webwork_id and m.timezone), None)
