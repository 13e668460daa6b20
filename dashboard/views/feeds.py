"""Calendar feeds: the page where people manage theirs, and the feed itself (no sign-in).

A feed's secret URL is shown once, in the answer to the POST that made (or regenerated) it;
it is never stored, so it is not put in the session for a redirect either.
"""

import logging
import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dashboard.platform.error_pages import error_page
from dashboard.platform.ratelimit import WINDOW_SECONDS, hit
from dashboard.read_models.feeds import FeedsPage, feeds_page_get
from dashboard.read_models.ical import feed_document_get
from dashboard.selectors.feeds import feed_by_token, feed_owner_workspace, feed_token_hash
from dashboard.selectors.zones import workspace_today
from dashboard.services.feeds import (
    FeedSpec,
    feed_create,
    feed_delete,
    feed_read_record,
    feed_regenerate,
    feed_update,
)
from dashboard.subscription_forms import FeedForm
from dashboard.views.common import WorkspaceRequest, workspace_view
from dashboard.webwork import AuthExpired, WebWorkError
from dashboard.webwork_oauth.tokens import ReauthRequired

logger = logging.getLogger("dashboard.feeds")

# How long calendar clients and caches may keep a copy before asking again (the feed's
# data is refreshed every 30 minutes at most, so asking more often only costs a 304).
FEED_MAX_AGE = 15 * 60


@require_http_methods(["GET", "POST"])
@workspace_view
def feeds(request: WorkspaceRequest, workspace_id: int) -> HttpResponse:
    """List the person's feeds; POST makes one and shows its URL, once."""
    page = feeds_page_get(user_id=request.user.pk, workspace_id=workspace_id)
    form = FeedForm(request.POST or None, teams=page.teams, policies=page.policies)
    if request.method == "POST" and form.is_valid():
        feed, token = feed_create(
            user=request.user, workspace_id=workspace_id, spec=FeedSpec(**form.spec_values())
        )
        page = feeds_page_get(user_id=request.user.pk, workspace_id=workspace_id)
        form = FeedForm(teams=page.teams, policies=page.policies)
        return _render_page(request, page, form, revealed=(feed.pk, token), status=201)
    return _render_page(request, page, form)


@require_POST
@workspace_view
def feed_edit(request: WorkspaceRequest, workspace_id: int, feed_id: int) -> HttpResponse:
    """Rename a feed or change what it shows; its URL stays the same."""
    page = feeds_page_get(user_id=request.user.pk, workspace_id=workspace_id)
    current = next((row.feed for row in page.rows if row.feed.pk == feed_id), None)
    if current is None:
        raise Http404("not a feed of this person")
    teams = sorted({*page.teams, current.team} - {""}, key=str.casefold)
    form = FeedForm(request.POST, teams=teams, policies=page.policies, auto_id=f"feed{feed_id}_%s")
    if not form.is_valid():
        return _render_page(request, page, None, editing=(feed_id, form))
    feed_update(
        user=request.user,
        workspace_id=workspace_id,
        feed_id=feed_id,
        spec=FeedSpec(**form.spec_values()),
    )
    messages.success(
        request, _("Feed saved. Subscribed calendars pick it up at their next update.")
    )
    return redirect("feeds", workspace_id=workspace_id)


@require_POST
@workspace_view
def feed_regenerate_link(request: WorkspaceRequest, workspace_id: int, feed_id: int):
    """A new secret URL for the feed; calendars using the old one stop updating."""
    done = feed_regenerate(user=request.user, workspace_id=workspace_id, feed_id=feed_id)
    if done is None:
        raise Http404("not a feed of this person")
    feed, token = done
    page = feeds_page_get(user_id=request.user.pk, workspace_id=workspace_id)
    form = FeedForm(teams=page.teams, policies=page.policies)
    return _render_page(request, page, form, revealed=(feed.pk, token))


@require_POST
@workspace_view
def feed_remove(request: WorkspaceRequest, workspace_id: int, feed_id: int) -> HttpResponse:
    """Delete a feed: its URL answers 404 from now on."""
    if not feed_delete(user=request.user, workspace_id=workspace_id, feed_id=feed_id):
        raise Http404("not a feed of this person")
    messages.success(request, _("Feed deleted. Its link no longer works."))
    return redirect("feeds", workspace_id=workspace_id)


@login_not_required
@require_GET
def feed_ics(request: HttpRequest, token: str) -> HttpResponse:
    """The iCalendar feed behind a secret token: no sign-in, cached, ETag and 304.

    Unknown tokens, deleted feeds and owners who no longer manage the workspace get 404;
    an unknown token costs no WebWork call (nor does anything while the cache is warm).
    """
    if _over_limit(token):
        return _too_many(request)
    feed = feed_by_token(token)
    if feed is None:
        raise Http404("no such feed")
    try:
        workspace = feed_owner_workspace(user_id=feed.owner_id, workspace_id=feed.workspace_id)
        if workspace is None:
            raise Http404("the feed's owner no longer manages this workspace")
        # From our table and the cache only: a feed read never asks WebWork for data.
        today = workspace_today(workspace_id=feed.workspace_id)
        document = feed_document_get(feed=feed, workspace_name=workspace.name, today=today)
    except (ReauthRequired, AuthExpired) as exc:
        logger.info("feed stopped: its owner must sign in again", extra={"feed_id": feed.pk})
        raise Http404("the feed's owner must sign in again") from exc
    except WebWorkError:
        response = error_page(
            request,
            503,
            _("Try again later"),
            _("The workspace's leave isn't gathered yet, or WebWork isn't answering."),
        )
        response["Retry-After"] = "300"
        return response
    feed_read_record(feed=feed)
    response = get_conditional_response(request, etag=document.etag)
    if response is None:
        response = HttpResponse(document.body, content_type="text/calendar; charset=utf-8")
        response["Content-Disposition"] = 'inline; filename="leave.ics"'
    response["ETag"] = document.etag
    response["X-Robots-Tag"] = "noindex"
    patch_cache_control(response, private=True, max_age=FEED_MAX_AGE)
    return response


def _over_limit(token: str) -> bool:
    """Per token (and so per feed), RATE_LIMIT_FEEDS reads a minute; 0 turns it off."""
    limit = settings.RATE_LIMIT_FEEDS
    if limit <= 0:
        return False
    window = int(time.time() // WINDOW_SECONDS)
    return hit(f"ratelimit:feed:{feed_token_hash(token)[:24]}:{window}") > limit


def _too_many(request: HttpRequest) -> HttpResponse:
    response = error_page(
        request,
        429,
        _("Slow down a little"),
        _("This feed was read too often in the last minute."),
    )
    response["Retry-After"] = str(WINDOW_SECONDS)
    return response


def _render_page(
    request: WorkspaceRequest,
    page: FeedsPage,
    form: FeedForm | None,
    *,
    revealed: tuple[int, str] | None = None,
    editing: tuple[int, FeedForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    """The feeds page; `revealed` is a feed id and its token, shown this once."""
    shown = None
    if revealed is not None:
        url = request.build_absolute_uri(reverse("feed_ics", args=[revealed[1]]))
        shown = {
            "feed_id": revealed[0],
            "url": url,
            "webcal": "webcal://" + url.split("://", 1)[1],
        }
    forms = {
        row.feed.pk: FeedForm(
            initial={
                "name": row.feed.name,
                "team": row.feed.team,
                "policy": row.feed.policy_id,
                "include_pending": row.feed.include_pending,
                "include_holidays": row.feed.include_holidays,
            },
            teams=sorted({*page.teams, row.feed.team} - {""}, key=str.casefold),
            policies=page.policies,
            auto_id=f"feed{row.feed.pk}_%s",
        )
        for row in page.rows
    }
    if editing is not None:
        forms[editing[0]] = editing[1]
    context = {
        "page": page,
        "form": form or FeedForm(teams=page.teams, policies=page.policies),
        "feed_rows": [(row, forms[row.feed.pk]) for row in page.rows],
        "editing": editing[0] if editing else None,
        "revealed": shown,
    }
    return render(request, "dashboard/feeds/feeds.html", context, status=status)
