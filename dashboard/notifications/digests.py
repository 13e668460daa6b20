"""The digest: at each person's chosen local hour and weekdays, what waits in their workspaces.

A scheduled digest is claimed for the person's local date before it is built, so however many
workers or beat ticks see it due, it goes out once that day. Sending failures are raised, for
the task to retry (the claim stays taken while it does).
"""

import logging

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from dashboard.notifications.mail import absolute, mail_build
from dashboard.read_models.digest import Digest, digest_get
from dashboard.selectors.language import mail_language
from dashboard.selectors.notifications import local_now, notification_preference_for
from dashboard.services.notifications import digest_claim
from dashboard.webwork_oauth.tokens import ReauthRequired

logger = logging.getLogger("dashboard.notifications")


def digest_subject(digest: Digest) -> str:
    """'3 leave requests waiting', or that nothing waits."""
    count = digest.pending_count
    if count == 0:
        return _("No leave requests waiting")
    names = [part.workspace.name for part in digest.workspaces if part.pending_count]
    if len(names) == 1:
        text = ngettext(
            "%(count)s leave request waiting in %(workspace)s",
            "%(count)s leave requests waiting in %(workspace)s",
            count,
        )
    else:
        # Translators: workspaces is the number of workspaces, always several.
        text = ngettext(
            "%(count)s leave request waiting in %(workspaces)s workspaces",
            "%(count)s leave requests waiting in %(workspaces)s workspaces",
            count,
        )
    return text % {"count": count, "workspace": names[0] if names else "", "workspaces": len(names)}


def digest_send(*, user_id: int, scheduled: bool, claimed: bool = False, even_empty=False) -> str:
    """Build and send one person's digest; returns what happened, in a word.

    `scheduled`: beat's run, once per local day (claimed here unless `claimed`); otherwise
    sent now. `even_empty`: send even when nothing waits (support's `send_digests --user`).
    """
    with translation.override(mail_language(user_id=user_id)):
        return _digest_send(
            user_id=user_id, scheduled=scheduled, claimed=claimed, even_empty=even_empty
        )


def _digest_send(*, user_id: int, scheduled: bool, claimed: bool, even_empty: bool) -> str:
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None or not user.email:
        return "no-address"
    preference = notification_preference_for(user_id=user_id)
    today = local_now(preference).date()
    if scheduled and not claimed and not digest_claim(user_id=user_id, local_date=today):
        return "already-sent"
    try:
        digest = digest_get(user_id=user_id)
    except ReauthRequired:
        logger.info("digest not sent: sign-in with WebWork needed", extra={"user_id": user_id})
        return "reauth"
    if digest.is_empty and not (even_empty or preference.digest_when_empty):
        return "empty"
    context = {
        "user": user,
        "digest": digest,
        "today": today,
        "parts": [
            (part, absolute(reverse("inbox", args=[part.workspace.id])))
            for part in digest.workspaces
        ],
        "settings_url": absolute(reverse("notifications_home")),
    }
    mail_build(
        to=user.email,
        subject=digest_subject(digest),
        template="digest",
        context=context,
        user_id=user_id,
        kind="digest",
    ).send()
    logger.info("digest sent", extra={"user_id": user_id, "pending": digest.pending_count})
    return "sent"
