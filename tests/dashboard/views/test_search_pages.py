"""`soren` finds Søren on the requests list, the balances and the member picker."""

import datetime as dt

import pytest

from dashboard.forms import LeaveCreateForm
from dashboard.read_models.leaves import filter_options
from dashboard.text import search_key

pytestmark = pytest.mark.django_db

WS = 1
NAMES = {
    1009: ("Søren", "Kjær"),
    1013: ("Zoë", "Lefèvre"),
    1005: ("Marta", "Łukasiewicz"),
    1006: ("Jürgen", "Weiß"),
}
QUERIES = [("soren", 1009), ("zoe", 1013), ("LUKASIEWICZ", 1005), ("weiss", 1006)]


@pytest.fixture
def accented(webwork):
    """Four members of workspace 1 renamed, before anything reads the member list; each with a
    request next week, so the requests list's default months show them whatever the day."""
    next_week = dt.date.today() + dt.timedelta(days=7)
    for user_id, (first, last) in NAMES.items():
        webwork.state.users[user_id].firstname = first
        webwork.state.users[user_id].lastname = last
        webwork.state.add_leave(WS, user_id, next_week)
    return {uid: f"{first} {last}" for uid, (first, last) in NAMES.items()}


@pytest.mark.parametrize(("query", "member_id"), QUERIES)
def test_the_requests_list_finds_names_without_their_accents(
    accented, manager_client, query, member_id
):
    listing = manager_client.get(f"/w/{WS}/leaves/", {"q": query}).context["listing"]
    assert member_id in {leave.user_id for leave in listing.leaves}
    for row in listing.rows:  # others only when their name or note has it too
        assert search_key(query) in search_key(f"{row.member_name} {row.leave.note or ''}")


@pytest.mark.parametrize(("query", "member_id"), QUERIES)
def test_the_balances_find_names_without_their_accents(accented, manager_client, query, member_id):
    table = manager_client.get(f"/w/{WS}/balances/", {"q": query}).context["table"]
    names = [row.name for row in table.rows]
    assert accented[member_id] in names
    assert all(search_key(query) in search_key(name) for name in names)


@pytest.mark.parametrize(("query", "member_id"), QUERIES)
def test_the_member_picker_finds_names_without_their_accents(
    accented, manager_client, query, member_id
):
    user = manager_client.session["_auth_user_id"]
    members, policies = filter_options(user_id=int(user), workspace_id=WS)
    form = LeaveCreateForm(members=members, policies=policies, member_query=query)
    shown = {int(value) for value, _ in form.fields["member"].choices if value}
    assert member_id in shown
    by_id = {m.id: m for m in members}
    for other in shown:
        text = f"{by_id[other].full_name} {by_id[other].email} {by_id[other].team_name or ''}"
        assert search_key(query) in search_key(text)
