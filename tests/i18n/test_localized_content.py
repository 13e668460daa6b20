"""What changes with the language besides the words: dates, numbers, week starts, holidays."""

import datetime as dt
from fractions import Fraction

import pytest
from django.utils import translation

from dashboard.read_models.format import day_text, number_text, week_of
from dashboard.read_models.projection import amount_text

pytestmark = pytest.mark.django_db

BELGIAN_NATIONAL_DAY = dt.date(2027, 7, 21)  # a Wednesday


@pytest.mark.clock("2027-07-05T09:00Z")
@pytest.mark.parametrize(
    ("language", "name"),
    [
        ("en", "Nationale feestdag"),  # English pages keep the country's own name
        ("de", "Nationalfeiertag"),
        ("fr", "Fête nationale"),
        ("es", "Nationale feestdag"),  # the package has no Spanish for Belgium
    ],
)
def test_holiday_names_follow_the_page_language_where_known(manager_client, language, name):
    response = manager_client.post("/w/1/settings/", {"holiday_country": "BE"})
    assert response.status_code == 302
    html = manager_client.get(
        "/w/1/calendar/?month=2027-07", headers={"accept-language": language}
    ).content.decode()
    assert name in html


@pytest.mark.parametrize(
    ("language", "weekday", "month"),
    [("en", "tue", "dec"), ("de", "di", "dez"), ("fr", "mar", "déc"), ("es", "mar", "dic")],
)
def test_days_read_in_the_words_of_the_language(language, weekday, month):
    with translation.override(language):
        text = day_text(dt.date(2027, 12, 21)).lower()
    assert text.startswith(weekday)
    assert month in text
    assert "21" in text


@pytest.mark.parametrize("language", ["en", "de", "fr", "es"])
def test_every_offered_language_starts_its_week_on_monday(language):
    with translation.override(language):
        start, end = week_of(BELGIAN_NATIONAL_DAY)
    assert (start, end) == (dt.date(2027, 7, 19), dt.date(2027, 7, 25))


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", ["2.5", "24", "−0.5 days"]),
        ("de", ["2,5", "24", "−0,5 Tage"]),
        ("fr", ["2,5", "24", "−0,5 jour"]),
        ("es", ["2,5", "24", "−0,5 días"]),
    ],
)
def test_numbers_use_the_languages_decimal_mark(language, expected):
    with translation.override(language):
        written = [number_text(2.5), number_text(24.0), amount_text(Fraction(-1, 2), "days")]
    assert written == expected
