"""Reading a page as a person does, and finding English left in it.

What WebWork sent (names, policy names, reasons, team and workspace names) and public holiday
names are the team's own words and are taken out first. A word is English when the English
source strings use it and none of the language's translations does.
"""

import datetime as dt
import re
import zoneinfo
from functools import cache
from html.parser import HTMLParser
from pathlib import Path

import polib
from babel import Locale
from django.conf import settings
from django.utils import translation
from django.utils.formats import date_format

from tests.i18n_templates import READ_ATTRIBUTES

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
# Addresses, paths, time zone names (Europe/Madrid, US/Eastern) and hex identifiers.
_NOT_WORDS = re.compile(r"\S+@\S+|https?://\S+|\S*/\S*|\b[0-9a-f]{8,}\b|\b[0-9a-f-]{36}\b")
# Time zone names without a slash (UTC, Zulu, GMT+0...), shown as they are in every language.
_ZONES = sorted((z for z in zoneinfo.available_timezones() if "/" not in z), key=len, reverse=True)
# The same in every language: the product's and other products' names, formats.
PRODUCT_NAMES = (
    "WebWork Leave Dashboard",
    "Google Calendar",
    "Apple Calendar",
    "Microsoft Teams",
    "Microsoft Outlook",
)
NAMES = {"webwork", "csv", "xlsx", "ical", "ics", "url", "https", "slack", "outlook", "excel"}


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
    return frozenset(source - translated - _date_words(language) - _country_words(language) - NAMES)


def _country_words(language: str) -> set[str]:
    """Words of the language's own country names (German says "Isle of Man" too)."""
    names = Locale.parse(language).territories.values()
    return {w.lower() for name in names for w in _WORD.findall(name)}


def _date_words(language: str) -> set[str]:
    """The language's own names of months and weekdays, whole and abbreviated (French "Me",
    Spanish "may" are not English)."""
    words = set()
    with translation.override(language):
        for month in range(1, 13):
            day = dt.date(2027, month, 1)
            for fmt in ("F", "M", "N", "b", "E"):
                words.update(w.lower() for w in _WORD.findall(date_format(day, fmt)))
        for offset in range(7):
            day = dt.date(2027, 3, 1) + dt.timedelta(days=offset)
            for fmt in ("D", "l"):
                found = [w.lower() for w in _WORD.findall(date_format(day, fmt))]
                words.update(found + [w[:2] for w in found])  # the calendar's two-letter days
    return words


def upstream_strings(webwork, workspace_id: int) -> list[str]:
    state = webwork.state
    records = [
        *state.members_for(workspace_id),
        *state.policies_for(workspace_id),
        *state.leaves_for(workspace_id),
    ]
    found = {
        str(value)
        for record in records
        for key, value in record.items()
        if key in UPSTREAM_TEXT and isinstance(value, str) and value.strip()
    }
    for record in state.members_for(workspace_id):
        found.add(f"{record['firstname']} {record['lastname']}")
    for workspace in state.workspaces.values():
        found.add(workspace.name)
    return sorted(found, key=len, reverse=True)  # longest first: "Ana María" before "Ana"


def holiday_names() -> list[str]:
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


def zone_labels() -> list[str]:
    """Time zones as the zone pickers name them: IANA's identifiers, the same in every language."""
    from dashboard.zones import zone_choices

    return sorted((label for _code, label in zone_choices()), key=len, reverse=True)


def english_left(text: str, language: str, team_words: list[str]) -> list[str]:
    """The English words in `text`, each with a little of what surrounds it."""
    for words in (*PRODUCT_NAMES, *team_words):
        text = text.replace(words, " ")
    text = _NOT_WORDS.sub(" ", text)
    for zone in _ZONES:
        text = re.sub(rf"(?<![\w/]){re.escape(zone)}(?![\w/])", " ", text)
    english = english_only_words(language)
    found = []
    for match in _WORD.finditer(text):
        if match.group().lower() in english:
            start = max(match.start() - 30, 0)
            found.append(f"{match.group()!r} in …{text[start : match.end() + 30]}…")
    return found
