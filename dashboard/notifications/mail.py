"""E-mails rendered from templates (a plain-text and an HTML part) with one-click unsubscribe."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from dashboard.services.notifications import unsubscribe_token


def absolute(path: str) -> str:
    """A link people can open from their mail client (SITE_URL + path)."""
    return settings.SITE_URL + path


def unsubscribe_url(*, user_id: int, kind: str) -> str:
    """The no-sign-in link that stops one kind of mail for one person."""
    return absolute(reverse("unsubscribe", args=[unsubscribe_token(user_id=user_id, kind=kind)]))


def mail_build(
    *, to: str, subject: str, template: str, context: dict, user_id: int, kind: str
) -> EmailMultiAlternatives:
    """`emails/<template>.txt` and `.html`, with List-Unsubscribe headers (RFC 2369, 8058)."""
    stop = unsubscribe_url(user_id=user_id, kind=kind)
    context = {**context, "unsubscribe_url": stop, "site_url": settings.SITE_URL}
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"emails/{template}.txt", context),
        to=[to],
        headers={
            "List-Unsubscribe": f"<{stop}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
        },
    )
    message.attach_alternative(render_to_string(f"emails/{template}.html", context), "text/html")
    return message


def mail_configured() -> bool:
    """Whether this server sends mail at all (EMAIL_URL is set)."""
    return bool(settings.EMAIL_URL)
