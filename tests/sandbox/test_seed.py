import time
from collections import Counter
from datetime import date, timedelta

import pytest
import requests

from sandbox import seed, xss
from sandbox.leave_math import amount_in_unit, conflicts
from sandbox.models import MANAGER_ROLES
from sandbox.state import SandboxState

ANCHOR = date(2026, 3, 18)


def _world(state: SandboxState) -> dict:
    return {
        ws: {
            "members": state.members_for(ws),
            "policies": state.policies_for(ws),
            "leaves": state.leaves_for(ws),
        }
        for ws in state.workspaces
    }


def _live(state):
    return [lv for lv in state.leaves.values() if lv.status != "rejected"]


def test_same_seed_and_anchor_give_identical_data():
    seed.generate.cache_clear()
    first = _world(SandboxState(anchor=ANCHOR))
    seed.generate.cache_clear()
    second = _world(SandboxState(anchor=ANCHOR))
    assert first == second


def test_another_seed_gives_other_data():
    first = _world(SandboxState(anchor=ANCHOR, seed=1))
    other = _world(SandboxState(anchor=ANCHOR, seed=2))
    assert first[1]["leaves"] != other[1]["leaves"]
    assert [m["id"] for m in first[1]["members"]] == [m["id"] for m in other[1]["members"]]


def test_personas_have_stable_ids_emails_and_roles():
    state = SandboxState(anchor=ANCHOR)
    expected = {
        1001: ("owner@sandbox.test", "Amara Okafor", {1: "Owner", 2: "Owner"}),
        1002: ("manager@sandbox.test", "Mateo García", {1: "Executive manager"}),
        1003: ("member@sandbox.test", "Yuki Tanaka", {1: "Regular User"}),
        1004: ("teamlead@sandbox.test", "Kofi Asante", {1: "Team manager"}),
    }
    for user_id, (email, name, roles) in expected.items():
        user = state.users[user_id]
        assert (user.email, user.full_name) == (email, name)
        places = {w["id"]: w["role"] for w in state.workspaces_for(user_id)}
        assert places == roles


def test_workspaces_and_teams():
    state = SandboxState(anchor=ANCHOR)
    names = {ws.id: ws.name for ws in state.workspaces.values()}
    assert names == {1: "Northwind Studio", 2: "Blue Harbor Labs", 3: "Meridian Works"}
    teams = {ws: {m["team_name"] for m in state.members_for(ws) if m["team_name"]} for ws in names}
    assert teams[1] == {"Engineering", "Design", "Customer Success", "Operations"}
    assert len(teams[2]) == 2
    assert [len(state.members_for(ws)) for ws in (1, 2, 3)] == [40, 12, 8]
    persona_ids = {p.id for p in seed.PERSONAS}
    assert not persona_ids & {m["id"] for m in state.members_for(3)}
    managers3 = [m for m in state.members_for(3) if m["current_role"] in MANAGER_ROLES]
    assert managers3


def test_a_person_keeps_one_id_across_workspaces():
    state = SandboxState(anchor=ANCHOR)
    in_1 = {m["id"]: m["email"] for m in state.members_for(1)}
    in_2 = {m["id"]: m["email"] for m in state.members_for(2)}
    shared = set(in_1) & set(in_2)
    assert {1001, 1005, 1006} <= shared
    assert all(in_1[i] == in_2[i] for i in shared)


def test_member_names_are_international_and_emails_unique():
    state = SandboxState(anchor=ANCHOR, members=200)
    names = " ".join(u.full_name for u in state.users.values())
    assert any(ord(ch) > 0x3000 for ch in names)  # CJK
    assert any("\u0400" <= ch <= "\u04ff" for ch in names)  # Cyrillic
    assert any("\u0600" <= ch <= "\u06ff" for ch in names)  # Arabic
    emails = [u.email for u in state.users.values()]
    assert len(emails) == len(set(emails))
    assert all(e.isascii() for e in emails)


def test_policies_catalogue():
    state = SandboxState(anchor=ANCHOR, policies=6)
    policies = {p["name"]: p for p in state.policies_for(1)}
    assert list(policies) == [
        "Annual leave",
        "Sick leave",
        "Unpaid leave",
        "Medical appointment",
        "Parental leave",
        "Study leave",
    ]
    annual = policies["Annual leave"]
    assert (annual["time_unit"], annual["duration"], annual["is_paid"]) == ("days", 25, "yes")
    assert annual["allow_negative_balance"] is False
    assert annual["reason_required"] is False
    assert annual["hours_per_day"] == 8
    sick = policies["Sick leave"]
    assert (sick["duration"], sick["allow_negative_balance"], sick["reason_required"]) == (
        10,
        True,
        True,
    )
    assert policies["Unpaid leave"]["is_paid"] == "no"
    assert policies["Medical appointment"]["time_unit"] == "hours"
    ids = [p["id"] for ws in (1, 2, 3) for p in state.policies_for(ws)]
    assert len(ids) == len(set(ids))


def test_leave_volume_and_status_mix():
    state = SandboxState(anchor=ANCHOR)
    leaves = state.leaves_for(1)
    assert 200 <= len(leaves) <= 260
    statuses = Counter(lv["status"] for lv in leaves)
    assert 0.05 <= statuses["pending"] / len(leaves) <= 0.2
    assert statuses["approved"] > statuses["rejected"] > 0


def test_leaves_stay_within_six_months_of_the_anchor():
    state = SandboxState(anchor=ANCHOR)
    for leave in state.leaves.values():
        assert ANCHOR - timedelta(days=190) <= leave.start_date <= ANCHOR + timedelta(days=190)


def test_pending_leaves_are_future_or_recent_and_wait_for_different_times():
    state = SandboxState(anchor=ANCHOR)
    pending = [lv for lv in state.leaves.values() if lv.status == "pending"]
    assert all(lv.end_date >= ANCHOR - timedelta(days=14) for lv in pending)
    assert len({lv.created_at for lv in pending}) == len(pending)
    assert all(lv.created_at.date() < ANCHOR for lv in state.leaves.values())


def test_leaves_cover_every_shape():
    state = SandboxState(anchor=ANCHOR)
    leaves = list(state.leaves.values())
    assert {lv.leave_period for lv in leaves} >= {0, 1, 2}
    assert any(lv.start_time and lv.end_time for lv in leaves)
    across_weekend = [
        lv
        for lv in leaves
        if any(
            (lv.start_date + timedelta(n)).weekday() >= 5
            for n in range((lv.end_date - lv.start_date).days)
        )
    ]
    assert across_weekend
    pending_shapes = {
        ("half", lv.leave_period) if lv.leave_period else ("hours" if lv.start_time else "day")
        for lv in leaves
        if lv.status == "pending" and lv.workspace_id == 1
    }
    assert {("half", 1), ("half", 2), "hours", "day"} <= pending_shapes


def test_some_single_day_leaves_leave_out_end_date():
    state = SandboxState(anchor=ANCHOR)
    leaves = state.leaves_for(1)
    single = [lv for lv in leaves if lv.get("end_date", lv["start_date"]) == lv["start_date"]]
    without = [lv for lv in single if "end_date" not in lv]
    assert 0.3 <= len(without) / len(single) <= 0.7
    assert all("end_date" in lv for lv in leaves if lv not in single)


def test_teammates_overlap_but_nobody_overlaps_themselves():
    state = SandboxState(anchor=ANCHOR)
    live = _live(state)
    team = {(m.workspace_id, m.user_id): m.team_name for m in state.memberships.values()}
    team_overlaps = [
        (a, b)
        for a in live
        for b in live
        if a.id < b.id
        and a.workspace_id == b.workspace_id
        and a.user_id != b.user_id
        and team[(a.workspace_id, a.user_id)] == team[(b.workspace_id, b.user_id)]
        and conflicts(a, b)
    ]
    assert len(team_overlaps) >= 5
    for a in live:
        for b in live:
            if a.id < b.id and a.user_id == b.user_id and a.workspace_id == b.workspace_id:
                assert not conflicts(a, b), (a, b)


def test_decisions_are_recorded_by_a_manager():
    state = SandboxState(anchor=ANCHOR)
    for leave in state.leaves_for(1):
        if leave["status"] == "approved":
            assert leave["approved_by"] in (1001, 1002)
            assert leave["rejected_by"] is None
        if leave["status"] == "rejected":
            assert leave["rejected_by"] in (1001, 1002)
            assert leave["reject_reason"]
        if leave["status"] == "pending":
            assert leave["approved_by"] is leave["rejected_by"] is leave["decided_at"] is None


def test_notes_come_in_several_languages():
    state = SandboxState(anchor=ANCHOR)
    notes = {lv.note for lv in state.leaves.values() if lv.note}
    assert any(not note.isascii() for note in notes)
    assert any(note.isascii() for note in notes)
    assert any(lv.note is None for lv in state.leaves.values())


def test_approved_leave_never_exceeds_a_strict_balance():
    state = SandboxState(anchor=ANCHOR)
    used = Counter()
    for leave in state.leaves.values():
        policy = state.policies[leave.policy_id]
        if leave.status == "approved" and not policy.allow_negative_balance:
            for year in range(leave.start_date.year, leave.end_date.year + 1):
                window = (date(year, 1, 1), date(year, 12, 31))
                used[(leave.user_id, policy.id, year)] += amount_in_unit(leave, policy, *window)
    assert used
    for (_, policy_id, _), amount in used.items():
        assert amount <= state.policies[policy_id].duration


def test_size_knob_builds_a_big_world_quickly():
    seed.generate.cache_clear()
    started = time.perf_counter()
    state = SandboxState(anchor=ANCHOR, members=500, teams=20, policies=6, leaves=5000)
    elapsed = time.perf_counter() - started
    assert elapsed < 5
    members = state.members_for(1)
    assert len(members) == 500
    assert len({m["team_name"] for m in members if m["team_name"]}) == 20
    assert len(state.policies_for(1)) == 6
    assert 4900 <= len(state.leaves_for(1)) <= 5000


def test_reset_reuses_the_generated_world():
    """Tests reset the sandbox constantly: a reset copies the seeded world, never rebuilds it."""
    state = SandboxState()
    state.reset()
    before = seed.generate.cache_info()
    for _ in range(10):
        state.reset()
    after = seed.generate.cache_info()
    assert (after.misses, after.hits) == (before.misses, before.hits + 10)


@pytest.mark.parametrize(
    "options", [{"members": 3}, {"teams": 0}, {"teams": 99}, {"policies": 0}, {"leaves": -1}]
)
def test_bad_seed_options_are_refused(options):
    with pytest.raises(ValueError):  # noqa: PT011 - the message names the option
        SandboxState(**options)


# ---------------------------------------------------------------------- hostile mode


def test_corpus_has_the_payload_families():
    assert len(xss.PAYLOADS) >= 40
    assert len(set(xss.PAYLOADS)) == len(xss.PAYLOADS)
    text = "\n".join(xss.PAYLOADS)
    for needle in (
        "<script>",
        "onerror=",
        "<svg onload",
        '"><script>',
        "javascript:",
        'hx-get="/x" hx-trigger="load"',
        "{{ 7*7 }}",
        "{% debug %}",
        "\u202e",
        "\u200b",
    ):
        assert needle in text, needle
    assert max(len(p) for p in xss.PAYLOADS) > 4000
    runnable = [p for p in xss.PAYLOADS if "<script" in p.lower() or "on" in p]
    assert all("__pwned" in p or "alert" in p for p in runnable if "<script>" in p)


def _hostile_fields(sandbox, headers):
    def get(path, **params):
        response = requests.get(
            f"{sandbox.api_url}{path}", params=params, headers=headers, timeout=5
        )
        assert response.status_code == 200, response.text
        return response.json()["data"]

    found = []
    for workspace in get("/workspaces"):
        found.append(("workspace_name", workspace["workspace_name"]))
        ws = workspace["id"]
        for member in get("/members", workspace_id=ws, per_page=100):
            for field in ("firstname", "lastname", "team_name", "title", "avatar"):
                found.append((field, member[field]))
        for policy in get("/leaves/policies", workspace_id=ws):
            found.append(("policy name", policy["name"]))
        for page in (1, 2, 3):
            for leave in get("/leaves", workspace_id=ws, per_page=100, page=page):
                found.append(("note", leave["note"]))
                found.append(("policy_name", leave["policy_name"]))
                if leave["status"] == "rejected":
                    found.append(("reject_reason", leave["reject_reason"]))
        for entry in get("/leaves/balances", workspace_id=ws, per_page=100):
            found.append(("user_name", entry["user_name"]))
            found.extend(("leave_type", i["leave_type"]) for i in entry["leave_information"])
    return found


@pytest.mark.sandbox_seed(hostile=True)
def test_hostile_seed_puts_payloads_in_every_text_field(sandbox, owner_headers):
    found = _hostile_fields(sandbox, owner_headers)
    fields = {field for field, _ in found}
    assert fields == {
        "workspace_name",
        "firstname",
        "lastname",
        "team_name",
        "title",
        "avatar",
        "policy name",
        "note",
        "policy_name",
        "reject_reason",
        "user_name",
        "leave_type",
    }
    for field, value in found:
        if field == "team_name" and value is None:
            continue  # owners are in no team
        if field == "user_name":
            assert any(p in value for p in xss.PAYLOADS), value
        else:
            assert xss.is_hostile(value), (field, value)
    used = {value for _, value in found}
    assert len(used & set(xss.PAYLOADS)) >= 40


@pytest.mark.sandbox_seed(hostile=True)
def test_hostile_seed_keeps_logins_and_distinct_policy_and_team_names(sandbox):
    state = sandbox.state
    assert state.user_by_email("owner@sandbox.test").id == 1001
    for ws in state.workspaces:
        names = [p["name"] for p in state.policies_for(ws)]
        assert len(names) == len(set(names))
    teams_before = len({m["team_name"] for m in SandboxState().members_for(1) if m["team_name"]})
    teams_after = {m["team_name"] for m in state.members_for(1) if m["team_name"]}
    assert len(teams_after) == teams_before
