"""Dashboard URLs: stable, documented in docs/architecture.md and the README."""

from django.urls import path

from .views import (
    actions,
    all_inbox,
    bulk,
    feeds,
    health,
    language,
    notifications,
    pages,
    settings,
    zones,
)

urlpatterns = [
    path("", pages.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("language/", language.language_choose, name="language_choose"),
    path("workspaces/", pages.workspace_picker, name="workspace_picker"),
    path("inbox/", all_inbox.inbox_all, name="inbox_all"),
    path("w/<int:workspace_id>/", pages.inbox, name="inbox"),
    path("w/<int:workspace_id>/leaves/", pages.leave_list, name="leave_list"),
    path("w/<int:workspace_id>/leaves/export.csv", pages.leave_export, name="leave_export"),
    path(
        "w/<int:workspace_id>/leaves/export.xlsx",
        pages.leave_export_xlsx,
        name="leave_export_xlsx",
    ),
    path("w/<int:workspace_id>/leaves/new/", pages.leave_new, name="leave_new"),
    path("w/<int:workspace_id>/leaves/new/preview/", pages.leave_preview, name="leave_preview"),
    path("w/<int:workspace_id>/leaves/<uuid:leave_id>/", pages.leave_detail, name="leave_detail"),
    path(
        "w/<int:workspace_id>/leaves/<uuid:leave_id>/approve/",
        actions.leave_approve,
        name="leave_approve",
    ),
    path(
        "w/<int:workspace_id>/leaves/<uuid:leave_id>/reject/",
        actions.leave_reject,
        name="leave_reject",
    ),
    path(
        "w/<int:workspace_id>/leaves/<uuid:leave_id>/undo/",
        actions.leave_undo,
        name="leave_undo",
    ),
    path("w/<int:workspace_id>/leaves/<uuid:leave_id>/row/", actions.leave_row, name="leave_row"),
    path("w/<int:workspace_id>/leaves/bulk/", bulk.bulk_decide, name="bulk_decide"),
    path("w/<int:workspace_id>/leaves/bulk/<uuid:run_id>/", bulk.bulk_run, name="bulk_run"),
    path(
        "w/<int:workspace_id>/leaves/bulk/<uuid:run_id>/poll/",
        bulk.bulk_run_poll,
        name="bulk_run_poll",
    ),
    path(
        "w/<int:workspace_id>/leaves/bulk/<uuid:run_id>/undo/",
        bulk.bulk_run_undo,
        name="bulk_run_undo",
    ),
    path(
        "w/<int:workspace_id>/leaves/bulk/<uuid:run_id>/retry/",
        bulk.bulk_run_retry,
        name="bulk_run_retry",
    ),
    path("w/<int:workspace_id>/calendar/", pages.calendar, name="calendar"),
    path("w/<int:workspace_id>/balances/", pages.balances, name="balances"),
    path(
        "w/<int:workspace_id>/balances/export.csv",
        pages.balances_export,
        name="balances_export",
    ),
    path(
        "w/<int:workspace_id>/balances/refresh/", actions.balances_refresh, name="balances_refresh"
    ),
    path("w/<int:workspace_id>/policies/", pages.policies, name="policies"),
    path("w/<int:workspace_id>/settings/", settings.workspace_settings, name="workspace_settings"),
    path(
        "w/<int:workspace_id>/settings/holidays/",
        settings.holiday_region_add,
        name="holiday_region_add",
    ),
    path(
        "w/<int:workspace_id>/settings/holidays/<int:override_id>/delete/",
        settings.holiday_region_remove,
        name="holiday_region_remove",
    ),
    path("w/<int:workspace_id>/settings/zone/", zones.viewer_zone_save, name="viewer_zone_save"),
    path("w/<int:workspace_id>/feeds/", feeds.feeds, name="feeds"),
    path("w/<int:workspace_id>/feeds/<int:feed_id>/", feeds.feed_edit, name="feed_edit"),
    path(
        "w/<int:workspace_id>/feeds/<int:feed_id>/regenerate/",
        feeds.feed_regenerate_link,
        name="feed_regenerate",
    ),
    path("w/<int:workspace_id>/feeds/<int:feed_id>/delete/", feeds.feed_remove, name="feed_delete"),
    path("feeds/<slug:token>.ics", feeds.feed_ics, name="feed_ics"),
    path(
        "w/<int:workspace_id>/notifications/",
        notifications.notifications,
        name="notifications",
    ),
    path(
        "w/<int:workspace_id>/notifications/webhook/",
        notifications.webhook_save,
        name="webhook_save",
    ),
    path(
        "w/<int:workspace_id>/notifications/webhook/test/",
        notifications.webhook_test,
        name="webhook_test",
    ),
    path(
        "w/<int:workspace_id>/notifications/webhook/delete/",
        notifications.webhook_delete,
        name="webhook_delete",
    ),
    path("notifications/", notifications.notifications_home, name="notifications_home"),
    path(
        "notifications/unsubscribe/<str:token>/",
        notifications.unsubscribe_view,
        name="unsubscribe",
    ),
]
