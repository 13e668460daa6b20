"""Deterministic seed data: the same options and anchor date always give the same world.

Three workspaces: 1 "Northwind Studio" (``members`` people in ``teams`` teams), 2 "Blue Harbor
Labs" (12 people, 2 teams) and 3 "Meridian Works" (8 people, none of them a persona). Leaves
spread over six months either side of the anchor date.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache

from sandbox import names, xss
from sandbox.leave_math import add_working_days, amount_in_unit, conflicts
from sandbox.models import Leave, Membership, Policy, User, Workspace


@dataclass(frozen=True)
class Persona:
    """A demo account with a stable id and email."""

    id: int
    email: str
    firstname: str
    lastname: str
    roles: dict = field(hash=False)
    """Role per workspace id."""


PERSONAS: tuple[Persona, ...] = (
    Persona(1001, "owner@sandbox.test", "Amara", "Okafor", {1: "Owner", 2: "Owner"}),
    Persona(1002, "manager@sandbox.test", "Mateo", "García", {1: "Executive manager"}),
    Persona(1003, "member@sandbox.test", "Yuki", "Tanaka", {1: "Regular User"}),
    Persona(1004, "teamlead@sandbox.test", "Kofi", "Asante", {1: "Team manager"}),
)

# (name, time unit, duration, hours per day, paid, negative balance allowed, reason required)
POLICY_CATALOG: tuple[tuple, ...] = (
    ("Annual leave", "days", 25, 8, True, False, False),
    ("Sick leave", "days", 10, 8, True, True, True),
    ("Unpaid leave", "days", 20, 8, False, False, True),
    ("Medical appointment", "hours", 24, None, True, False, False),
    ("Parental leave", "days", 90, 8, True, False, True),
    ("Study leave", "days", 5, 7.5, True, False, True),
    ("Bereavement leave", "days", 5, 8, True, True, False),
    ("Volunteering day", "hours", 16, 8, True, False, False),
)
POLICY_WEIGHTS = (50, 16, 6, 12, 3, 5, 3, 5)
MULTI_DAY_LENGTH = {
    "Annual leave": (2, 10),
    "Sick leave": (2, 4),
    "Unpaid leave": (3, 10),
    "Parental leave": (10, 30),
    "Study leave": (2, 3),
    "Bereavement leave": (2, 5),
}
START_TIMES = ("08:30", "09:00", "10:00", "13:00", "14:00", "15:30")
HOUR_SPANS = (60, 90, 120, 180, 240)
LEAVES_PER_MEMBER = 6


@dataclass(frozen=True)
class SeedOptions:
    """Size and shape of the seeded world."""

    members: int = 40
    teams: int = 4
    policies: int = 4
    leaves: int | None = None
    """Leaves of workspace 1; None means about 6 per member."""
    seed: int = 1
    hostile: bool = False
    anchor: date | None = None
    """Dates are placed around this day; None means today."""


@dataclass
class SeedData:
    """Everything the store starts with."""

    workspaces: dict[int, Workspace] = field(default_factory=dict)
    users: dict[int, User] = field(default_factory=dict)
    memberships: dict[tuple[int, int], Membership] = field(default_factory=dict)
    policies: dict[int, Policy] = field(default_factory=dict)
    leaves: dict[str, Leave] = field(default_factory=dict)


def _check(options: SeedOptions) -> None:
    if not 4 <= options.members <= 999:
        raise ValueError("members must be between 4 and 999")
    if not 1 <= options.teams <= len(names.TEAMS):
        raise ValueError(f"teams must be between 1 and {len(names.TEAMS)}")
    if not 1 <= options.policies <= 99:
        raise ValueError("policies must be between 1 and 99")
    if options.leaves is not None and options.leaves < 0:
        raise ValueError("leaves must not be negative")


@lru_cache(maxsize=16)
def generate(options: SeedOptions) -> SeedData:
    """Build the seeded world for ``options`` (cached: callers must copy before changing)."""
    _check(options)
    anchor = options.anchor or datetime.now(UTC).date()
    data = SeedData()
    builder = _Builder(data, options, anchor)
    builder.build()
    if options.hostile:
        _make_hostile(data)
    return data


def _at(day: date, hour: int = 9, minute: int = 0, second: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute, second), tzinfo=UTC)


class _Builder:
    def __init__(self, data: SeedData, options: SeedOptions, anchor: date):
        self.data = data
        self.options = options
        self.anchor = anchor
        self.anchor_dt = _at(anchor, 0)
        self.used_names: set[tuple[str, str]] = set()
        self.used_emails: set[str] = set()

    def rng(self, label: str) -> random.Random:
        return random.Random(f"{self.options.seed}:{label}")

    # -------------------------------------------------------------- structure

    def build(self) -> None:
        opts = self.options
        for persona in PERSONAS:
            self._add_user(
                persona.id, persona.email, persona.firstname, persona.lastname, "Europe/London"
            )
        self.data.users[1002].timezone = "Europe/Madrid"
        self.data.users[1003].timezone = "Asia/Tokyo"
        self.data.users[1004].timezone = "Africa/Accra"
        self.data.users[1001].avatar = "amara.jpg"

        teams1 = list(names.TEAMS[: opts.teams])
        self._workspace(1, "Northwind Studio", 1001, 940)
        ids1 = list(range(1001, 1001 + opts.members))
        self._members(1, ids1, teams1, "northwind.test")
        self._policies(1)

        self._workspace(2, "Blue Harbor Labs", 1001, 420)
        shared = [i for i in (1005, 1006) if i in self.data.users]
        ids2 = [1001, *shared, *range(2001, 2001 + 11 - len(shared))]
        self._members(2, ids2, ["Research", "Field Operations"], "blueharbor.test")
        self._policies(2)

        self._workspace(3, "Meridian Works", 3001, 610)
        self._members(
            3,
            list(range(3001, 3009)),
            ["Studio", "Client Services"],
            "meridian.test",
            roles={3002: "Executive manager"},
        )
        self._policies(3)

        count1 = opts.leaves if opts.leaves is not None else LEAVES_PER_MEMBER * opts.members
        _LeaveMaker(self, 1, [1001, 1002], showcase=True).make(count1)
        _LeaveMaker(self, 2, [1001], showcase=False).make(LEAVES_PER_MEMBER * len(ids2))
        _LeaveMaker(self, 3, [3001, 3002], showcase=False).make(LEAVES_PER_MEMBER * 8)

    def _workspace(self, ws_id: int, name: str, owner: int, age_days: int) -> None:
        created = _at(self.anchor - timedelta(days=age_days), 19, 24, 55)
        self.data.workspaces[ws_id] = Workspace(
            ws_id, name, owner, created, created + timedelta(minutes=3)
        )

    def _add_user(self, user_id, email, first, last, tz, avatar=None) -> User:
        user = User(user_id, email, first, last, tz, avatar)
        self.data.users[user_id] = user
        self.used_names.add((first, last))
        self.used_emails.add(email)
        return user

    def _new_user(self, rng: random.Random, user_id: int, domain: str) -> User:
        for _ in range(12):
            firsts, lasts, zones = rng.choice(names.POOLS)
            first, first_ascii = rng.choice(firsts)
            last, last_ascii = rng.choice(lasts)
            if (first, last) not in self.used_names:
                break
        email = f"{first_ascii}.{last_ascii}@{domain}"
        number = 2
        while email in self.used_emails:
            email = f"{first_ascii}.{last_ascii}{number}@{domain}"
            number += 1
        avatar = f"avatar_{user_id}.jpg" if rng.random() < 0.6 else None
        return self._add_user(user_id, email, first, last, rng.choice(zones), avatar)

    def _members(
        self, ws_id: int, ids: list[int], teams: list[str], domain: str, roles=None
    ) -> None:
        rng = self.rng(f"members:{ws_id}")
        roles = roles or {}
        others = [i for i in ids if i not in {p.id for p in PERSONAS}]
        team_of = {uid: teams[n % len(teams)] for n, uid in enumerate(others)}
        team_leads = {}
        for uid in others:
            team_leads.setdefault(team_of[uid], uid)
        quiet = [uid for uid in others if uid not in team_leads.values() and uid not in roles]
        specials = {}
        if len(quiet) >= 6:
            picks = rng.sample(quiet, 5)
            specials = {
                picks[0]: ("Project manager", "active"),
                picks[1]: ("Project viewer", "active"),
                picks[2]: ("Regular User", "inactive"),
                picks[3]: ("Regular User", "inactive"),
                picks[4]: ("Regular User", "left"),
            }
        owner = self.data.workspaces[ws_id].owner_id
        for uid in ids:
            user = self.data.users.get(uid) or self._new_user(rng, uid, domain)
            persona = next((p for p in PERSONAS if p.id == uid), None)
            role, status = "Regular User", "active"
            team = team_of.get(uid)
            title = None
            if persona is not None:
                role = persona.roles.get(ws_id, "Regular User")
                team, title = self._persona_place(uid, teams)
            else:
                if uid == owner:
                    role, team, title = "Owner", None, "Managing Director"
                elif uid in roles:
                    role, title = roles[uid], "Director"
                elif team_leads.get(team) == uid:
                    role = "Team manager"
                    title = f"{team} Lead"
                else:
                    role, status = specials.get(uid, (role, status))
                if title is None:
                    title = rng.choice(names.TITLES.get(team, (f"{team} Specialist",)))
            created = _at(self.anchor - timedelta(days=rng.randint(30, 900)), 10, 15)
            self.data.memberships[(ws_id, user.id)] = Membership(
                workspace_id=ws_id,
                user_id=user.id,
                role=role,
                created_at=created,
                status=status,
                team_name=team,
                title=title,
                weekly_hours_limit=rng.choice((40, 40, 40, 20, None)),
            )

    @staticmethod
    def _persona_place(uid: int, teams: list[str]) -> tuple[str | None, str]:
        first, last = teams[0], teams[-1] if len(teams) < 4 else teams[3]
        return {
            1001: (None, "Founder & CEO"),
            1002: (last, "Head of Operations"),
            1003: (first, "Software Engineer"),
            1004: (first, "Engineering Manager"),
        }[uid]

    def _policies(self, ws_id: int) -> None:
        for n in range(self.options.policies):
            name, unit, duration, per_day, paid, negative, reason = POLICY_CATALOG[
                n % len(POLICY_CATALOG)
            ]
            if n >= len(POLICY_CATALOG):
                name = f"{name} ({n // len(POLICY_CATALOG) + 1})"
            policy_id = ws_id * 100 + n + 1
            self.data.policies[policy_id] = Policy(
                policy_id, ws_id, name, unit, duration, per_day, paid, negative, reason
            )


class _LeaveMaker:
    """Places leaves for one workspace: no self-overlap, balances respected."""

    def __init__(self, builder: _Builder, ws_id: int, deciders: list[int], showcase: bool):
        self.b = builder
        self.ws_id = ws_id
        self.deciders = deciders
        self.showcase = showcase
        self.rng = builder.rng(f"leaves:{ws_id}")
        self.anchor = builder.anchor
        self.policies = [p for p in builder.data.policies.values() if p.workspace_id == ws_id]
        self.members = [m for (w, _), m in sorted(builder.data.memberships.items()) if w == ws_id]
        self.by_user: dict[int, list[Leave]] = {m.user_id: [] for m in self.members}
        self.used: dict[tuple[int, int, int], float] = {}
        self.made: list[Leave] = []

    def policy(self, name: str) -> Policy | None:
        return next((p for p in self.policies if p.name == name), None)

    def make(self, count: int) -> None:
        if count <= 0:
            return
        if self.showcase and count >= 20:
            self._showcase()
        order = list(self.members)
        self.rng.shuffle(order)
        weights = [POLICY_WEIGHTS[n % len(POLICY_WEIGHTS)] for n in range(len(self.policies))]
        k = 0
        while len(self.made) < count and k < count * 3:
            member = order[k % len(order)]
            k += 1
            policy = self.rng.choices(self.policies, weights)[0]
            for _ in range(6):
                leave = self._draft(member, policy, k)
                if leave is not None and self._fits(leave):
                    self._place(leave)
                    break

    def _draft(self, member: Membership, policy: Policy, k: int) -> Leave | None:
        rng = self.rng
        mates = [
            lv
            for lv in self.made[-60:]
            if lv.user_id != member.user_id and self._team(lv.user_id) == member.team_name
        ]
        if k % 8 == 0 and mates and policy.time_unit == "days":
            other = rng.choice(mates)
            return self._leave(member, policy, other.start_date, other.end_date)
        offset = rng.randint(-182, 182)
        if policy.name == "Sick leave" and offset > 3:
            offset = -rng.randint(1, 182)
        if member.status != "active" and offset > 0:
            offset = -offset
        start = add_working_days(self.anchor + timedelta(days=offset), 1)
        if policy.time_unit == "hours":
            begin = rng.choice(START_TIMES)
            span = rng.choice(HOUR_SPANS)
            end_minutes = int(begin[:2]) * 60 + int(begin[3:]) + span
            end_time = f"{end_minutes // 60:02d}:{end_minutes % 60:02d}"
            return self._leave(member, policy, start, start, start_time=begin, end_time=end_time)
        shape = rng.random()
        if shape < 0.15:
            return self._leave(member, policy, start, start, leave_period=rng.choice((1, 2)))
        if shape < 0.45:
            return self._leave(member, policy, start, start)
        low, high = MULTI_DAY_LENGTH.get(policy.name, (2, 5))
        end = add_working_days(start, rng.randint(low, high))
        return self._leave(member, policy, start, end)

    def _team(self, user_id: int) -> str | None:
        membership = self.b.data.memberships.get((self.ws_id, user_id))
        return membership.team_name if membership else None

    def _leave(self, member, policy, start, end, **shape) -> Leave:
        rng = self.rng
        notes = names.NOTES.get(policy.name.split(" (")[0], (None,))
        return Leave(
            id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            workspace_id=self.ws_id,
            user_id=member.user_id,
            policy_id=policy.id,
            status="pending",
            start_date=start,
            end_date=end,
            created_by=member.user_id,
            created_at=self.b.anchor_dt,
            is_paid=policy.is_paid,
            note=rng.choice(notes),
            show_end_date=not (start == end and rng.random() < 0.5),
            **shape,
        )

    def _fits(self, leave: Leave) -> bool:
        return not any(conflicts(leave, other) for other in self.by_user[leave.user_id])

    def _place(self, leave: Leave, status: str | None = None, reason: str | None = None) -> None:
        rng = self.rng
        policy = self.b.data.policies[leave.policy_id]
        status = status or self._pick_status(leave)
        if status == "approved" and not self._within_balance(leave, policy):
            status, reason = "rejected", "Insufficient leave balance"
        created = self._created_at(leave, policy)
        leave.created_at = created
        leave.updated_at = created
        if rng.random() < 0.1:
            leave.created_by = rng.choice(self.deciders)
        if status != "pending":
            by = rng.choice(self.deciders)
            decided = min(created + timedelta(minutes=rng.randint(45, 72 * 60)), self.b.anchor_dt)
            leave.decided_at = max(decided, created + timedelta(minutes=5))
            leave.updated_at = leave.decided_at
            if status == "approved":
                leave.approved_by = by
                self._use(leave, policy)
            else:
                leave.rejected_by = by
                leave.reject_reason = reason or rng.choice(names.REJECT_REASONS)
        leave.status = status
        if status != "rejected":
            self.by_user[leave.user_id].append(leave)
        self.made.append(leave)
        self.b.data.leaves[leave.id] = leave

    def _pick_status(self, leave: Leave) -> str:
        roll = self.rng.random()
        if leave.end_date < self.anchor - timedelta(days=14):
            return "approved" if roll < 0.85 else "rejected"
        if leave.start_date <= self.anchor:
            return "pending" if roll < 0.35 else "approved" if roll < 0.9 else "rejected"
        return "pending" if roll < 0.17 else "approved" if roll < 0.87 else "rejected"

    def _created_at(self, leave: Leave, policy: Policy) -> datetime:
        rng = self.rng
        if policy.name == "Sick leave":
            day = leave.start_date + timedelta(days=rng.randint(0, 2))
        else:
            day = leave.start_date - timedelta(days=rng.randint(3, 45))
        created = _at(day, rng.randint(7, 19), rng.randint(0, 59), rng.randint(0, 59))
        if created >= self.b.anchor_dt:
            hours = rng.randint(20, 24 * 21)
            created = self.b.anchor_dt - timedelta(hours=hours, minutes=rng.randint(0, 59))
        return created

    def _years(self, leave: Leave) -> range:
        return range(leave.start_date.year, leave.end_date.year + 1)

    def _within_balance(self, leave: Leave, policy: Policy) -> bool:
        if policy.allow_negative_balance:
            return True
        for year in self._years(leave):
            amount = amount_in_unit(leave, policy, date(year, 1, 1), date(year, 12, 31))
            if self.used.get((leave.user_id, policy.id, year), 0) + amount > policy.duration:
                return False
        return True

    def _use(self, leave: Leave, policy: Policy) -> None:
        for year in self._years(leave):
            key = (leave.user_id, policy.id, year)
            amount = amount_in_unit(leave, policy, date(year, 1, 1), date(year, 12, 31))
            self.used[key] = self.used.get(key, 0) + amount

    def _showcase(self) -> None:
        """A few fixed pending requests so every shape is always present in workspace 1."""
        members = {m.user_id: m for m in self.members}
        regular = [m for m in self.members if m.user_id > 1004 and m.status == "active"]
        annual, sick = self.policy("Annual leave"), self.policy("Sick leave")
        medical, unpaid = self.policy("Medical appointment"), self.policy("Unpaid leave")
        wednesday = self.anchor + timedelta(
            days=10 + (2 - (self.anchor + timedelta(10)).weekday()) % 7
        )
        plans = []
        if annual:
            plans.append((members[1003], annual, wednesday, 5, {}, "pending", "家族旅行"))
            plans.append(
                (members[1004], annual, wednesday + timedelta(days=1), 2, {}, "pending", None)
            )
            plans.append(
                (members[1002], annual, self.anchor - timedelta(days=60), 3, {}, "approved", None)
            )
        if annual and len(regular) >= 2:
            soon = add_working_days(self.anchor + timedelta(days=7), 1)
            plans.append((regular[0], annual, soon, 1, {"leave_period": 1}, "pending", None))
            plans.append(
                (
                    regular[1],
                    annual,
                    soon + timedelta(days=1),
                    1,
                    {"leave_period": 2},
                    "pending",
                    "Rendez-vous chez le notaire l'après-midi",
                )
            )
        if medical and len(regular) >= 3:
            day = add_working_days(self.anchor + timedelta(days=3), 1)
            times = {"start_time": "10:00", "end_time": "12:30"}
            plans.append((regular[2], medical, day, 1, times, "pending", "Dentist"))
        if sick and len(regular) >= 4:
            day = add_working_days(self.anchor - timedelta(days=4), 1)
            plans.append((regular[3], sick, day, 2, {}, "pending", "حمى وصداع"))
        if unpaid and len(regular) >= 5:
            day = add_working_days(self.anchor + timedelta(days=30), 1)
            plans.append((regular[4], unpaid, day, 4, {}, "rejected", "Moving house abroad"))
        for member, policy, start, days, shape, status, note in plans:
            start = add_working_days(start, 1)
            leave = self._leave(member, policy, start, add_working_days(start, days), **shape)
            leave.note = note
            leave.show_end_date = True
            if self._fits(leave):
                self._place(leave, status)


def _make_hostile(data: SeedData) -> None:
    """Replace every served text field with corpus payloads (emails stay usable)."""
    for ws in data.workspaces.values():
        ws.name = xss.payload(ws.id * 3)
    for n, user in enumerate(sorted(data.users.values(), key=lambda u: u.id)):
        user.firstname = xss.payload(n)
        user.lastname = xss.payload(n + 7)
        user.avatar = xss.url_payload(n)
    for ws_id in data.workspaces:
        members = [m for (w, _), m in sorted(data.memberships.items()) if w == ws_id]
        teams = sorted({m.team_name for m in members if m.team_name})
        renamed = dict(zip(teams, xss.distinct_payloads(len(teams), ws_id * 5), strict=True))
        for n, membership in enumerate(members):
            if membership.team_name:
                membership.team_name = renamed[membership.team_name]
            if membership.title:
                membership.title = xss.payload(n + 13)
        policies = sorted(
            (p for p in data.policies.values() if p.workspace_id == ws_id), key=lambda p: p.id
        )
        for policy, text in zip(
            policies, xss.distinct_payloads(len(policies), ws_id * 11), strict=True
        ):
            policy.name = text
    for n, leave in enumerate(data.leaves.values()):
        leave.note = xss.payload(n + 3)
        if leave.status == "rejected":
            leave.reject_reason = xss.payload(n + 19)
