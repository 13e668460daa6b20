"""Bad input never becomes a 500: every form, record parsing behind the pages, and a URL sweep.

Forms and parsers get property-based input (hypothesis). Pages get malformed URLs and query
parameters, hand-picked and generated, and WebWork answers of every odd shape.
"""

import datetime as dt
import string
from urllib.parse import quote, urlencode

import holidays
import pytest
from django.core.cache import cache
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard.forms import (
    MAX_REASON,
    LeaveCreateForm,
    LeaveFilterForm,
    RejectForm,
    WorkspaceSettingsForm,
)
from dashboard.webwork import Member, Policy

from ..security.support import HTMX, MANAGER, WS_A

MEMBERS = [
    Member(id=1005, email="a@example.com", first_name="Ana", last_name="Silva", team_name="Ops"),
    Member(id=1010, email="b@example.com", first_name="Bo", last_name="Li"),
    Member(id=2001, email="c@example.com", first_name="Cy", last_name="<b>x</b>"),
]
POLICIES = [
    Policy(id=101, name="Annual leave", time_unit="days"),
    Policy(id=102, name="Sick leave", time_unit="days", reason_required=True),
    Policy(id=104, name="Medical appointment", time_unit="hours"),
]
FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
PAGE_FUZZ = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Text that looks like what browsers and attackers send: empty, numbers, dates, times, junk.
values = st.one_of(
    st.just(""),
    st.text(max_size=40),
    st.text(alphabet=string.printable, max_size=12),
    st.integers(min_value=-(10**20), max_value=10**20).map(str),
    st.dates(min_value=dt.date(1, 1, 1)).map(dt.date.isoformat),
    st.times().map(lambda t: t.strftime("%H:%M")),
    st.sampled_from(["0", "1", "2", "101", "104", "1005", "yes", "no", "pending", "NaN", "1e9"]),
    st.text(min_size=1001, max_size=1200),
    st.just("\x00"),
)


def form_data(fields: list[str]):
    """A dict with any subset of `fields` (and a stray one), each with a hostile value."""
    return st.dictionaries(st.sampled_from([*fields, "zzz", "csrfmiddlewaretoken"]), values)


def plausible_create_data():
    """Mostly well-formed "new request" forms, with a hostile value here and there."""

    def field(plausible):
        # one_of would flatten `values` into many branches: pick hostile one time in ten.
        return st.integers(min_value=0, max_value=9).flatmap(
            lambda n: values if n == 0 else plausible
        )

    near = st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2035, 12, 31))
    return st.fixed_dictionaries(
        {
            "member": field(st.sampled_from([str(m.id) for m in MEMBERS])),
            "policy": field(st.sampled_from([str(p.id) for p in POLICIES])),
            "start": field(near.map(dt.date.isoformat)),
        },
        optional={
            "end": field(near.map(dt.date.isoformat)),
            "leave_period": field(st.sampled_from(["0", "1", "2"])),
            "date": field(near.map(dt.date.isoformat)),
            "start_time": field(st.times().map(lambda t: t.strftime("%H:%M"))),
            "end_time": field(st.times().map(lambda t: t.strftime("%H:%M"))),
            "reason": field(st.text(min_size=1, max_size=30)),
            "request_key": field(st.uuids().map(lambda u: u.hex)),
        },
    )


@FUZZ
@given(data=form_data(["status", "member", "policy", "paid", "from", "to", "q", "page"]))
def test_filter_form_never_raises_and_only_keeps_valid_filters(data):
    form = LeaveFilterForm(data, members=MEMBERS, policies=POLICIES)
    form.is_valid()
    filters = form.filters()
    assert filters["status"] in (None, "pending", "approved", "rejected")
    assert filters["member_id"] in (None, *(m.id for m in MEMBERS))
    assert filters["policy_id"] in (None, *(p.id for p in POLICIES))
    assert filters["is_paid"] in (None, True, False)
    assert isinstance(filters["page"], int)
    assert 1 <= filters["page"] <= 100000
    assert len(filters["q"]) <= 100
    if filters["date_from"] and filters["date_to"]:
        assert filters["date_from"] <= filters["date_to"]


@FUZZ
@given(reason=values | st.text(max_size=MAX_REASON + 10))
def test_reject_form_needs_a_real_reason_of_bounded_length(reason):
    form = RejectForm({"reason": reason})
    if form.is_valid():
        cleaned = form.cleaned_data["reason"]
        assert cleaned
        assert cleaned == cleaned.strip()
        assert len(cleaned) <= MAX_REASON
        assert "\x00" not in cleaned
    else:
        assert "reason" in form.errors


@FUZZ
@given(data=plausible_create_data(), member_query=st.one_of(st.just(""), values))
def test_leave_create_form_never_raises_and_valid_means_consistent(data, member_query):
    form = LeaveCreateForm(data, members=MEMBERS, policies=POLICIES, member_query=member_query)
    if not form.is_valid():
        assert form.errors
        return
    cleaned = form.cleaned_data
    policy = form.policies[cleaned["policy"]]
    assert cleaned["member"] in {m.id for m in MEMBERS}
    assert cleaned["start"] <= cleaned["end"]
    assert len(cleaned.get("request_key") or "") <= 64
    if policy.reason_required:
        assert cleaned["reason"]
    if policy.is_hour_based:
        assert cleaned["start"] == cleaned["end"]
        assert cleaned["start_time"] < cleaned["end_time"]
    elif cleaned.get("leave_period"):
        assert cleaned["start"] == cleaned["end"]


SUPPORTED_REGIONS = holidays.list_supported_countries(include_aliases=False)
ALL_SUBDIVISIONS = sorted({s for subs in SUPPORTED_REGIONS.values() for s in subs})
# Real countries, each paired with a real subdivision code, often another country's (known,
# but unknown *there*): a form that stopped checking the pair would accept those.
region_data = st.one_of(
    form_data(["holiday_country", "holiday_subdivision"]),
    st.fixed_dictionaries(
        {
            "holiday_country": st.sampled_from(sorted(SUPPORTED_REGIONS)),
            "holiday_subdivision": st.sampled_from(ALL_SUBDIVISIONS).map(
                lambda code: code.lower() if len(code) % 2 else code
            ),
        }
    ),
)


@FUZZ
@given(data=region_data)
def test_workspace_settings_form_only_accepts_known_regions(data):
    form = WorkspaceSettingsForm(data)
    country = data.get("holiday_country", "")
    subdivision = str(data.get("holiday_subdivision", "")).strip().upper()
    if country in SUPPORTED_REGIONS and subdivision in ALL_SUBDIVISIONS:
        assert form.is_valid() == (subdivision in SUPPORTED_REGIONS[country]), data
    if form.is_valid():
        cleaned = form.cleaned_data["holiday_country"], form.cleaned_data["holiday_subdivision"]
        assert cleaned == ("", "") or (
            cleaned[0] in SUPPORTED_REGIONS and cleaned[1] in ("", *SUPPORTED_REGIONS[cleaned[0]])
        ), (data, cleaned)


# --------------------------------------------------------------------------- pages
@pytest.fixture
def manager(webwork, signed_in):
    """Mateo, signed in, with the workspace's data cached."""
    client = signed_in(MANAGER)
    assert client.get(f"/w/{WS_A}/").status_code == 200
    webwork.state.config.update(rate_limit=0)
    return client


HAND_PICKED = [
    "/w/0/",
    "/w/99999999999999999999999999/",
    f"/w/{WS_A}/leaves/not-a-uuid/approve/",
    f"/w/{WS_A}/leaves/%00/",
    f"/w/{WS_A}/%2e%2e/%2e%2e/admin/",
    f"/w/{WS_A}//leaves//",
    f"/w/{WS_A}/calendar/?month=9999-99",
    f"/w/{WS_A}/calendar/?month=0000-01",
    f"/w/{WS_A}/calendar/?month=2026-13",
    f"/w/{WS_A}/calendar/?month=-1",
    f"/w/{WS_A}/calendar/?month=%00&policy=1e999&team=" + "x" * 5000,
    f"/w/{WS_A}/calendar/?policy=99999999999999999999999&team=%F0%9F%92%A9",
    f"/w/{WS_A}/leaves/?status=bogus&member=abc&policy=-1&paid=maybe&from=2024-13-45"
    "&to=0000-00-00&q=%00&page=-5",
    f"/w/{WS_A}/leaves/?page=99999999999&from=9999-12-31&to=0001-01-01",
    f"/w/{WS_A}/leaves/?page=NaN&member=1e3&policy=%20101",
    f"/w/{WS_A}/leaves/?q=" + quote("<script>" * 200),
    f"/w/{WS_A}/leaves/export.csv?from=x&to=y&status=%00",
    f"/w/{WS_A}/leaves/new/?member=abc&policy=%00",
    f"/w/{WS_A}/leaves/new/?member=99999999999999999999&policy=104",
    f"/w/{WS_A}/balances/?since=nan&q=%00&team=" + "y" * 3000,
    f"/w/{WS_A}/balances/?since=inf",
    f"/w/{WS_A}/balances/?since=-1e308",
    f"/w/{WS_A}/balances/?since=1e999",
    f"/w/{WS_A}/policies/?page=2&x=%ZZ",
    "/workspaces/?go=javascript:alert(1)",
    "/?next=//evil.test",
]


@pytest.mark.django_db
def test_malformed_urls_and_parameters_never_cause_a_500(webwork, manager):
    manager.raise_request_exception = False
    statuses = {}
    for url in HAND_PICKED:
        for headers in ({}, HTMX):
            response = manager.get(url, headers=headers)
            assert response.status_code < 500, (url, response.status_code)
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
    posts = [
        (f"/w/{WS_A}/leaves/not-a-uuid/approve/", {}),
        (f"/w/{WS_A}/balances/refresh/", {"q": "\x00", "team": "z" * 5000}),
        (f"/w/{WS_A}/settings/", {"holiday_country": "ZZ", "holiday_subdivision": "\x00" * 20}),
        (f"/w/{WS_A}/leaves/new/", {"member": "x", "policy": "y", "request_key": "k" * 500}),
        (f"/w/{WS_A}/leaves/new/", {"_switch": "1", "member_q": "\x00" * 50}),
    ]
    pending = webwork.state.leaves_for(WS_A, status="pending")[0]
    posts.append((f"/w/{WS_A}/leaves/{pending['id']}/reject/", {"reason": "r" * 100_000}))
    posts.append((f"/w/{WS_A}/leaves/{pending['id']}/reject/", {"reason": "\x00"}))
    for url, data in posts:
        for headers in ({}, HTMX):
            response = manager.post(url, data, headers=headers)
            assert response.status_code < 500, (url, response.status_code)
    assert webwork.state.leave(pending["id"])["status"] == "pending"
    odd = manager.get(f"/w/{WS_A}/", headers={"X-Request-Id": "x" * 500 + "\n\r"})
    assert odd.status_code == 200
    assert len(odd["X-Request-Id"]) == 32


GET_ROUTES = {
    "leaves": ["status", "member", "policy", "paid", "from", "to", "q", "page", "highlight"],
    "calendar": ["month", "team", "policy"],
    "balances": ["q", "team", "since"],
    "leaves/new": ["member", "policy"],
    "leaves/export.csv": ["status", "member", "from", "to", "q"],
}


@pytest.mark.django_db
@pytest.mark.parametrize("route", list(GET_ROUTES))
def test_generated_query_strings_never_cause_a_500(webwork, manager, route):
    manager.raise_request_exception = False

    path = f"/w/{WS_A}/{route}" + ("" if route.endswith(".csv") else "/")

    @PAGE_FUZZ
    @given(query=st.dictionaries(st.sampled_from(GET_ROUTES[route]), values, max_size=5))
    def check(query):
        response = manager.get(f"{path}?{urlencode(query)}")
        assert response.status_code < 500, (route, query)

    check()


# --------------------------------------------------------------------------- WebWork answers
json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63),
    st.floats(allow_nan=False),
    st.text(max_size=20),
    st.sampled_from(["pending", "approved", "2026-02-30", "yes", "12:75", "-1 days"]),
)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
LEAVE_FIELDS = [
    "id",
    "user_id",
    "status",
    "start_date",
    "end_date",
    "leave_period",
    "start_time",
    "end_time",
    "policy_id",
    "policy",
    "note",
    "reject_reason",
    "approved_by",
    "rejected_by",
    "created_at",
    "decided_at",
    "total",
    "is_paid",
]
leave_like = st.fixed_dictionaries(
    {"id": st.one_of(st.uuids().map(str), json_scalars)},
    optional={name: json_values for name in LEAVE_FIELDS[1:]},
)
leave_bodies = st.one_of(
    st.fixed_dictionaries(
        {
            "success": st.sampled_from([True, "true", 1]),
            "data": st.one_of(st.lists(leave_like, max_size=6), json_values),
            "meta": st.one_of(
                json_values,
                st.fixed_dictionaries(
                    {"pagination": st.fixed_dictionaries({"last_page": json_scalars})}
                ),
            ),
        }
    ),
    json_values,
)


@pytest.mark.django_db
def test_any_leave_list_webwork_sends_renders_without_a_500(webwork, manager, settings):
    manager.raise_request_exception = False
    settings.WEBWORK_CALLS_PER_MINUTE = 0  # dozens of cold pages in seconds: past any minute

    @PAGE_FUZZ
    @given(body=leave_bodies)
    def check(body):
        cache.clear()
        webwork.state.clear_faults()
        webwork.state.add_fault(path="^/api/v2/leaves$", method="GET", status=200, body=body)
        for url in (f"/w/{WS_A}/", f"/w/{WS_A}/leaves/?status=pending", f"/w/{WS_A}/calendar/"):
            response = manager.get(url)
            assert response.status_code < 500, (url, body)

    check()
