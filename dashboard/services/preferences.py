"""A person's own settings kept here: the time zone they read times in, their language."""

from dashboard.models import UserPreference


def viewer_seen_at_sign_in(*, user_id: int, zone_name: str, browser_language: str) -> None:
    """Keep WebWork's time zone of the person, as sent (it is checked on use), and the language
    their browser asked for: e-mails use it until the person picks one."""
    UserPreference.objects.update_or_create(
        user_id=user_id,
        defaults={
            "webwork_timezone": (zone_name or "").strip()[:64],
            "browser_language": (browser_language or "")[:8],
        },
    )


def viewer_zone_choose(*, user_id: int, zone_name: str) -> None:
    """The person's own choice of time zone; "" follows WebWork's again."""
    UserPreference.objects.update_or_create(user_id=user_id, defaults={"timezone": zone_name})


def viewer_language_choose(*, user_id: int, language: str) -> None:
    """The person's own language (a code of settings.LANGUAGES); "" follows the browser."""
    UserPreference.objects.update_or_create(user_id=user_id, defaults={"language": language})
