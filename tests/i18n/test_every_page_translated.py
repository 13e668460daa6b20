"""Every page, in each language, with no English left.

A page is read as a person reads it: its text and the attributes screen readers speak. What
WebWork sent (names, policy names, reasons, team and workspace names) and public holiday names
are taken out first: they are the team's own words. What remains must hold no English word: a
word of the English source strings that none of the language's translations uses.
"""

import datetime as dt
import re
from functools import cache
from html.parser import HTMLParser
from pathlib import Path

import polib
import pytest
import time_machine
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from tests.i18n_templates import READ_ATTRIBUTES
from tests.security.support import route_url, workspace_routes

pytestmark = [pytest.mark.django_db, pytest.mark.clock("2026-12-09T10:00Z")]

WS = 1
LANGUAGES = ("de", "fr", "es")
CATALOGUES = Path(settings.BASE_DIR) / "dashboard" / "locale"
# Upstream fields whose values are the team's own words.
UPSTREAM_TEXT = {
    "firstname",
    "lastname",
    "name",
    "email",
    "note",
    "reject_reason",
    "title",
    "team_name",
    "workspace_name",
    "policy_name",
    "timezone",
}
_WORD = re.compile(r"[^\W\d_]{2,}")
_NOT_WORDS = re.compile(r"\S+@\S+|https?://\S+|/[\w/.-]+|\b[A-Z][a-z]+/[A-Za-z_]+\b")
# The same in every language: the product's and other products' names, formats.
NAMES = {"webwork", "leave", "dashboard", "csv", "xlsx", "ical", "ics", "url", "https"}


class _Readable(HTMLParser):
    """The text a person reads or hears: text nodes and the read attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "template"):
            self._skip += 1
        button = tag == "input" and dict(attrs).get("type") in ("submit", "button")
        for name, value in attrs:
            if value and (name in READ_ATTRIBUTES or (button and name == "value")):
                self.parts.append(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def readable_text(html: str) -> str:
    """What a person reads on the page, one space between parts."""
    reader = _Readable()
    reader.feed(html)
    return " ".join(" ".join(reader.parts).split())


@cache
def english_only_words(language: str) -> frozenset[str]:
    """Words of the English source strings that no translation into `language` uses."""
    catalogue = polib.pofile(str(CATALOGUES / language / "LC_MESSAGES" / "django.po"))
    source: set[str] = set()
    translated: set[str] = set()
    for entry in catalogue:
        for text in (entry.msgid, entry.msgid_plural):
            source.update(
                w.lower() for w in _WORD.findall(re.sub(r"%\(\w+\)s|\{\{.*?\}\}", "", text))
            )
        for text in [entry.msgstr, *entry.msgstr_plural.values()]:
            translated.update(w.lower() for w in _WORD.findall(text))
    return frozenset(source - translated - NAMES)


def _upstream_strings(webwork) -> list[str]:
    state = webwork.state
    records = [*state.members_for(WS), *state.policies_for(WS), *state.leaves_for(WS)]
    found = {
        str(value)
        for record in records
        for key, value in record.items()
        if key in UPSTREAM_TEXT and isinstance(value, str) and value.strip()
    }
    for record in state.members_for(WS):
        found.add(f"{record['firstname']} {record['lastname']}")
    for workspace in state.workspaces.values():
        found.add(workspace.name)
    return sorted(found, key=len, reverse=True)  # longest first: "Ana María" before "Ana"


def _holiday_names() -> list[str]:
    import holidays

    names = set()
    for country in ("ES", "GB", "DE", "FR", "US"):
        for language in (None, *LANGUAGES):
            try:
                found = holidays.country_holidays(country, years=(2026, 2027), language=language)
            except (NotImplementedError, KeyError, ValueError):
                continue
            for name in found.values():
                names.update(part.strip() for part in name.split(";"))
    return sorted(names, key=len, reverse=True)


def english_left(text: str, language: str, team_words: list[str]) -> list[str]:
    """The English words in `text`, each with a little of what surrounds it."""
    for words in team_words:
        text = text.replace(words, " ")
    text = _NOT_WORDS.sub(" ", text)
    english = english_only_words(language)
    found = []
    for match in _WORD.finditer(text):
        if match.group().lower() in english:
            start = max(match.start() - 30, 0)
            found.append(f"{match.group()!r} in …{text[start : match.end() + 30]}…")
    return found


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
    team_words = _upstream_strings(webwork) + _holiday_names()
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
