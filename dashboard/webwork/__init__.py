"""The one door to WebWork: an HTTP client, typed errors and frozen records.

`client` says what is asked; `requester`, `transport` and `error_mapping` say how; `records`
parse the answers; `errors` are what callers branch on.
"""

from .calls import CallRecord, record_calls
from .client import WebWorkClient, probe, refresh_access_token
from .errors import (
    AuthExpired,
    BadResponse,
    Forbidden,
    NoLongerPending,
    NotFound,
    OverBudget,
    RateLimited,
    Unavailable,
    ValidationFailed,
    WebWorkError,
)
from .records import (
    Balance,
    BalanceAmount,
    Leave,
    LeavePeriod,
    LeaveStatus,
    Member,
    Policy,
    PolicyBalance,
    TokenSet,
    Workspace,
)
from .requester import CallGate, RateLimitStatus

__all__ = [
    "AuthExpired",
    "BadResponse",
    "Balance",
    "BalanceAmount",
    "CallGate",
    "CallRecord",
    "Forbidden",
    "Leave",
    "LeavePeriod",
    "LeaveStatus",
    "Member",
    "NoLongerPending",
    "NotFound",
    "OverBudget",
    "Policy",
    "PolicyBalance",
    "RateLimitStatus",
    "RateLimited",
    "TokenSet",
    "Unavailable",
    "ValidationFailed",
    "WebWorkClient",
    "WebWorkError",
    "Workspace",
    "probe",
    "record_calls",
    "refresh_access_token",
]
