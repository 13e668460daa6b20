"""Days and weeks follow the active language: words and order of dates, the first day of a week.

This product's English keeps its own formats (dashboard/formats/en): days read "Sat 5 Dec" and
weeks start on Monday, though Django's own `en` starts them on Sunday.
"""

import datetime as dt

import pytest
from django.utils import translation
from django.utils.formats import reset_format_cache

from dashboard.read_models.format import day_text, leave_dates_text, week_of
from dashboard.webwork import Leave, LeavePeriod

SATURDAY = dt.date(2026, 12, 5)
TODAY = dt.date(2026, 12, 1)


@pytest.fixture
def sunday_first(settings):
    """Django's own `en` formats only, whose weeks start on Sunday (formats are cached per
    language, and a changed FORMAT_MODULE_PATH doesn't clear them: cleared here)."""
    settings.FORMAT_MODULE_PATH = []
    reset_format_cache()
    yield
    reset_format_cache()


def _leave(start: dt.date, end: dt.date | None = None, **fields) -> Leave:
    return Leave(id="l-1", start_date=start, end_date=end, **fields)


def test_english_days_read_as_before():
    with translation.override("en"):
        assert day_text(SATURDAY) == "Sat 5 Dec"
        assert day_text(dt.date(2027, 3, 4), year=True) == "Thu 4 Mar 2027"
        assert leave_dates_text(_leave(SATURDAY), today=TODAY) == "Sat 5 Dec"
        assert (
            leave_dates_text(_leave(dt.date(2027, 3, 1), dt.date(2027, 3, 3)), today=TODAY)
            == "Mon 1 – Wed 3 Mar 2027"
        )
        assert (
            leave_dates_text(_leave(dt.date(2026, 12, 30), dt.date(2027, 1, 2)), today=TODAY)
            == "Wed 30 Dec 2026 – Sat 2 Jan 2027"
        )
        assert (
            leave_dates_text(_leave(SATURDAY, leave_period=LeavePeriod.FIRST_HALF), today=TODAY)
            == "Sat 5 Dec (first half)"
        )
        assert leave_dates_text(Leave(id="l-2"), today=TODAY) == "Dates unknown"


def test_english_weeks_start_on_monday():
    with translation.override("en"):
        assert week_of(SATURDAY) == (dt.date(2026, 11, 30), dt.date(2026, 12, 6))
        assert week_of(dt.date(2026, 11, 30)) == (dt.date(2026, 11, 30), dt.date(2026, 12, 6))


@pytest.mark.usefixtures("sunday_first")
def test_weeks_start_on_sunday_where_the_locale_says_so():
    with translation.override("en"):
        assert week_of(SATURDAY) == (dt.date(2026, 11, 29), dt.date(2026, 12, 5))
        assert week_of(dt.date(2026, 11, 29)) == (dt.date(2026, 11, 29), dt.date(2026, 12, 5))
        assert week_of(dt.date(2026, 11, 28)) == (dt.date(2026, 11, 22), dt.date(2026, 11, 28))
        assert day_text(SATURDAY) == "Sat 5 Dec"  # only the week moved


@pytest.mark.parametrize("language", ["de", "fr", "es"])
def test_other_languages_start_weeks_on_monday_and_name_days_their_way(language):
    with translation.override(language):
        assert week_of(SATURDAY) == (dt.date(2026, 11, 30), dt.date(2026, 12, 6))
        assert day_text(SATURDAY) != "Sat 5 Dec"


WS = 1


def _week_off(manager_client, webwork) -> set[dt.date]:
    """The first days of the leaves the inbox lists as "this week", with one leave on each of
    the Sundays around Saturday 15 May 2027."""
    annual = next(p["id"] for p in webwork.state.policies_for(WS) if p["name"] == "Annual leave")
    for member, sunday in [(1009, dt.date(2027, 5, 9)), (1013, dt.date(2027, 5, 16))]:
        webwork.state.add_leave(
            WS, member, sunday, policy_id=annual, status="approved", decided_by=1001
        )
    inbox = manager_client.get(f"/w/{WS}/").context["inbox"]
    return {entry.first for entry in inbox.out_week if entry.first.weekday() == 6}


@pytest.mark.django_db
@pytest.mark.clock("2027-05-15T10:00Z")
def test_the_inbox_week_runs_monday_to_sunday_in_english(manager_client, webwork):
    assert _week_off(manager_client, webwork) == {dt.date(2027, 5, 16)}


@pytest.mark.django_db
@pytest.mark.clock("2027-05-15T10:00Z")
@pytest.mark.usefixtures("sunday_first")
def test_the_inbox_week_runs_sunday_to_saturday_where_weeks_start_on_sunday(
    manager_client, webwork
):
    assert _week_off(manager_client, webwork) == {dt.date(2027, 5, 9)}
