"""Outgoing HTTP that is not WebWork: chat webhooks. One door, like the WebWork client's.

A webhook URL is typed in by a workspace manager and called from our servers, so it is held
to what an incoming webhook is: https, a public address (no loopback, private, link-local or
reserved ones, checked on every call against what the name resolves to then), a short
timeout, and no redirects followed (a redirect is a failure). `WEBHOOK_ALLOW_LOCAL` lifts the
first two for development and tests, where the receiver runs on this machine.
"""

import ipaddress
import socket
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.utils.translation import gettext as _

TIMEOUT = (3.0, 5.0)
USER_AGENT = "WebWork-Leave-Dashboard (webhook)"


class WebhookRefused(Exception):
    """The webhook did not take the message: the reason is safe to show (no URL in it).

    The reason completes a sentence ("The test message was not taken: <reason>."), which is
    how its translations are written too.
    """


def webhook_url_problem(url: str) -> str | None:
    """Why this URL cannot be a webhook, or None when it can (checked when saved)."""
    parts = urlsplit(url)
    allow_local = settings.WEBHOOK_ALLOW_LOCAL
    if parts.scheme != "https" and not (allow_local and parts.scheme == "http"):
        return _("Use the https:// address your chat app gave you.")
    if not parts.hostname:
        return _("That is not a web address.")
    if parts.username or parts.password:
        return _("Leave user names and passwords out of the address.")
    return None


def _public_address(host: str, port: int) -> None:
    try:
        found = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except OSError as exc:
        raise WebhookRefused(_("its host name does not resolve")) from exc
    for *_details, address in found:
        ip = ipaddress.ip_address(address[0])
        if not ip.is_global:
            raise WebhookRefused(_("its address is not a public one"))


def post_json(url: str, payload: dict, *, timeout: tuple[float, float] | None = None) -> None:
    """POST `payload` as JSON; raise WebhookRefused unless the answer is 2xx."""
    problem = webhook_url_problem(url)
    if problem:
        raise WebhookRefused(problem)
    parts = urlsplit(url)
    if not settings.WEBHOOK_ALLOW_LOCAL:
        _public_address(parts.hostname, parts.port or 443)
    try:
        response = requests.post(
            url,
            json=payload,
            timeout=timeout or TIMEOUT,
            allow_redirects=False,
            headers={"User-Agent": USER_AGENT},
        )
    except requests.Timeout as exc:
        raise WebhookRefused(_("it did not answer in time")) from exc
    except requests.RequestException as exc:
        raise WebhookRefused(_("it could not be reached")) from exc
    with response:
        if 300 <= response.status_code < 400:
            raise WebhookRefused(
                _("it answered with a redirect (%(status)s)") % {"status": response.status_code}
            )
        if not 200 <= response.status_code < 300:
            raise WebhookRefused(_("it answered %(status)s") % {"status": response.status_code})
