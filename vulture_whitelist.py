"""Names used where vulture cannot see them: by name from settings, by templates, by frameworks.

Framework conventions that recur (Meta, ready, urlpatterns, signal arguments...) are ignored
by name in pyproject.toml ([tool.vulture]); this file lists the particular objects, each
reached through the module that defines it, so a rename shows here. `make lint` runs it.
"""

import polib
from flask import g
from flask.json.provider import DefaultJSONProvider
from openpyxl.cell.cell import Cell
from openpyxl.worksheet.worksheet import Worksheet

from dashboard import apps, forms, models
from dashboard.platform import (
    cache_backend,
    health,
    locale,
    logging,
    middleware,
    ratelimit,
    shared,
    static_headers,
)
from dashboard.read_models import (
    all_inbox,
    balances,
    bulk,
    calendar,
    feeds,
    inbox,
    leave_detail,
    projection,
)
from dashboard.selectors import held
from dashboard.services import decision_rules, decisions
from dashboard.views import context_processors, errors, fragments, language, zones
from dashboard.webwork import records, requester, transport
from dashboard.webwork_oauth import adapter, allowance, provider, views
from dashboard.webwork_oauth import apps as oauth_apps
from dashboard.webwork_oauth import models as oauth_models
from sandbox import calls, faults, server, state, testing, xss

# Named by dotted path in config/settings (MIDDLEWARE, CACHES, LOGGING, TEMPLATES,
# SOCIALACCOUNT_ADAPTER, CSRF_FAILURE_VIEW) and config/urls.py (handler400...handler500).
middleware.RequestLogMiddleware
middleware.SessionTimeoutMiddleware
middleware.SignInRequiredMiddleware.handle_no_permission
middleware.HtmxMessagesMiddleware
middleware.NoStoreMiddleware
middleware.ReauthMiddleware.process_exception
ratelimit.RateLimitMiddleware
zones.ViewerZoneMiddleware.process_view
locale.BoundedLocaleMiddleware
language.ViewerLanguageMiddleware
cache_backend.FailSoftRedisCache
static_headers.add_static_headers
cache_backend.SharedUnpickler
logging.RedactSecretsFilter
logging.JsonFormatter.format
context_processors.frame
fragments.do_fragment  # the {% fragment %} tag, a library named in TEMPLATES
errors.bad_request
errors.permission_denied
errors.page_not_found
errors.server_error
errors.csrf_failure
errors.admin_locked_out
apps.DashboardConfig  # INSTALLED_APPS names the packages; Django finds their AppConfig
oauth_apps.WebWorkOAuthConfig
adapter.WebWorkSocialAccountAdapter.is_open_for_signup
adapter.WebWorkSocialAccountAdapter.on_authentication_error

# Django forms call clean_<field>() by the field's name.
forms.RejectForm.clean_reason
forms.forms.Field.disabled  # set on the four-eyes field for non-Owners: Django reads it

# allauth's provider and OAuth2 adapter hooks, called by allauth.
provider.WebWorkProvider.account_class
provider.WebWorkProvider.oauth2_adapter_class
provider.WebWorkProvider.pkce_enabled_default
provider.WebWorkProvider.get_default_scope
provider.WebWorkProvider.get_scope_from_request
provider.WebWorkProvider.get_auth_params
provider.WebWorkProvider.get_auth_params_from_request
provider.WebWorkProvider.get_pkce_params
provider.WebWorkProvider.extract_uid
provider.WebWorkProvider.extract_common_fields
provider.WebWorkProvider.extract_email_addresses
provider.WebWorkProvider.extract_extra_data
provider.provider_classes
views.WebWorkOAuth2Adapter.provider_id
views.WebWorkOAuth2Adapter.authorize_url
views.WebWorkOAuth2Adapter.access_token_url
views.WebWorkOAuth2Adapter.complete_login
views.oauth2_login
views.oauth2_callback

# Model fields written through create()/update() keywords or read through values_list().
models.AuditEntry.actor
models.LeaveDecision.decided_by_webwork_id
models.UserPreference.last_workspace_id
models.UserPreference.webwork_timezone  # read and written by name (selectors/services zones)
models.ManagedWorkspace.last_viewed_at
oauth_models.WebWorkToken.refreshed_at
models.CalendarFeed.token_hash  # filtered on (feed_by_token), set by create() and save()
models.AlertWatch.started_at
models.AlertDelivery.recipient  # written as recipient_id
models.AlertDelivery.last_error
models.AlertDelivery.sent_at
models.WorkspaceWebhook.disabled_at
models.WorkspaceWebhook.updated_by  # written as updated_by_id

# Read by the templates.
projection.ProjectionView.several_years
leave_detail.LeaveDetail.last_year
leave_detail.LeaveDetail.last_year_known
leave_detail.LeaveDetail.history
leave_detail.LeaveDetail.length_text
projection.ProjectionView.needs_confirmation
decision_rules.Refusal.needs_confirmation
balances.BalanceTable.total_members
balances.BalanceTable.fetched_at_time
balances.BalanceTable.negative_count
calendar.Day.is_weekend
calendar.Day.out_count
calendar.AgendaDay.member_holidays
calendar.Bar.half
calendar.Bar.continues_before
calendar.Bar.continues_after
calendar.CalendarMonth.legend
calendar.CalendarMonth.previous
calendar.CalendarMonth.agenda_earlier
calendar.CalendarMonth.agenda_from_today
calendar.CalendarMonth.member_count
inbox.InboxRow.dates
inbox.InboxRow.team_off
inbox.InboxRow.team_off_known
inbox.InboxRow.own_request
inbox.InboxRow.approve_blocked
inbox.Inbox.out_today
inbox.Inbox.next_start
inbox.Inbox.next_count
decisions.DecisionResult.decided_by_you
all_inbox.WorkspaceGroup.notice
bulk.BulkRow.outcome_label
bulk.BulkReport.waiting_seconds
bulk.BulkReport.finished
bulk.BulkReport.percent
bulk.BulkReport.retryable_count
bulk.BulkReport.undo_seconds
decisions.DecisionResult.seconds_left
context_processors.Section.icon
feeds.FeedRow.last_read
context_processors.Section.badge

# Overrides called by the standard library (cookie policy, enum members, http.server).
transport._NoCookies.set_ok
transport._NoCookies.return_ok
records.LeavePeriod._value_
server.SandboxRequestHandler.log_request
server.SandboxRequestHandler.connection_dropped
server.SandboxRequestHandler.close_connection
server.SandboxWSGIServer.block_on_close
server.SandboxWSGIServer.daemon_threads
# Set on the export's sheet and cells, read by openpyxl when it writes the workbook.
Worksheet.freeze_panes
held.HeldNote.approving  # read by templates/dashboard/partials/held_note.html
polib.POFile.metadata_is_fuzzy  # written: the catalogue header is not fuzzy
Cell.number_format
Cell.data_type
g.rate  # the sandbox's rate-limit numbers, read back with g.get("rate")
DefaultJSONProvider.sort_keys  # switched off on the sandbox app: answers keep WebWork's key order

# Used by the tests only: seams and the sandbox's control surface.
health.forget_webwork_probes
shared.local_clear
allowance.allowance_local_reset
records.Policy.list_from_api
requester.RateLimitStatus.observed_at
calls.CallLog.max_in_window
faults.FaultRule.hits
state.SandboxState.register_client
state.SandboxState.members_for
state.SandboxState.leaves_for
state.SandboxState.set_member_status
state.SandboxState.add_leave
server.SandboxServer.api_url
server.SandboxServer.oauth_url
testing.pytest_configure
xss.is_hostile
fragments.FragmentStore.misses
