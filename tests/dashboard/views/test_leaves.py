"""The requests list: filters, text search, pagination, HTMX partials and the CSV export."""

import csv
import datetime as dt
import io
import re

import pytest

from dashboard.dates import add_months
from dashboard.read_models.leaves import default_window
from tests.listing import in_window, window

pytestmark = pytest.mark.django_db

WS = 1
HTMX = {"HX-Request": "true"}


def _rows(html: str) -> int:
    return html.count('<tr id="row-')


def test_status_filter_gives_what_webworks_filter_gives_and_costs_no_more_calls(
    manager_client, webwork
):
    assert manager_client.get("/w/1/leaves/").status_code == 200  # the months read once
    webwork.state.calls.clear()
    response = manager_client.get("/w/1/leaves/?status=rejected")
    html = response.content.decode()
    rejected = in_window(webwork.state.leaves_for(WS, status="rejected"))
    assert f"{len(rejected)} requests" in html
    assert "status--approved" not in html
    assert webwork.state.calls.count(path="^/api/v2/leaves$") == 0  # filtered here


def test_text_search_matches_member_names_and_notes(manager_client, webwork):
    manager_client.get("/w/1/balances/")  # reads the members: they say where "today" is
    leave = in_window(webwork.state.leaves_for(WS))[0]
    webwork.state.leaves[leave["id"]].note = "Zanzibar honeymoon"
    html = manager_client.get("/w/1/leaves/?q=zanzibar").content.decode()
    assert _rows(html) == 1
    assert "Zanzibar honeymoon" in html
    member = webwork.state.members_for(WS)[5]
    needle = f"{member['firstname']} {member['lastname']}"
    html = manager_client.get("/w/1/leaves/", {"q": needle}).content.decode()
    names = {m["id"]: f"{m['firstname']} {m['lastname']}" for m in webwork.state.members_for(WS)}
    expected = [
        lv
        for lv in in_window(webwork.state.leaves_for(WS))
        if needle.casefold() in f"{names[lv['user_id']]}\n{lv['note'] or ''}".casefold()
    ]
    assert expected
    assert f"{len(expected)} request" in html


def test_without_dates_or_member_the_list_covers_the_months_around_this_one(
    manager_client, webwork
):
    html = manager_client.get("/w/1/leaves/").content.decode()
    every = webwork.state.leaves_for(WS)
    windowed = in_window(every)
    assert 0 < len(windowed) < len(every)  # the seed has history before the window
    first, last = window()
    assert f"{len(windowed)} requests between {first:%-d %b %Y} and {last:%-d %b %Y}" in html
    assert "Choose dates or a member to see other requests." in html
    # Read as the read model's month parts: each month of the window once, nothing else.
    asked = {
        (call["query"]["date_from"], call["query"]["date_to"])
        for call in webwork.state.calls.records(path="^/api/v2/leaves$")
        if call["query"].get("status") is None
    }
    months, cursor = set(), first
    while cursor <= last:
        months.add((cursor.isoformat(), (add_months(cursor, 1) - dt.timedelta(days=1)).isoformat()))
        cursor = add_months(cursor, 1)
    assert asked == months


def test_choosing_a_date_or_a_member_lifts_the_window(manager_client, webwork):
    every = webwork.state.leaves_for(WS)
    html = manager_client.get("/w/1/leaves/?from=2000-01-01").content.decode()
    assert f"{len(every)} requests" in html
    assert "Choose dates or a member" not in html
    member_id = every[0]["user_id"]
    theirs = webwork.state.leaves_for(WS, user_id=member_id)
    html = manager_client.get(f"/w/1/leaves/?member={member_id}").content.decode()
    assert f"{len(theirs)} request" in html
    assert "Choose dates or a member" not in html


def test_htmx_gets_only_the_results(manager_client, webwork):
    html = manager_client.get("/w/1/leaves/?status=pending", headers=HTMX).content.decode()
    assert html.lstrip().startswith('<div id="results"')
    assert "<html" not in html


def test_invalid_filters_are_reported_and_ignored(manager_client, webwork):
    response = manager_client.get("/w/1/leaves/?from=2026-05-10&to=2026-05-01&member=abc&page=-3")
    assert response.status_code == 200
    html = response.content.decode()
    assert "can&#x27;t be before" in html or "can't be before" in html
    assert "were ignored" in html


def test_pages_hold_25_rows_and_link_to_the_next(manager_client, webwork):
    html = manager_client.get("/w/1/leaves/").content.decode()
    assert _rows(html) == 25
    assert 'rel="next"' in html
    last = manager_client.get("/w/1/leaves/?page=9999").content.decode()
    assert _rows(last) >= 1


def test_csv_export_is_exactly_the_filtered_list(manager_client, webwork):
    response = manager_client.get("/w/1/leaves/export.csv?status=approved")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    header, body = rows[0], rows[1:]
    assert header[:3] == ["id", "member_id", "member"]
    approved = in_window(webwork.state.leaves_for(WS, status="approved"))
    assert len(body) == len(approved)
    status = header.index("status")
    start = header.index("start_date")
    assert {row[status] for row in body} == {"approved"}
    assert all(len(row[start]) == 10 and row[start][4] == "-" for row in body)


FORMULA_NOTES = [
    '=HYPERLINK("http://evil.test")',
    " =1+1",
    "\t@SUM(A1)",
    'Back monday;=HYPERLINK("http://evil.test")',
    "Fine, +cmd|' /C calc'!A0",
    "Line one\n-2+3",
    "pipe|  @SUM(1)",
    "\uff1d1+1",  # a full-width equals sign
    "tab\t=1",
]
SEPARATORS = re.compile(r"[,;\t|\r\n]")
TRIGGERS = ("=", "+", "-", "@", "\uff1d", "\uff0b", "\uff0d", "\uff20")


@pytest.mark.parametrize("note", FORMULA_NOTES)
def test_no_csv_cell_can_start_a_formula_after_any_separator(manager_client, webwork, note):
    leave = in_window(webwork.state.leaves_for(WS))[0]
    webwork.state.leaves[leave["id"]].note = f"MARK {note}" if note[0].isalpha() else note
    response = manager_client.get(f"/w/1/leaves/export.csv?member={leave['user_id']}")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    cells = [cell for row in rows for cell in row]
    # Whatever a spreadsheet splits a cell on, no piece of it starts a formula.
    pieces = [piece.lstrip() for cell in cells for piece in SEPARATORS.split(cell)]
    assert not [piece for piece in pieces if piece.startswith(TRIGGERS)], note
    note_cell = next(row[rows[0].index("note")] for row in rows[1:] if row[0] == leave["id"])
    # And cells are quoted: a separator inside a value starts no cell of its own.
    assert text.startswith('"id","member_id","member"')
    assert '"' + note_cell.replace('"', '""') + '"' in text
    assert note_cell.replace("'", "") == (f"MARK {note}" if note[0].isalpha() else note).replace(
        "'", ""
    )  # nothing lost but the apostrophes added


def test_csv_cells_without_formulas_are_unchanged(manager_client, webwork):
    leave = in_window(webwork.state.leaves_for(WS))[0]
    webwork.state.leaves[leave["id"]].note = "Family visit - back on 2031-01-06, then 3-4 days"
    response = manager_client.get(f"/w/1/leaves/export.csv?member={leave['user_id']}")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    note = rows[0].index("note")
    notes = [row[note] for row in rows[1:] if row[0] == leave["id"]]
    assert notes == ["Family visit - back on 2031-01-06, then 3-4 days"]


@pytest.mark.parametrize(
    ("today", "first", "last"),
    [
        (dt.date(2026, 11, 28), dt.date(2026, 10, 1), dt.date(2026, 12, 31)),
        (dt.date(2026, 1, 5), dt.date(2025, 12, 1), dt.date(2026, 2, 28)),
        (dt.date(2026, 12, 31), dt.date(2026, 11, 1), dt.date(2027, 1, 31)),
        (dt.date(2028, 3, 1), dt.date(2028, 2, 1), dt.date(2028, 4, 30)),
    ],
)
def test_the_default_window_is_this_month_and_one_either_side(today, first, last):
    assert default_window(today) == (first, last)


@pytest.mark.parametrize(
    ("day", "months", "first"),
    [
        (dt.date(2026, 11, 28), 1, dt.date(2026, 12, 1)),
        (dt.date(2026, 12, 31), 1, dt.date(2027, 1, 1)),
        (dt.date(2026, 1, 15), -1, dt.date(2025, 12, 1)),
        (dt.date(2026, 3, 31), -14, dt.date(2025, 1, 1)),
        (dt.date(2026, 3, 2), 0, dt.date(2026, 3, 1)),
    ],
)
def test_add_months_gives_the_first_of_the_month_across_years(day, months, first):
    assert add_months(day, months) == first
