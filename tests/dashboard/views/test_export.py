"""Spreadsheets: the CSV and the workbook read back as a spreadsheet would read them."""

import csv
import datetime as dt
import io
import zoneinfo

import openpyxl
import pytest

pytestmark = pytest.mark.django_db

WS = 1
MADRID = zoneinfo.ZoneInfo("Europe/Madrid")  # the signed-in manager's zone in WebWork
FORMULA = '=HYPERLINK("http://evil.test","Open")'


@pytest.fixture
def marked(webwork):
    """A decided leave of a member with accents in both names and a note that hides formulas."""
    state = webwork.state
    state.users[1009].firstname, state.users[1009].lastname = "Íñigo", "Núñez"
    annual = next(p["id"] for p in state.policies_for(WS) if p["name"] == "Annual leave")
    leave = state.add_leave(
        WS,
        1009,
        dt.date.today() + dt.timedelta(days=3),
        dt.date.today() + dt.timedelta(days=7),
        policy_id=annual,
        status="approved",
        decided_by=1002,
        note='Back monday;=HYPERLINK("http://evil.test")\n@SUM(A1)',
    )
    state.add_leave(
        WS, 1009, dt.date.today() + dt.timedelta(days=20), policy_id=annual, note=FORMULA
    )
    return next(lv for lv in state.leaves_for(WS, user_id=1009) if lv["id"] == leave["id"])


def _csv(manager_client, member_id: int) -> bytes:
    response = manager_client.get(f"/w/{WS}/leaves/export.csv?member={member_id}")
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def _read_like_a_spreadsheet(raw: bytes) -> list[list[str]]:
    """As Excel and LibreOffice import it: the BOM says UTF-8, the delimiter is sniffed."""
    assert raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8-sig")
    delimiter = csv.Sniffer().sniff(text.splitlines()[0], delimiters=",;\t").delimiter
    assert delimiter == ","
    return list(csv.reader(io.StringIO(text), delimiter=delimiter))


def test_the_csv_round_trip_keeps_names_numbers_dates_and_times(manager_client, marked):
    rows = _read_like_a_spreadsheet(_csv(manager_client, 1009))
    header = rows[0]
    assert {"duration (days)", "duration (hours)"} <= set(header)
    assert {"created_at (Europe/Madrid)", "decided_at (Europe/Madrid)"} <= set(header)
    record = next(dict(zip(header, row, strict=True)) for row in rows[1:] if row[0] == marked["id"])
    assert record["member"] == "Íñigo Núñez"
    assert float(record["duration (days)"]) > 0
    assert record["duration (hours)"] == ""
    assert dt.date.fromisoformat(record["start_date"]) <= dt.date.fromisoformat(record["end_date"])
    created = dt.datetime.fromisoformat(marked["created_at"].replace("Z", "+00:00"))
    assert record["created_at (Europe/Madrid)"] == f"{created.astimezone(MADRID):%Y-%m-%d %H:%M}"
    assert record["decided_at (Europe/Madrid)"]
    assert record["decided_by"]
    # Defused after every separator a locale might split on; nothing else changed.
    assert record["note"] == "Back monday;'=HYPERLINK(\"http://evil.test\")\n'@SUM(A1)"


def test_the_workbook_has_the_same_rows_as_typed_cells(manager_client, marked):
    csv_rows = _read_like_a_spreadsheet(_csv(manager_client, 1009))
    response = manager_client.get(f"/w/{WS}/leaves/export.xlsx?member=1009")
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('.xlsx"')
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == csv_rows[0]
    assert [row[0] for row in rows[1:]] == [row[0] for row in csv_rows[1:]]
    header = list(rows[0])
    record = next(dict(zip(header, row, strict=True)) for row in rows[1:] if row[0] == marked["id"])
    assert record["member"] == "Íñigo Núñez"
    assert isinstance(record["start_date"], dt.datetime)  # a date cell (openpyxl reads datetimes)
    assert isinstance(record["created_at (Europe/Madrid)"], dt.datetime)
    assert isinstance(record["duration (days)"], int | float)
    assert record["member_id"] == 1009
    # Notes are text, kept exactly: a text cell is never evaluated.
    assert record["note"] == 'Back monday;=HYPERLINK("http://evil.test")\n@SUM(A1)'
    assert FORMULA in [row[header.index("note")] for row in rows]
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]


def test_an_export_with_webwork_down_goes_back_to_the_list_with_a_message(manager_client, webwork):
    webwork.state.add_fault(path="^/api/v2/leaves$", status=503)
    response = manager_client.get(f"/w/{WS}/leaves/export.xlsx?status=approved")
    assert response.status_code == 302
    assert response.url.endswith("/leaves/?status=approved")
