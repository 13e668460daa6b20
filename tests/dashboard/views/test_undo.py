"""The undo window in the inbox: "Approved · Undo", then the real outcome."""

import pytest

from dashboard.services.held_decisions import held_decisions_send_due

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.clock("2027-05-15T10:00Z")]

WS = 1
WINDOW = 30
HTMX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def _undo_window(settings):
    settings.DECISION_UNDO_SECONDS = WINDOW


def _pending(webwork) -> str:
    return webwork.state.leaves_for(WS, status="pending")[0]["id"]


def test_approve_shows_undo_and_the_countdown_and_sends_nothing(manager_client, webwork):
    leave_id = _pending(webwork)
    manager_client.get("/w/1/")
    html = manager_client.post(f"/w/1/leaves/{leave_id}/approve/", headers=HTMX).content.decode()
    assert "Approved · " in html
    assert "sending in" in html
    assert f'hx-post="/w/1/leaves/{leave_id}/undo/"' in html
    assert f'hx-get="/w/1/leaves/{leave_id}/row/"' in html  # the row asks again after
    assert webwork.state.calls.count(method="PUT") == 0


def test_undo_puts_the_row_back_with_its_buttons(manager_client, webwork):
    leave_id = _pending(webwork)
    manager_client.get("/w/1/")
    manager_client.post(f"/w/1/leaves/{leave_id}/approve/", headers=HTMX)
    html = manager_client.post(f"/w/1/leaves/{leave_id}/undo/", headers=HTMX).content.decode()
    assert f'hx-post="/w/1/leaves/{leave_id}/approve/"' in html
    assert "Undone" in html  # the toast, out of band
    assert webwork.state.calls.count(method="PUT") == 0


def test_after_the_window_the_row_shows_what_webwork_answered(manager_client, webwork, clock):
    leave_id = _pending(webwork)
    manager_client.get("/w/1/")
    manager_client.post(f"/w/1/leaves/{leave_id}/reject/", {"reason": "Busy"}, headers=HTMX)
    clock.shift(WINDOW + 1)
    held_decisions_send_due()
    html = manager_client.get(f"/w/1/leaves/{leave_id}/row/", headers=HTMX).content.decode()
    assert "Rejected" in html
    assert "Undo" not in html
    late = manager_client.post(f"/w/1/leaves/{leave_id}/undo/", headers=HTMX).content.decode()
    assert "Too late to undo" in late
    assert webwork.state.calls.count(method="PUT") == 1


def test_plain_post_undo_redirects_back_with_a_message(manager_client, webwork):
    leave_id = _pending(webwork)
    manager_client.post(f"/w/1/leaves/{leave_id}/approve/")
    response = manager_client.post(f"/w/1/leaves/{leave_id}/undo/", follow=True)
    assert "Undone: nothing was sent" in response.content.decode()
    assert webwork.state.calls.count(method="PUT") == 0


def test_other_managers_see_who_is_deciding_a_held_request(manager_client, owner_client, webwork):
    leave_id = _pending(webwork)
    manager_client.post(f"/w/1/leaves/{leave_id}/approve/", headers=HTMX)
    html = owner_client.get("/w/1/").content.decode()
    row = html[html.index(f'id="leave-{leave_id}"') :]
    row = row[: row.index("</li>")]
    assert "Mateo García is approving this request · sending in" in row
    mine = manager_client.get("/w/1/").content.decode()
    assert "You are approving this request" in mine
