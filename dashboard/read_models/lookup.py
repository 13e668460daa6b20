"""Members, policies and balances by key: how every read model names a leave's people and policy."""

from dataclasses import dataclass

from django.utils.translation import gettext

from dashboard.webwork import Balance, Leave, Member, Policy


def no_team() -> str:
    """The group (and team filter) of members without a team, in the active language."""
    return gettext("No team")


def member_fallback_name(member_id: object) -> str:
    """'Member #42': a member WebWork no longer lists."""
    return gettext("Member #%(id)s") % {"id": member_id}


@dataclass(frozen=True)
class Lookup:
    """Members, policies and balances by key, for building rows."""

    members: dict[int, Member]
    policies_by_id: dict[int, Policy]
    policies_by_name: dict[str, Policy]
    balances: dict[int, Balance]

    @classmethod
    def build(cls, members, policies, balances) -> "Lookup":
        """Index the lists (any of them may be None when its read failed)."""
        return cls(
            members={m.id: m for m in members or ()},
            policies_by_id={p.id: p for p in policies or ()},
            policies_by_name={p.name: p for p in policies or ()},
            balances={b.user_id: b for b in balances or ()},
        )

    def member_name(self, member_id: int | None) -> str:
        """Full name, else 'Member #id'."""
        member = self.members.get(member_id) if member_id is not None else None
        return member.full_name if member else member_fallback_name(member_id)

    def member_zone(self, member_id: int | None) -> str | None:
        """The member's time zone as WebWork names it (hour-based leave is in their hours)."""
        member = self.members.get(member_id) if member_id is not None else None
        return member.timezone if member else None

    def policy_for(self, leave: Leave) -> Policy | None:
        """The leave's policy by id, else by name."""
        if leave.policy_id is not None and leave.policy_id in self.policies_by_id:
            return self.policies_by_id[leave.policy_id]
        return self.policies_by_name.get(leave.policy_name or "")

    def policy_name(self, leave: Leave) -> str:
        """The policy's name as we know it, else as WebWork wrote it on the leave, else "Leave"."""
        policy = self.policy_for(leave)
        return policy.name if policy else (leave.policy_name or gettext("Leave"))
