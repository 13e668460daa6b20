from datetime import UTC, date, datetime, time
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard.webwork import (
    BadResponse,
    Balance,
    BalanceAmount,
    Leave,
    Member,
    Policy,
    PolicyBalance,
    TokenSet,
    Workspace,
)
from dashboard.webwork.records import items_from_api

from .support import LEAVE_ID, REFRESH_TOKEN, TOKEN

# --------------------------------------------------------------------------- workspaces


def test_workspace_reads_the_documented_fields():
    workspace = Workspace.from_api(
        {
            "id": 1,
            "owner_id": 10,
            "user_id": 100,
            "workspace_name": "WebWork Workspace",
            "role": "Owner",
            "status": "active",
            "created_at": "2025-02-19T19:24:55.000000Z",
            "activated_at": "2025-02-19 19:24:55",
        }
    )

    assert workspace == Workspace(
        id=1,
        name="WebWork Workspace",
        role="Owner",
        user_id=100,
        owner_id=10,
        status="active",
    )


@pytest.mark.parametrize(
    ("role", "can_manage"),
    [
        ("Owner", True),
        ("Executive manager", True),
        ("EXECUTIVE MANAGER", True),
        (" executive_manager ", True),
        ("Team manager", False),
        ("Project manager", False),
        ("Regular User", False),
        ("Project viewer", False),
        ("", False),
    ],
)
def test_only_owners_and_executive_managers_can_manage_a_workspace(role, can_manage):
    workspace = Workspace.from_api({"id": 1, "role": role})

    assert workspace.can_manage is can_manage


def test_workspace_with_string_id_and_missing_fields_is_still_read():
    workspace = Workspace.from_api({"id": "7"})

    assert workspace.id == 7
    assert workspace.name == ""
    assert workspace.role == ""
    assert workspace.user_id is None
    assert workspace.can_manage is False


@pytest.mark.parametrize("payload", [{}, {"id": None}, {"id": "seven"}, {"id": True}, [], "x"])
def test_workspace_without_a_usable_id_is_a_bad_response(payload):
    with pytest.raises(BadResponse):
        Workspace.from_api(payload)


# --------------------------------------------------------------------------- members


def test_member_reads_the_documented_fields_and_ignores_unknown_ones():
    member = Member.from_api(
        {
            "id": 100,
            "email": "john@example.com",
            "firstname": "John",
            "lastname": "Doe",
            "avatar": "avatar.jpg",
            "current_role": "Regular User",
            "timezone": "America/New_York",
            "status": "active",
            "team_name": "Development Team",
            "title": "Engineer",
            "rate": 42,
            "is_blocked": False,
        }
    )

    assert member == Member(
        id=100,
        email="john@example.com",
        first_name="John",
        last_name="Doe",
        team_name="Development Team",
        title="Engineer",
        role="Regular User",
        status="active",
        timezone="America/New_York",
        avatar="avatar.jpg",
    )
    assert member.full_name == "John Doe"


def test_member_unknown_role_and_status_are_kept_as_they_came():
    member = Member.from_api({"id": 1, "current_role": "Galactic overlord", "status": "frozen"})

    assert member.role == "Galactic overlord"
    assert member.status == "frozen"


@pytest.mark.parametrize(
    ("payload", "full_name"),
    [
        ({"firstname": " Ann ", "lastname": ""}, "Ann"),
        ({"firstname": "", "lastname": "Lee"}, "Lee"),
        ({"firstname": None, "lastname": None, "email": "a@example.com"}, "a@example.com"),
        ({}, "User 5"),
    ],
)
def test_member_full_name_falls_back_to_the_email(payload, full_name):
    assert Member.from_api({"id": 5, **payload}).full_name == full_name


def test_member_blank_optional_text_becomes_none():
    member = Member.from_api({"id": 5, "team_name": "  ", "title": "", "avatar": None})

    assert member.team_name is None
    assert member.title is None
    assert member.avatar is None


# --------------------------------------------------------------------------- leaves

FULL_LEAVE = {
    "id": LEAVE_ID,
    "user_id": 100,
    "status": "approved",
    "note": "Family vacation",
    "is_paid": "yes",
    "created_by": 100,
    "approved_by": 101,
    "rejected_by": None,
    "reject_reason": None,
    "start_date": "2025-03-03",
    "end_date": "2025-03-07",
    "created_at": "2025-02-19T19:24:55.000000Z",
    "updated_at": "2025-02-20 08:00:00",
    "policy_id": 7,
    "policy_name": "Vacation",
    "total": {"days": 5, "hours": 40},
    "leave_period": 0,
    "something_new": {"nested": [1, 2]},
}


def test_leave_reads_documented_and_extra_fields():
    leave = Leave.from_api(FULL_LEAVE)

    assert leave == Leave(
        id=LEAVE_ID,
        user_id=100,
        status="approved",
        note="Family vacation",
        is_paid=True,
        created_by=100,
        approved_by=101,
        rejected_by=None,
        reject_reason=None,
        start_date=date(2025, 3, 3),
        end_date=date(2025, 3, 7),
        created_at=datetime(2025, 2, 19, 19, 24, 55, tzinfo=UTC),
        decided_at=datetime(2025, 2, 20, 8, 0, tzinfo=UTC),
        policy_id=7,
        policy_name="Vacation",
        total_days=5.0,
        total_hours=40.0,
        leave_period=0,
        start_time=None,
        end_time=None,
    )
    assert leave.decided_by == 101
    assert not leave.is_pending
    assert not leave.is_half_day
    assert not leave.is_hour_based


def test_leave_with_only_the_id_is_read_with_defaults():
    leave = Leave.from_api({"id": LEAVE_ID})

    assert leave.id == LEAVE_ID
    assert leave.status == ""
    assert leave.start_date is None
    assert leave.end_date is None
    assert leave.leave_period == 0
    assert leave.decided_by is None


def test_leave_without_end_date_is_a_one_day_leave():
    leave = Leave.from_api({"id": LEAVE_ID, "start_date": "2025-03-03"})

    assert leave.end_date == date(2025, 3, 3)


@pytest.mark.parametrize(
    ("raw", "status"),
    [("pending", "pending"), (" Pending ", "pending"), ("REJECTED", "rejected")],
)
def test_leave_status_case_is_normalised(raw, status):
    assert Leave.from_api({"id": LEAVE_ID, "status": raw}).status == status


def test_leave_unknown_status_is_kept_raw_and_is_not_pending():
    leave = Leave.from_api({"id": LEAVE_ID, "status": "Cancelled"})

    assert leave.status == "Cancelled"
    assert not leave.is_pending


@pytest.mark.parametrize(
    ("raw", "is_paid"),
    [
        ("yes", True),
        ("no", False),
        ("YES", True),
        (True, True),
        (False, False),
        (1, True),
        (0, False),
        ("true", True),
        ("maybe", None),
        (None, None),
        (7, None),
    ],
)
def test_leave_is_paid_accepts_yes_no_and_booleans(raw, is_paid):
    assert Leave.from_api({"id": LEAVE_ID, "is_paid": raw}).is_paid is is_paid


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2025-02-19T19:24:55.000000Z", datetime(2025, 2, 19, 19, 24, 55, tzinfo=UTC)),
        ("2019-08-24T14:15:22Z", datetime(2019, 8, 24, 14, 15, 22, tzinfo=UTC)),
        ("2025-02-19 19:24:55", datetime(2025, 2, 19, 19, 24, 55, tzinfo=UTC)),
        ("2025-02-19T21:24:55+02:00", datetime(2025, 2, 19, 19, 24, 55, tzinfo=UTC)),
        ("2025-02-19T19:24:55.123456789Z", datetime(2025, 2, 19, 19, 24, 55, 123456, tzinfo=UTC)),
        ("2025-02-19T19:24", datetime(2025, 2, 19, 19, 24, tzinfo=UTC)),
        ("19/02/2025", None),
        ("2025-02-30 10:00:00", None),
        ("", None),
        (1708370695, None),
    ],
)
def test_leave_timestamps_in_mixed_formats_become_aware_utc(raw, expected):
    created_at = Leave.from_api({"id": LEAVE_ID, "created_at": raw}).created_at

    assert created_at == expected
    if created_at is not None:
        assert created_at.utcoffset().total_seconds() == 0


def test_leave_created_on_is_read_when_created_at_is_missing():
    leave = Leave.from_api({"id": LEAVE_ID, "created_on": "2019-08-24T14:15:22Z"})

    assert leave.created_at == datetime(2019, 8, 24, 14, 15, 22, tzinfo=UTC)


def test_leave_decided_at_prefers_decided_at_and_ignores_updates_of_pending_leaves():
    decided = Leave.from_api(
        {
            "id": LEAVE_ID,
            "status": "rejected",
            "decided_at": "2025-01-02T00:00:00Z",
            "updated_at": "2025-01-05T00:00:00Z",
        }
    )
    pending = Leave.from_api(
        {"id": LEAVE_ID, "status": "pending", "updated_at": "2025-01-05T00:00:00Z"}
    )

    assert decided.decided_at == datetime(2025, 1, 2, tzinfo=UTC)
    assert pending.decided_at is None


@pytest.mark.parametrize(("raw", "period"), [(0, 0), (1, 1), (2, 2), ("2", 2), (3, 0), ("x", 0)])
def test_leave_period_unknown_values_mean_a_full_day(raw, period):
    leave = Leave.from_api({"id": LEAVE_ID, "leave_period": raw})

    assert leave.leave_period == period
    assert leave.is_half_day is (period in (1, 2))


def test_hour_based_leave_reads_its_times():
    leave = Leave.from_api({"id": LEAVE_ID, "start_time": "09:00", "end_time": "13:30:00"})

    assert leave.start_time == time(9, 0)
    assert leave.end_time == time(13, 30)
    assert leave.is_hour_based


def test_leave_with_one_or_invalid_time_is_not_hour_based():
    leave = Leave.from_api({"id": LEAVE_ID, "start_time": "09:00", "end_time": "25:00"})

    assert leave.end_time is None
    assert not leave.is_hour_based


def test_leave_wrong_types_are_coerced_or_dropped():
    leave = Leave.from_api(
        {
            "id": 12345,
            "user_id": "100",
            "approved_by": 101.0,
            "rejected_by": "someone",
            "note": ["not", "text"],
            "start_date": 20250303,
            "total": {"days": "0", "hours": "4,5"},
            "policy": {"id": "9", "name": "Sick"},
        }
    )

    assert leave.id == "12345"
    assert leave.user_id == 100
    assert leave.approved_by == 101
    assert leave.rejected_by is None
    assert leave.note is None
    assert leave.start_date is None
    assert leave.total_days == 0.0
    assert leave.total_hours == 4.5
    assert leave.policy_id == 9
    assert leave.policy_name == "Sick"


def test_leave_rejected_by_is_who_decided():
    leave = Leave.from_api({"id": LEAVE_ID, "status": "rejected", "rejected_by": 55})

    assert leave.decided_by == 55


@pytest.mark.parametrize("payload", [{}, {"id": ""}, {"id": "  "}, {"id": None}, {"id": {}}, None])
def test_leave_without_an_id_is_a_bad_response(payload):
    with pytest.raises(BadResponse):
        Leave.from_api(payload)


# --------------------------------------------------------------------------- policies

POLICY = {
    "id": 7,
    "name": "Vacation",
    "time_unit": "days",
    "duration": 20,
    "hours_per_day": 8,
    "is_paid": "yes",
    "allow_negative_balance": False,
    "reason_required": "yes",
}


def test_policy_reads_its_fields():
    policy = Policy.from_api(POLICY)

    assert policy == Policy(
        id=7,
        name="Vacation",
        time_unit="days",
        duration=20.0,
        hours_per_day=8.0,
        is_paid=True,
        allow_negative_balance=False,
        reason_required=True,
    )
    assert not policy.is_hour_based


def test_policies_may_arrive_as_a_list_or_as_an_object_keyed_by_id():
    as_list = Policy.list_from_api([POLICY, {**POLICY, "id": 8, "name": "Sick"}])
    keyed = Policy.list_from_api(
        {"7": {k: v for k, v in POLICY.items() if k != "id"}, "8": {**POLICY, "id": 8}}
    )

    assert [p.id for p in as_list] == [7, 8]
    assert [p.id for p in keyed] == [7, 8]
    assert keyed[0] == as_list[0]


@pytest.mark.parametrize(
    ("raw", "unit", "hour_based"),
    [
        ("days", "days", False),
        ("Days", "days", False),
        ("day", "days", False),
        ("hours", "hours", True),
        ("Hour", "hours", True),
        ("weeks", "weeks", False),
        (None, "days", False),
    ],
)
def test_policy_time_unit_is_normalised_and_unknown_units_kept(raw, unit, hour_based):
    policy = Policy.from_api({"id": 1, "time_unit": raw})

    assert policy.time_unit == unit
    assert policy.is_hour_based is hour_based


def test_policy_missing_flags_default_to_false():
    policy = Policy.from_api({"id": 1, "name": "Unpaid"})

    assert policy.allow_negative_balance is False
    assert policy.reason_required is False
    assert policy.is_paid is None
    assert policy.duration is None


# --------------------------------------------------------------------------- balances


@pytest.mark.parametrize(
    ("text", "value", "unit"),
    [
        ("10 days", Decimal("10"), "days"),
        ("4.5 hours", Decimal("4.5"), "hours"),
        ("6.5 hours", Decimal("6.5"), "hours"),
        ("-1.5 days", Decimal("-1.5"), "days"),
        ("-1 days", Decimal("-1"), "days"),
        ("1 day", Decimal("1"), "days"),
        ("1 hour", Decimal("1"), "hours"),
        ("0 days", Decimal("0"), "days"),
        ("12,5 days", Decimal("12.5"), "days"),
        ("8h", Decimal("8"), "hours"),
        (" 3  Days ", Decimal("3"), "days"),
        ("+2 days", Decimal("2"), "days"),
        ("\u22122 days", Decimal("-2"), "days"),
        ("15", Decimal("15"), None),
        ("n/a", None, None),
        ("", None, None),
        ("1 day 4 hours", None, None),
        ("10 weeks", None, None),
        ("days 10", None, None),
        ("1.2.3 days", None, None),
    ],
)
def test_balance_text_is_parsed_into_number_and_unit(text, value, unit):
    amount = BalanceAmount.parse(text)

    assert amount.text == text
    assert amount.value == value
    assert amount.unit == unit


def test_balance_number_without_text_keeps_its_value():
    assert BalanceAmount.parse(3.5) == BalanceAmount(text="3.5", value=Decimal("3.5"))
    assert BalanceAmount.parse(None) == BalanceAmount(text="")


def test_balance_entry_reads_each_policy_line_and_the_total():
    balance = Balance.from_api(
        {
            "user_id": 100,
            "user_name": "John Doe",
            "leave_information": [
                {"leave_type": "Vacation", "balance": "10 days"},
                {"leave_type": "Sick Leave", "balance": "-1.5 days"},
                "garbage",
                {"leave_type": "Overtime", "balance": "n/a"},
            ],
            "total_balance": "15 days",
        }
    )

    assert balance.user_id == 100
    assert balance.user_name == "John Doe"
    assert balance.amounts == (
        PolicyBalance(
            policy_name="Vacation",
            amount=BalanceAmount(text="10 days", value=Decimal(10), unit="days"),
        ),
        PolicyBalance(
            policy_name="Sick Leave",
            amount=BalanceAmount(text="-1.5 days", value=Decimal("-1.5"), unit="days"),
        ),
        PolicyBalance(policy_name="Overtime", amount=BalanceAmount(text="n/a")),
    )
    assert balance.total == BalanceAmount(text="15 days", value=Decimal(15), unit="days")
    assert balance.for_policy("Vacation").value == Decimal(10)
    assert balance.for_policy("sick leave").value == Decimal("-1.5")
    assert balance.for_policy("Parental") is None


def test_balance_without_lines_or_total_is_empty():
    balance = Balance.from_api({"user_id": "3", "leave_information": None, "total_balance": None})

    assert balance.amounts == ()
    assert balance.total is None


def test_balance_without_user_id_is_a_bad_response():
    with pytest.raises(BadResponse):
        Balance.from_api({"user_name": "Nobody"})


# --------------------------------------------------------------------------- tokens and lists


def test_token_set_repr_never_shows_the_tokens():
    tokens = TokenSet.from_api(
        {
            "access_token": TOKEN,
            "refresh_token": REFRESH_TOKEN,
            "expires_in": 1296000,
            "token_type": "Bearer",
            "scope": "read write",
        }
    )

    assert tokens.access_token == TOKEN
    assert tokens.refresh_token == REFRESH_TOKEN
    assert tokens.expires_in == 1296000
    for text in (repr(tokens), str(tokens), f"{tokens}", repr([tokens])):
        assert TOKEN not in text
        assert REFRESH_TOKEN not in text


def test_token_response_without_access_token_is_a_bad_response():
    with pytest.raises(BadResponse):
        TokenSet.from_api({"token_type": "Bearer"})


@pytest.mark.parametrize(
    ("data", "ids"),
    [
        (None, []),
        ([], []),
        ([{"id": 1}, {"id": 2}], [1, 2]),
        ({"1": {"name": "a"}, "2": {"id": 2}}, ["1", 2]),
        ({"id": 3, "name": "single"}, [3]),
    ],
)
def test_list_payloads_accept_arrays_objects_by_id_and_single_objects(data, ids):
    assert [item["id"] for item in items_from_api(data)] == ids


@pytest.mark.parametrize("data", ["text", 5, [1, 2], [{"id": 1}, None]])
def test_list_payload_of_the_wrong_shape_is_a_bad_response(data):
    with pytest.raises(BadResponse):
        items_from_api(data)


# --------------------------------------------------------------------------- properties

json_scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)
# Values that look like what WebWork sends, so the field parsers are exercised, not skipped.
plausible = (
    json_values
    | st.sampled_from(["yes", "no", "pending", "Owner", "10 days", "-1.5 days", "09:00", "25:99"])
    | st.dates().map(str)
    | st.datetimes().map(lambda d: d.isoformat() + "Z")
    | st.from_regex(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2})?(\.\d+)?(Z|[+-]\d{2}:\d{2})?")
)

KNOWN_FIELDS = sorted(
    set(FULL_LEAVE)
    | set(POLICY)
    | {
        "workspace_name",
        "role",
        "owner_id",
        "email",
        "firstname",
        "lastname",
        "current_role",
        "timezone",
        "team_name",
        "title",
        "avatar",
        "user_name",
        "leave_information",
        "total_balance",
        "decided_at",
        "created_on",
        "policy",
        "start_time",
        "end_time",
        "access_token",
        "refresh_token",
        "expires_in",
        "scope",
        "token_type",
    }
)
payloads = st.fixed_dictionaries({}, optional=dict.fromkeys(KNOWN_FIELDS, plausible)) | json_values

PARSERS = [
    (Workspace.from_api, Workspace),
    (Member.from_api, Member),
    (Leave.from_api, Leave),
    (Policy.from_api, Policy),
    (Policy.list_from_api, list),
    (Balance.from_api, Balance),
    (TokenSet.from_api, TokenSet),
]


@settings(max_examples=200, deadline=None, database=None)
@given(payload=payloads)
def test_parsers_return_a_record_or_raise_bad_response_on_any_json(payload):
    for parse, record_type in PARSERS:
        try:
            parsed = parse(payload)
        except BadResponse:
            continue
        assert isinstance(parsed, record_type), (parse.__qualname__, payload, parsed)
        if record_type is list:
            assert all(isinstance(item, Policy) for item in parsed), parsed


@settings(max_examples=300, deadline=None, database=None)
@given(text=st.text(max_size=40) | st.from_regex(r"[+-]?\d{0,20}([.,]\d{0,20})? ?[a-zA-Z]{0,6}"))
def test_any_balance_text_is_kept_as_it_came(text):
    amount = BalanceAmount.parse(text)

    assert amount.text == text
    assert (amount.unit is None) or (amount.value is not None)
