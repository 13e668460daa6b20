"""The layout's context on every page: current workspace, switcher, sections, pending count."""

from dataclasses import dataclass
from functools import cache

from django.http import HttpRequest
from django.utils.translation import gettext_lazy

from dashboard.selectors import pending_count_peek


@dataclass(frozen=True, kw_only=True)
class Section:
    """One entry of the navigation: a workspace page and the pages that belong to it."""

    label: str
    url_name: str
    icon: str  # path data of a 24x24 SVG icon
    also_current_on: tuple[str, ...] = ()
    badge: bool = False  # shows how many requests are pending

    def is_current(self, url_name: str | None) -> bool:
        """Whether the page being shown (by its URL name) belongs to this section."""
        return url_name == self.url_name or url_name in self.also_current_on


SECTIONS = (
    Section(
        label=gettext_lazy("Inbox"),
        url_name="inbox",
        icon=(
            "M4 4h16a1 1 0 0 1 1 1v14a1 1 0 0 1-1 1H4a1 1 0 0 1-1-1V5a1 1 0 0 1 1-1zm1 2v7h4l1 "
            "2h4l1-2h4V6H5z"
        ),
        badge=True,
    ),
    Section(
        label=gettext_lazy("Calendar"),
        url_name="calendar",
        icon=(
            "M7 2h2v2h6V2h2v2h3a1 1 0 0 1 1 1v15a1 1 0 0 1-1 1H4a1 1 0 0 1-1-1V5a1 1 0 0 1 "
            "1-1h3V2zm12 8H5v9h14v-9z"
        ),
    ),
    Section(
        label=gettext_lazy("Requests"),
        url_name="leave_list",
        icon="M4 5h16v2H4V5zm0 6h16v2H4v-2zm0 6h10v2H4v-2z",
        also_current_on=("leave_new",),
    ),
    Section(
        label=gettext_lazy("Balances"),
        url_name="balances",
        icon="M3 20h18v2H3v-2zM5 10h3v8H5v-8zm5.5-6h3v14h-3V4zM16 13h3v5h-3v-5z",
    ),
    Section(
        label=gettext_lazy("Policies"),
        url_name="policies",
        icon=(
            "M6 2h9l5 5v14a1 1 0 0 1-1 1H6a1 1 0 0 1-1-1V3a1 1 0 0 1 1-1zm8 1.5V8h4.5L14 3.5zM8 "
            "12h8v2H8v-2zm0 4h8v2H8v-2z"
        ),
        also_current_on=("workspace_settings",),
    ),
    Section(
        label=gettext_lazy("Feeds"),
        url_name="feeds",
        also_current_on=("notifications",),
        icon=(
            "M5 3a2 2 0 0 0-2 2v14a2 2 0 0 0 2 2h14a2 2 0 0 0 2-2V5a2 2 0 0 0-2-2H5zm1.5 12.5a2 2 "
            "0 1 1 0 4 2 2 0 0 1 0-4zM5 10.5V8a11 11 0 0 1 11 11h-2.5A8.5 8.5 0 0 0 5 10.5zm0-5V3"
            "a16 16 0 0 1 16 16h-2.5A13.5 13.5 0 0 0 5 5.5z"
        ),
    ),
)


def frame(request: HttpRequest) -> dict:
    """Current workspace, the sections (the current one marked) and, when cached, how many
    requests wait (never fetches).

    The count is worked out only if the page shows it and the view did not already know it
    (the inbox passes its own): templates call a callable when they use it.
    """
    workspace = getattr(request, "workspace", None)
    match = getattr(request, "resolver_match", None)
    url_name = match.url_name if match else None
    return {
        "workspace": workspace,
        "workspaces": getattr(request, "workspaces", []),
        # The switcher's choices with their pending counts, from the cache only.
        "workspace_choices": cache(
            lambda: [
                (w, pending_count_peek(workspace_id=w.id))
                for w in getattr(request, "workspaces", [])
            ]
        ),
        "sections": [(section, section.is_current(url_name)) for section in SECTIONS],
        "pending_count": (
            cache(lambda: pending_count_peek(workspace_id=workspace.id))
            if workspace is not None
            else None
        ),
    }
