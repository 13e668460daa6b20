"""Time zones by name: tolerant reading, the most used zone, today in a zone, DST days."""

import datetime as dt

import pytest

from dashboard.zones import most_used_zone, same_clock, today_in, zone_named

UTC = dt.UTC


@pytest.mark.parametrize(
    "name", ["", "   ", None, "Mars/Olympus", "Europe/../etc/passwd", "x" * 200, "+05:00"]
)
def test_unknown_or_malformed_zone_names_are_none(name):
    assert zone_named(name) is None


def test_known_zone_names_are_read_with_spaces_trimmed():
    assert zone_named(" Europe/Madrid ").key == "Europe/Madrid"


def test_the_most_used_known_zone_wins_and_ties_go_alphabetically():
    names = ["Asia/Tokyo", "Europe/Madrid", None, "Mars/Olympus", "Europe/Madrid", "Asia/Tokyo"]
    assert most_used_zone(names) == "Asia/Tokyo"
    assert most_used_zone([*names, "Europe/Madrid"]) == "Europe/Madrid"
    assert most_used_zone(["", "Nowhere/Land"]) is None


@pytest.mark.parametrize(
    ("instant", "zone", "today"),
    [
        # 23:30 UTC is already tomorrow in Auckland (NZST, UTC+12).
        ("2027-05-18T23:30:00+00:00", "Pacific/Auckland", "2027-05-19"),
        ("2027-05-18T23:30:00+00:00", "America/Los_Angeles", "2027-05-18"),
        ("2027-05-18T23:30:00+00:00", "Europe/Madrid", "2027-05-19"),
        # Europe's spring change (28 March 2027, 01:00 UTC): Madrid goes from +1 to +2.
        ("2027-03-27T22:59:00+00:00", "Europe/Madrid", "2027-03-27"),
        ("2027-03-27T23:00:00+00:00", "Europe/Madrid", "2027-03-28"),
        # Europe's autumn change (31 October 2027, 01:00 UTC): +2 back to +1.
        ("2027-10-30T22:30:00+00:00", "Europe/Madrid", "2027-10-31"),
        ("2027-10-30T21:59:00+00:00", "Europe/Madrid", "2027-10-30"),
        # New Zealand's spring change (26 September 2027, 02:00 local): +12 to +13, so 11:00
        # UTC that day is already the 27th there (it would be 23:00 on the 26th at +12).
        ("2027-09-25T11:30:00+00:00", "Pacific/Auckland", "2027-09-25"),
        ("2027-09-26T11:00:00+00:00", "Pacific/Auckland", "2027-09-27"),
    ],
)
def test_today_is_the_date_on_the_zones_own_calendar(instant, zone, today):
    assert today_in(zone_named(zone), dt.datetime.fromisoformat(instant)) == dt.date.fromisoformat(
        today
    )


def test_same_clock_follows_each_zones_daylight_saving():
    london, lisbon = zone_named("Europe/London"), zone_named("Europe/Lisbon")
    new_york = zone_named("America/New_York")
    # Between America's change (14 March 2027) and Europe's (28 March) the gap is 4 hours.
    for day in ("2027-03-14", "2027-03-20", "2027-03-28", "2027-10-31"):
        at = dt.datetime.fromisoformat(f"{day}T12:00:00+00:00")
        assert same_clock(london, lisbon, at)
        assert not same_clock(london, new_york, at)
    assert same_clock(zone_named("Europe/Madrid"), zone_named("Europe/Paris"), dt.datetime.now(UTC))
