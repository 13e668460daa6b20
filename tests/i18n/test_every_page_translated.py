"""Every page, in each language, with no English left.

A page is read as a person reads it: its text and the attributes screen readers speak. What
WebWork sent (names, policy names, reasons, team and workspace names) and public holiday names
are taken out first: they are the team's own words. What remains must hold no English word: a
word of the English source strings that none of the language's translations uses.
"""

import datetime as dt

import pytest
import time_machine
from django.template.loader import render_to_string
from django.utils import translation

from tests.i18n.reading import (
    LANGUAGES,
    english_left,
    holiday_names,
    readable_text,
    upstream_strings,
    zone_labels,
)
from tests.security.support import route_url, workspace_routes

pytestmark = [pytest.mark.django_db, pytest.mark.clock("2026-12-09T10:00Z")]

WS = 1


def _pages(client, webwork) -> dict[str, str]:
    """Every page to read (path → how to fetch it)."""
    pending = webwork.state.leaves_for(WS, status="pending")
    pages = {}
    for pattern in workspace_routes():
        names = pattern.pattern.converters.keys()
        if names & {"run_id", "feed_id", "override_id", "token"}:
            continue
        url = route_url(pattern, workspace_id=WS, leave_id=pending[0]["id"])
        if client.get(url).get("Content-Type", "").startswith("text/html"):
            pages[pattern.name] = url
    pages.update(everywhere="/inbox/", picker="/workspaces/", missing="/w/1/no-such-page/")
    return pages


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_reads_with_no_english_left(owner_client, webwork, language):
    team_words = upstream_strings(webwork, WS) + holiday_names() + zone_labels()
    pages = _pages(owner_client, webwork)
    assert {"inbox", "calendar", "balances", "policies", "leave_list", "leave_detail"} <= set(pages)
    problems = []
    for name, url in pages.items():
        for headers in ({}, {"HX-Request": "true"}):
            response = owner_client.get(url, headers={"accept-language": language, **headers})
            assert response["Content-Language"] == language, url
            text = readable_text(response.content.decode())
            problems += [
                f"{name} {url}: {found}" for found in english_left(text, language, team_words)
            ]
    # WebWork failing: the pages explain it, in the same language.
    webwork.state.add_fault(path="^/api/v2/(?!workspaces$)", method="GET", status=503)
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=12), tick=True):
        for name in ("inbox", "calendar", "balances", "leave_list", "policies"):
            response = owner_client.get(pages[name], headers={"accept-language": language})
            text = readable_text(response.content.decode())
            problems += [
                f"{name} (WebWork down): {found}"
                for found in english_left(text, language, team_words)
            ]
    assert not problems, f"English left in {language}:\n" + "\n".join(sorted(set(problems)))


# Pages reached only through WebWork's sign-in (refused, failed, cancelled) or an error.
SIGN_IN_OUTCOMES = {
    "account/no_access.html": {"name": "Ana", "roles": ["Member"]},
    "socialaccount/authentication_error.html": {},
    "socialaccount/login_cancelled.html": {},
    "errors/error.html": {"status": 503, "request_id": "abc123"},
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_signed_out_pages_read_with_no_english_left(client, rf, language):
    problems = []
    response = client.get("/accounts/login/", headers={"accept-language": language})
    pages = {"/accounts/login/": response.content.decode()}
    request = rf.get("/")
    with translation.override(language):
        for name, context in SIGN_IN_OUTCOMES.items():
            pages[name] = render_to_string(name, context, request=request)
    for where, html in pages.items():
        assert f'lang="{language}"' in html, where
        problems += [
            f"{where}: {found}" for found in english_left(readable_text(html), language, [])
        ]
    assert not problems, f"English left in {language}:\n" + "\n".join(problems)


def test_the_reader_finds_english_it_is_shown():
    text = readable_text('<p>Ausstehend <b>pending</b></p><button aria-label="Approve">✓</button>')
    assert text == "Ausstehend pending Approve ✓"
    words = english_left(text, "de", [])
    assert [w.split()[0] for w in words] == ["'pending'", "'Approve'"]
