"""The one door to WebWork: an HTTP client, typed errors and frozen records."""

from .calls import CallRecord, record_calls
from .client import WebWorkClient, probe, refresh_access_token
from .errors import (
    AuthExpired,
    BadResponse,
    Forbidden,
    NoLongerPending,
    NotFound,
    RateLimited,
    Unavailable,
    ValidationFailed,
    WebWorkError,
)
from .records import (
    Balance,
    BalanceAmount,
    Leave,
    Member,
    Policy,
    PolicyBalance,
    RateLimitStatus,
    TokenSet,
    Workspace,
)

__all__ = [
    "AuthExpired",
    "BadResponse",
    "Balance",
    "BalanceAmount",
    "CallRecord",
    "Forbidden",
    "Leave",
    "Member",
    "NoLongerPending",
    "NotFound",
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
