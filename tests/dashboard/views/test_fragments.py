"""Rendered rows kept under a digest of what they show (`{% fragment %}`, views/fragments.py).

A kept row must never show what it showed before its inputs changed, and its forms must carry
the CSRF token of the request being answered, never the one of the request that rendered it.
"""

import re
from dataclasses import dataclass

import pytest
from django.core.cache import cache
from django.middleware.csrf import _unmask_cipher_token
from django.template import Context, RequestContext, Template
from django.test import Client, RequestFactory

from dashboard.views import fragments
from tests.oauth_flow import sign_in_directly

pytestmark = pytest.mark.django_db

ROW = re.compile(r'<li id="leave-([^"]+)" class="request')
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _csrf_client(webwork, persona: str) -> Client:
    client = Client(HTTP_HOST="127.0.0.1:8000", enforce_csrf_checks=True)
    sign_in_directly(client, webwork, persona)
    return client


def _secret(client: Client) -> str:
    return client.cookies["csrftoken"].value


def test_a_second_view_reuses_the_rows_with_its_own_csrf_token(webwork):
    manager = _csrf_client(webwork, "manager@sandbox.test")
    first = manager.get("/w/1/").content.decode()
    rows = len(ROW.findall(first))
    assert rows > 2
    assert fragments.store.hits == 0
    assert fragments.store.misses >= rows

    second = manager.get("/w/1/").content.decode()
    assert fragments.store.hits >= rows, "the second view rendered its rows again"
    assert ROW.findall(second) == ROW.findall(first)
    assert fragments.CSRF_MARKER not in second
    tokens = TOKEN.findall(second)
    assert len(tokens) >= 2 * rows  # approve and reject on every row
    assert {_unmask_cipher_token(t) for t in tokens} == {_secret(manager)}

    # The token of a kept row is accepted: approving from the second view works.
    leave_id = ROW.findall(second)[0]
    token = TOKEN.search(second[second.index(f'id="leave-{leave_id}"') :]).group(1)
    response = manager.post(f"/w/1/leaves/{leave_id}/approve/", {"csrfmiddlewaretoken": token})
    assert response.status_code in (200, 302), response.status_code
    assert webwork.state.leave(leave_id)["status"] == "approved"


def test_another_person_never_gets_the_first_persons_token(webwork):
    manager = _csrf_client(webwork, "manager@sandbox.test")
    owner = _csrf_client(webwork, "owner@sandbox.test")
    manager.get("/w/1/")
    owners_view = owner.get("/w/1/").content.decode()
    tokens = {_unmask_cipher_token(t) for t in TOKEN.findall(owners_view)}
    assert tokens == {_secret(owner)}
    assert _secret(owner) != _secret(manager)


def test_a_changed_request_is_rendered_afresh_and_the_others_are_reused(manager_client, webwork):
    first = manager_client.get("/w/1/").content.decode()
    ids = ROW.findall(first)
    webwork.state.leaves[ids[0]].note = "Dentist, moved to the afternoon"
    cache.clear()  # WebWork's data read again; the kept rows stay
    fragments.store.hits = 0
    second = manager_client.get("/w/1/").content.decode()
    row = second[second.index(f'id="leave-{ids[0]}"') : second.index(f'id="leave-{ids[1]}"')]
    assert "Dentist, moved to the afternoon" in row
    assert fragments.store.hits == len(ids) - 1


def test_a_row_is_kept_per_language(manager_client, webwork):
    english = manager_client.get("/w/1/").content.decode()
    german = manager_client.get("/w/1/", headers={"accept-language": "de"}).content.decode()
    assert "<dt>Waiting</dt>" in english
    assert "<dt>Wartend</dt>" in german
    assert "<dt>Waiting</dt>" not in german


def test_the_requests_table_is_reused_and_follows_a_changed_request(manager_client, webwork):
    first = manager_client.get("/w/1/leaves/").content.decode()
    listed = re.findall(r'<tr id="row-([^"]+)"', first)
    assert listed
    manager_client.get("/w/1/leaves/")
    assert fragments.store.hits >= 1
    webwork.state.leaves[listed[0]].note = "Half day at the clinic"
    cache.clear()
    again = manager_client.get("/w/1/leaves/").content.decode()
    assert "Half day at the clinic" in again


def test_the_member_filter_is_reused_and_shows_each_views_choice(manager_client, webwork):
    members = webwork.state.members_for(1)
    chosen = {}
    for member in (members[3], members[4], members[3]):
        html = manager_client.get(f"/w/1/leaves/?member={member['id']}").content.decode()
        select = html[html.index('<select name="member"') :]
        select = select[: select.index("</select>")]
        chosen[member["id"]] = re.findall(r'<option value="(\d+)" selected>', select)
        assert chosen[member["id"]] == [str(member["id"])]
    assert fragments.store.hits >= 1


# --------------------------------------------------------------------------- the tag itself
@dataclass(frozen=True)
class Shown:
    text: str


class Opaque:
    """A value whose repr says nothing of its content."""

    def __init__(self, text: str) -> None:
        self.text = text


TEMPLATE = Template(
    "{% load fragments %}{% fragment 'test' value skip=fresh %}"
    "<p>{{ value.text }}</p><form>{% csrf_token %}</form>{% endfragment %}"
)


def _render(value, fresh: bool = False) -> str:
    request = RequestFactory().get("/")
    return TEMPLATE.render(RequestContext(request, {"value": value, "fresh": fresh}))


def test_a_value_with_a_faithful_repr_is_kept_and_one_without_is_not():
    assert "<p>one</p>" in _render(Shown("one"))
    assert "<p>one</p>" in _render(Shown("one"))
    assert fragments.store.hits == 1
    assert "<p>two</p>" in _render(Shown("two"))

    fragments.store.clear()
    assert "<p>a</p>" in _render(Opaque("a"))
    assert "<p>b</p>" in _render(Opaque("b"))
    assert fragments.store.hits == 0
    assert fragments.store.misses == 0  # never looked up: rendered afresh


def test_skip_renders_afresh_and_keeps_nothing():
    _render(Shown("one"), fresh=True)
    _render(Shown("one"), fresh=True)
    assert (fragments.store.hits, fragments.store.misses) == (0, 0)


def test_without_a_request_token_nothing_is_kept():
    html = TEMPLATE.render(Context({"value": Shown("x"), "fresh": False}))
    assert "<p>x</p>" in html
    assert fragments.CSRF_MARKER not in html
    assert fragments.store.misses == 0


def test_the_store_drops_the_least_recently_used_beyond_its_size():
    store = fragments.FragmentStore(max_chars=40)
    for key in "abcd":
        store.put(key, key * 10)
    store.get("a")
    store.put("e", "e" * 10)  # 50 characters: the least recently used (b) goes
    assert store.get("b") is None
    assert [store.get(key) for key in "acde"] == [key * 10 for key in "acde"]
    store.put("f", "f" * 11)  # more than a quarter of the store: never kept
    assert store.get("f") is None


def test_a_changed_template_never_shows_what_its_old_version_kept():
    before = Template(
        "{% load fragments %}{% fragment 'x' value %}<b>{% csrf_token %}old</b>{% endfragment %}"
    )
    after = Template(
        "{% load fragments %}{% fragment 'x' value %}<i>{% csrf_token %}new</i>{% endfragment %}"
    )
    context = {"value": Shown("same")}
    assert "old" in before.render(RequestContext(RequestFactory().get("/"), context))
    assert "new" in after.render(RequestContext(RequestFactory().get("/"), context))
