"""The policies page."""

from dataclasses import dataclass, field

from django.utils.translation import gettext

from dashboard.read_models.common import POLICIES, Notice, failure_notice, notices_for
from dashboard.selectors import fetch_parallel, policy_list
from dashboard.webwork import Policy


@dataclass(kw_only=True)
class PolicyPage:
    """Policies and notices."""

    policies: list[Policy] = field(default_factory=list)
    unavailable: bool = False
    notices: list[Notice] = field(default_factory=list)
    fetched_at: float | None = None


def policies_get(*, user_id: int, workspace_id: int) -> PolicyPage:
    """Every policy of the workspace, by name."""
    reads = fetch_parallel(
        user_id=user_id, policies=lambda: policy_list(user_id=user_id, workspace_id=workspace_id)
    )
    outcome = reads["policies"]
    if outcome.entry is None:
        return PolicyPage(
            unavailable=True,
            notices=[failure_notice(outcome.error, gettext("Policies can't be shown."))],
        )
    return PolicyPage(
        policies=sorted(outcome.entry.value, key=lambda p: p.name.casefold()),
        notices=notices_for(POLICIES, outcome),
        fetched_at=outcome.entry.fetched_at,
    )
