"""The requests list as a spreadsheet: CSV that Excel and LibreOffice open as written, or .xlsx.

Both are built from one list of typed values per request (`export_rows`): text, whole
numbers, decimals (durations, with their unit in the column's name), dates, and date-times
in the viewer's time zone (named in the column's name).

- CSV: UTF-8 with a byte-order mark (without it Excel on Windows reads Íñigo Núñez as
  mojibake), every cell quoted, dates in ISO form, date-times as `YYYY-MM-DD HH:MM`, and text
  defused wherever a spreadsheet could start a formula (`csv_cell`).
- XLSX: the same values as typed cells (dates are dates, numbers numbers); text cells are
  stored as text, which no spreadsheet evaluates, so they need no defusing.
"""

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Iterator

from django.utils import timezone
from django.utils.translation import pgettext
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from dashboard.read_models.format import leave_end
from dashboard.read_models.leaves import LeaveListing, LeaveListRow
from dashboard.webwork import LeavePeriod

BOM = "\ufeff"


def export_header(zone: dt.tzinfo) -> list[str]:
    """Column names; date-time columns name the zone they are in (the viewer's)."""
    return [
        "id",
        "member_id",
        "member",
        "team",
        "policy",
        "status",
        "paid",
        "start_date",
        "end_date",
        "leave_period",
        "start_time (member's time)",
        "end_time (member's time)",
        "duration (days)",
        "duration (hours)",
        "note",
        f"created_at ({zone})",
        f"decided_at ({zone})",
        "decided_by",
        "reject_reason",
    ]


def _local(moment: dt.datetime | None, zone: dt.tzinfo) -> dt.datetime | None:
    """`moment` on the viewer's clock, without a zone (spreadsheets have none)."""
    return moment.astimezone(zone).replace(tzinfo=None, microsecond=0) if moment else None


def _values(row: LeaveListRow, zone: dt.tzinfo) -> list[object]:
    leave = row.leave
    return [
        leave.id,
        leave.user_id,
        row.member_name,
        row.team,
        row.policy_name,
        str(leave.status),
        {True: "yes", False: "no"}.get(leave.is_paid),
        leave.start_date,
        leave_end(leave),
        None if leave.is_hour_based else LeavePeriod(leave.leave_period).label.lower(),
        leave.start_time.strftime("%H:%M") if leave.start_time else None,
        leave.end_time.strftime("%H:%M") if leave.end_time else None,
        row.amount.value if row.amount.unit == "days" else None,
        row.amount.value if row.amount.unit == "hours" else None,
        leave.note,
        _local(leave.created_at, zone),
        _local(leave.decided_at, zone),
        row.decided_by_name,
        leave.reject_reason,
    ]


def export_rows(listing: LeaveListing, zone: dt.tzinfo) -> Iterator[list[object]]:
    """The header, then one list of typed values per request (date-times on `zone`'s clock)."""
    yield export_header(zone)
    for row in listing.rows:
        yield _values(row, zone)


# Where a spreadsheet may start a cell: the start of the value, and after any character some
# spreadsheet (or its import settings, or its locale) takes for a separator.
# Then what makes a formula: = + - @ (and their full-width forms), possibly after blanks.
_FORMULA_START = re.compile(r"(^|[,;\t|\r\n])(?=\s*[=+\-@\uff1d\uff0b\uff0d\uff20])")


def csv_cell(value: object) -> str:
    """Text for a CSV cell, defused so no spreadsheet runs it as a formula.

    An apostrophe goes wherever a cell could begin with a formula: at the start, and after
    every separator inside the value (a note "ok;=HYPERLINK(...)" is two cells in a
    semicolon-separated locale). Numbers, dates and date-times are written plainly.
    """
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, int):
        return str(value)
    return _FORMULA_START.sub(r"\1'", str(value))


class _Echo:
    """A file-like object whose write returns the line (for streaming csv.writer)."""

    def write(self, value: str) -> str:
        return value


def csv_lines(listing: LeaveListing) -> Iterator[str]:
    """The CSV file, line by line for streaming: the byte-order mark first, then the rows.

    The viewer's zone is taken now: the lines are written after the view has returned.
    """
    return _csv_lines(listing, timezone.get_current_timezone())


def _csv_lines(listing: LeaveListing, zone: dt.tzinfo) -> Iterator[str]:
    return csv_stream(
        [csv_cell(value) for value in values] for values in export_rows(listing, zone)
    )


def csv_stream(rows: Iterable[list[str]]) -> Iterator[str]:
    """A CSV file line by line (cells already made safe with `csv_cell`): the byte-order mark,
    then every cell quoted, so a separator inside a value never starts a cell, whatever the
    delimiter."""
    yield BOM
    writer = csv.writer(_Echo(), quoting=csv.QUOTE_ALL)
    for row in rows:
        yield writer.writerow(row)


FORMATS = {dt.datetime: "yyyy-mm-dd hh:mm", dt.date: "yyyy-mm-dd"}


def _xlsx_cell(sheet, value: object) -> WriteOnlyCell:
    if isinstance(value, str):
        cell = WriteOnlyCell(sheet, ILLEGAL_CHARACTERS_RE.sub("", value))
        cell.data_type = "s"  # text, even when it starts with "=": never a formula
        return cell
    cell = WriteOnlyCell(sheet, value)
    if type(value) in FORMATS:
        cell.number_format = FORMATS[type(value)]
    return cell


def xlsx_bytes(listing: LeaveListing) -> bytes:
    """The workbook: one sheet, a frozen header row, typed cells."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(pgettext("a spreadsheet's sheet", "Requests"))
    sheet.freeze_panes = "A2"
    for values in export_rows(listing, timezone.get_current_timezone()):
        sheet.append([_xlsx_cell(sheet, value) for value in values])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
