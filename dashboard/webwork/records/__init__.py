"""Frozen records parsed from WebWork JSON at the edge; the only place that knows its field names.

One module per entity; `parsing` holds the tolerant readers they share. Only a payload that is
not an object, or lacks the id that identifies it, raises `BadResponse`.
"""

from .balances import Balance, BalanceAmount, PolicyBalance
from .leaves import Leave, LeavePeriod, LeaveStatus
from .members import Member
from .parsing import items_from_api
from .policies import Policy
from .tokens import TokenSet
from .workspaces import Workspace

__all__ = [
    "Balance",
    "BalanceAmount",
    "Leave",
    "LeavePeriod",
    "LeaveStatus",
    "Member",
    "Policy",
    "PolicyBalance",
    "TokenSet",
    "Workspace",
    "items_from_api",
]
