"""`/inbox/`: every managed workspace's pending requests on one page, each row in its own."""

import re

import pytest

pytestmark = pytest.mark.django_db


def _pending(webwork, workspace_id) -> list[dict]:
    return webwork.state.leaves_for(workspace_id, status="pending")


def test_owner_sees_each_workspace_with_its_count_and_rows_deciding_in_their_own(
    owner_client, webwork
):
    html = owner_client.get("/inbox/").content.decode()
    for workspace_id, name in ((1, "Northwind Studio"), (2, "Blue Harbor Labs")):
        assert name in html
        count = len(_pending(webwork, workspace_id))
        assert f'aria-label="{count} pending"' in html
    for leave in _pending(webwork, 2):
        assert f'hx-post="/w/2/leaves/{leave["id"]}/approve/"' in html
    assert 'form="bulk-form"' not in html  # bulk decisions are made in one workspace


def test_a_row_of_another_workspace_is_decided_there(owner_client, webwork):
    leave = _pending(webwork, 2)[0]
    owner_client.get("/inbox/")
    response = owner_client.post(f"/w/2/leaves/{leave['id']}/approve/", {"next": "/inbox/"})
    assert response["Location"] == "/inbox/"
    assert webwork.state.leave(leave["id"])["status"] == "approved"


def test_filter_by_workspace_shows_that_one_only(owner_client, webwork):
    html = owner_client.get("/inbox/?workspace=2").content.decode()
    assert 'id="group-2"' in html
    assert 'id="group-1"' not in html
    unknown = owner_client.get("/inbox/?workspace=99").content.decode()
    assert 'id="group-1"' in unknown  # not one of theirs: every workspace, nothing more
    assert 'id="group-99"' not in unknown


def test_a_manager_of_one_workspace_sees_only_it(manager_client, webwork):
    html = manager_client.get("/inbox/").content.decode()
    assert 'id="group-1"' in html
    assert "Blue Harbor Labs" not in html
    assert not any(leave["id"] in html for leave in _pending(webwork, 2))
    assert manager_client.get("/")["Location"] == "/w/1/"


def test_an_empty_workspace_says_nothing_waits(owner_client, webwork):
    for leave in _pending(webwork, 2):
        webwork.state.decide(leave["id"], "approved", by_user_id=1001)
    html = owner_client.get("/inbox/").content.decode()
    assert "Nothing waiting in Blue Harbor Labs." in html


def test_switcher_and_picker_show_pending_counts(owner_client, webwork):
    owner_client.get("/inbox/")  # both pending lists are now known
    count = len(_pending(webwork, 1))
    page = owner_client.get("/w/2/").content.decode()
    assert re.search(rf"Northwind Studio \({count} pending\)</option>", page)
    assert '<option value="/inbox/">All inboxes</option>' in page
    picker = owner_client.get("/workspaces/").content.decode()
    assert f"{count} pending" in picker


def test_webwork_failing_shows_a_notice_per_workspace_not_an_error(owner_client, webwork):
    webwork.state.add_fault(path="^/api/v2/leaves$", status=503)
    response = owner_client.get("/inbox/")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="group-1"' in html
    assert 'id="group-2"' in html
    assert html.count("requests can&#x27;t be shown") == 2
