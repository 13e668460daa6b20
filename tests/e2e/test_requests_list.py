"""The requests list: HTMX filters that keep the URL in sync, the back button, the CSV export."""

import csv
import io
import re
import zoneinfo
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from dashboard.read_models.export import export_header
from tests.e2e.browser import open_page, tap
from tests.listing import in_window

pytestmark = pytest.mark.e2e

ANNUAL_LEAVE = 101
# Times in the signed-in manager's zone in WebWork.
CSV_HEADER = export_header(zoneinfo.ZoneInfo("Europe/Madrid"))
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def query_of(page) -> dict[str, list[str]]:
    """The current URL's query parameters."""
    return parse_qs(urlsplit(page.url).query)


def result_count(page) -> int:
    """The "N requests" figure above the results."""
    text = page.locator(".results__count").inner_text()
    return int(re.match(r"(\d+) requests?", text).group(1))


def show_more_filters(page, form_factor: str) -> None:
    """Open "More filters" where it is folded away (narrow screens)."""
    summary = page.get_by_text(re.compile(r"^More filters"))
    if summary.is_visible():
        tap(summary, form_factor)
    expect(page.get_by_label("Status")).to_be_visible()


def statuses_shown(page) -> set[str]:
    """The status of every listed request."""
    return set(page.locator("#results tbody .status").all_inner_texts())


def test_filters_update_the_url_and_the_back_button_restores_them(
    signed_in_page, dashboard, webwork, form_factor
):
    page = signed_in_page
    open_page(page, dashboard, "/w/1/leaves/")
    everything = result_count(page)
    assert everything == len(in_window(webwork.state.leaves_for(1)))
    show_more_filters(page, form_factor)
    # A marker on the window survives HTMX swaps but not page loads.
    page.evaluate("window.__sameDocument = true")

    page.get_by_label("Status").select_option("pending")
    expect(page).to_have_url(re.compile(r"[?&]status=pending"))
    expect(page.locator(".results__count")).not_to_have_text(re.compile(rf"^{everything} "))
    pending = result_count(page)
    assert pending == len(in_window(webwork.state.leaves_for(1, status="pending")))
    assert statuses_shown(page) == {"Pending"}

    page.get_by_label("Policy").select_option(str(ANNUAL_LEAVE))
    expect(page).to_have_url(re.compile(rf"[?&]policy={ANNUAL_LEAVE}"))
    assert query_of(page)["status"] == ["pending"]
    expect(page.locator(".results__count")).not_to_have_text(re.compile(rf"^{pending} "))
    annual = [
        lv
        for lv in in_window(webwork.state.leaves_for(1, status="pending"))
        if lv["policy_id"] == ANNUAL_LEAVE
    ]
    assert result_count(page) == len(annual)
    assert set(page.locator("#results tbody td[data-label=Policy]").all_inner_texts()) == {
        "Annual leave"
    }
    # Only the results were swapped: the page was not reloaded.
    assert page.evaluate("window.__sameDocument") is True

    page.go_back()
    expect(page).to_have_url(re.compile(r"\?status=pending$"))
    expect(page.get_by_label("Status")).to_have_value("pending")
    expect(page.get_by_label("Policy")).to_have_value("")
    expect(page.locator(".results__count")).to_have_text(re.compile(rf"^{pending} requests?"))
    assert statuses_shown(page) == {"Pending"}

    page.go_back()
    expect(page).to_have_url(dashboard + "/w/1/leaves/")
    expect(page.locator(".results__count")).to_have_text(re.compile(rf"^{everything} requests?"))

    page.go_forward()
    expect(page).to_have_url(re.compile(r"\?status=pending$"))
    expect(page.locator(".results__count")).to_have_text(re.compile(rf"^{pending} requests?"))


@pytest.mark.sizes("phone")
def test_search_narrows_the_list(signed_in_page, dashboard, webwork, form_factor):
    page = signed_in_page
    open_page(page, dashboard, "/w/1/leaves/")
    yuki = in_window(webwork.state.leaves_for(1, user_id=1003))

    page.get_by_label("Search").fill("Yuki Tanaka")
    expect(page).to_have_url(re.compile(r"[?&]q=Yuki(%20|\+)Tanaka"))
    expect(page.locator(".results__count")).to_have_text(re.compile(rf"^{len(yuki)} requests?"))
    names = set(page.locator("#results tbody td[data-label=Member] strong").all_inner_texts())
    assert names == {"Yuki Tanaka"}


def test_export_downloads_the_filtered_list_as_csv(
    signed_in_page, dashboard, webwork, form_factor, tmp_path
):
    page = signed_in_page
    open_page(page, dashboard, f"/w/1/leaves/?status=approved&policy={ANNUAL_LEAVE}")
    shown = result_count(page)
    expected = {
        lv["id"]: lv
        for lv in in_window(webwork.state.leaves_for(1, status="approved"))
        if lv["policy_id"] == ANNUAL_LEAVE
    }
    assert shown == len(expected) > 0

    export = page.get_by_role("link", name="Export CSV")
    with page.expect_download() as info:
        tap(export, form_factor)
    download = info.value
    assert re.fullmatch(r"leave-requests-1-\d{4}-\d{2}-\d{2}\.csv", download.suggested_filename)
    path = tmp_path / download.suggested_filename
    download.save_as(path)

    assert path.read_bytes().startswith(b"\xef\xbb\xbf")  # the BOM Excel needs for UTF-8
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    assert rows[0] == CSV_HEADER
    records = [dict(zip(CSV_HEADER, row, strict=True)) for row in rows[1:]]
    assert len(records) == shown
    assert {r["id"] for r in records} == set(expected)
    assert {r["status"] for r in records} == {"approved"}
    assert {r["policy"] for r in records} == {"Annual leave"}
    for record in records:
        leave = expected[record["id"]]
        assert record["start_date"] == leave["start_date"], record
        assert record["end_date"] == leave.get("end_date", leave["start_date"]), record
        assert ISO_DATE.match(record["start_date"]), record
        assert ISO_DATE.match(record["end_date"]), record
        assert record["start_date"] <= record["end_date"], record
        assert ISO_DATE.match(record["created_at (Europe/Madrid)"][:10]), record
