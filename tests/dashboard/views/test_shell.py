"""Shell first (views/shell.py): a page whose data is not held answers at once with its frame,
without a call to WebWork, for a browser that runs the script; everything else is unchanged."""

import pytest
from django.core.cache import cache

from dashboard.views.shell import FILL_HEADER, JS_COOKIE

pytestmark = pytest.mark.django_db

PAGES = {
    "/w/1/": "Inbox",
    "/w/1/leaves/": "Requests",
    "/w/1/calendar/": "Calendar",
    "/w/1/balances/": "Balances",
    "/w/1/policies/": "Policies",
}
FILL = {"HX-Request": "true", FILL_HEADER: "1"}


def _api_calls(webwork) -> int:
    return len(webwork.state.calls.records(path="^/api/v2/"))


@pytest.fixture
def script_client(manager_client):
    """The manager's browser, which runs the dashboard's script (it set the cookie)."""
    manager_client.cookies[JS_COOKIE] = "1"
    return manager_client


@pytest.mark.parametrize(("path", "title"), PAGES.items())
def test_a_cold_page_answers_with_its_frame_and_asks_webwork_nothing(
    script_client, webwork, path, title
):
    webwork.state.calls.clear()
    response = script_client.get(path)
    html = response.content.decode()
    assert response.status_code == 200
    assert _api_calls(webwork) == 0, webwork.state.calls.records(path="^/api/v2/")
    assert "data-shell" in html
    assert f"<h1>{title}</h1>" in html
    assert f'hx-get="{path}"' in html
    assert f'"{FILL_HEADER}": "1"' in html
    assert 'aria-current="page"' in html  # the navigation is there, its section marked
    assert f'url={path}?full=1"' in html  # without the script, the page in full


@pytest.mark.parametrize("path", PAGES)
def test_the_fill_is_the_full_page_and_the_next_view_needs_no_shell(script_client, path):
    filled = script_client.get(path, headers=FILL)
    html = filled.content.decode()
    assert filled.status_code == 200
    assert html.lstrip().startswith("<!doctype html>")  # the page, whose <main> htmx takes
    assert 'id="main"' in html
    assert "data-shell" not in html
    again = script_client.get(path).content.decode()
    assert "data-shell" not in again
    assert 'id="main"' in again


def test_the_inbox_fill_has_the_rows(script_client, webwork):
    pending = webwork.state.leaves_for(1, status="pending")
    assert "data-shell" in script_client.get("/w/1/").content.decode()
    html = script_client.get("/w/1/", headers=FILL).content.decode()
    assert html.count('<li id="leave-') == min(len(pending), 25)


def test_without_the_script_a_cold_page_comes_in_one_piece(manager_client, webwork):
    html = manager_client.get("/w/1/").content.decode()
    assert "data-shell" not in html
    assert '<li id="leave-' in html


def test_full_asks_for_the_page_in_one_piece(script_client):
    html = script_client.get("/w/1/calendar/?month=2027-01&full=1").content.decode()
    assert "data-shell" not in html
    assert "January 2027" in html


def test_the_frame_keeps_the_query_for_the_fill(script_client):
    html = script_client.get("/w/1/calendar/?month=2027-01&team=Design").content.decode()
    assert 'hx-get="/w/1/calendar/?month=2027-01&amp;team=Design"' in html
    assert "url=/w/1/calendar/?month=2027-01&amp;team=Design&amp;full=1" in html


def test_htmx_swaps_are_never_answered_with_a_frame(script_client):
    html = script_client.get("/w/1/calendar/?month=2027-01", headers={"HX-Request": "true"})
    assert "data-shell" not in html.content.decode()
    assert 'id="calendar"' in html.content.decode()


def test_the_frame_is_in_the_page_language(script_client):
    html = script_client.get("/w/1/calendar/", headers={"accept-language": "de"}).content.decode()
    assert "<h1>Kalender</h1>" in html
    assert "Wird von WebWork gelesen" in html


def test_a_workspace_not_managed_is_404_before_any_frame(script_client, webwork):
    cache.clear()
    assert script_client.get("/w/2/").status_code == 404
    assert script_client.get("/w/2/", headers=FILL).status_code == 404
