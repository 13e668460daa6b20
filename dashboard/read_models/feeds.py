"""The feeds page: a person's calendar feeds of one workspace, and what a feed can be limited to."""

import time
from dataclasses import dataclass, field

from django.utils.translation import gettext

from dashboard.models import CalendarFeed
from dashboard.read_models.common import TEAMS_AND_POLICIES, Notice, age_text, notices_for
from dashboard.selectors import fetch_parallel, member_list, policy_list
from dashboard.selectors.feeds import feed_list_for_user
from dashboard.webwork import Policy


@dataclass(frozen=True)
class FeedRow:
    """One feed as the page lists it."""

    feed: CalendarFeed
    scope: str
    last_read: str


@dataclass(kw_only=True)
class FeedsPage:
    """Everything the feeds page shows."""

    rows: list[FeedRow] = field(default_factory=list)
    teams: list[str] = field(default_factory=list)
    policies: list[Policy] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)


def _scope_text(feed: CalendarFeed, policy_names: dict[int, str]) -> str:
    parts = [gettext("Team %(team)s") % {"team": feed.team} if feed.team else gettext("Every team")]
    if feed.policy_id is not None:
        fallback = gettext("Policy #%(id)s") % {"id": feed.policy_id}
        parts.append(policy_names.get(feed.policy_id, fallback))
    else:
        parts.append(gettext("every policy"))
    parts.append(
        gettext("approved and pending") if feed.include_pending else gettext("approved only")
    )
    if feed.include_holidays:
        parts.append(gettext("public holidays"))
    return " · ".join(parts)


def _last_read_text(feed: CalendarFeed) -> str:
    if feed.last_read_at is None:
        return gettext("Not read by a calendar yet")
    return gettext("Last read by a calendar %(age)s") % {
        "age": age_text(time.time() - feed.last_read_at.timestamp())
    }


def feeds_page_get(*, user_id: int, workspace_id: int) -> FeedsPage:
    """The person's feeds with their scope in words, and the teams and policies to choose."""
    reads = fetch_parallel(
        user_id=user_id,
        members=lambda: member_list(user_id=user_id, workspace_id=workspace_id),
        policies=lambda: policy_list(user_id=user_id, workspace_id=workspace_id),
    )
    members = reads["members"].value or []
    policies = reads["policies"].value or []
    names = {p.id: p.name for p in policies}
    return FeedsPage(
        rows=[
            FeedRow(feed=feed, scope=_scope_text(feed, names), last_read=_last_read_text(feed))
            for feed in feed_list_for_user(user_id=user_id, workspace_id=workspace_id)
        ],
        teams=sorted({m.team_name for m in members if m.team_name}, key=str.casefold),
        policies=policies,
        notices=notices_for(TEAMS_AND_POLICIES, reads["members"], reads["policies"]),
    )
