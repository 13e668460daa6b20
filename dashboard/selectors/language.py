"""Which language a person reads the dashboard in, when they chose one."""

from django.conf import settings

from dashboard.models import UserPreference

# Where a signed-in person's saved language is kept for their requests (set at sign-in and by
# the picker), so that no request reads the database for it.
SESSION_LANGUAGE = "viewer_language"


def supported_language(code: str | None) -> str | None:
    """`code` when it is one of settings.LANGUAGES, else None."""
    return code if code in dict(settings.LANGUAGES) else None


def viewer_language(*, user_id: int) -> str | None:
    """The language the person picked (None: their browser's decides)."""
    chosen = (
        UserPreference.objects.filter(user_id=user_id).values_list("language", flat=True).first()
    )
    return supported_language(chosen)


def mail_language(*, user_id: int) -> str:
    """The language e-mails to the person are written in: their pick, else their browser's at
    their last sign-in, else the dashboard's default."""
    row = (
        UserPreference.objects.filter(user_id=user_id)
        .values_list("language", "browser_language")
        .first()
    )
    chosen, seen = row or ("", "")
    return supported_language(chosen) or supported_language(seen) or settings.LANGUAGE_CODE
