"""The dashboard's own tables: audit log, decision locks, workspace settings, preferences.

WebWork stays the system of record for leaves, balances and policies; nothing here copies them.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEntry(models.Model):
    """One decision or creation sent to WebWork through the dashboard, and how it ended."""

    class Action(models.TextChoices):
        APPROVE = "approve", _("Approve")
        REJECT = "reject", _("Reject")
        CREATE = "create", _("Create")

    class Outcome(models.TextChoices):
        DONE = "done", _("Done")
        ALREADY_DECIDED = "already_decided", _("Already decided elsewhere")
        INVALID = "invalid", _("Refused by WebWork")
        FAILED = "failed", _("Failed, nothing changed")
        UNKNOWN = "unknown", _("Unknown (WebWork did not answer)")
        # Stopped here by the decision rules (balance, four eyes); nothing went to WebWork.
        REFUSED = "refused", _("Refused by the dashboard's rules")
        SENDING = "sending", _("Sending")
        # A decision made here that WebWork later undid (the leave is pending again there).
        SUPERSEDED = "superseded", _("Superseded (pending again in WebWork)")

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField(max_length=300, blank=True)
    workspace_id = models.BigIntegerField(db_index=True)
    leave_id = models.CharField(max_length=64, blank=True, db_index=True)
    member_id = models.BigIntegerField(null=True, blank=True)
    action = models.CharField(max_length=16, choices=Action.choices)
    reason = models.TextField(blank=True)
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    detail = models.CharField(max_length=300, blank=True)
    # One-time key of a "new request" form: a double submit never creates two requests.
    request_key = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = _("audit entries")
        constraints = [
            models.UniqueConstraint(
                fields=["request_key"],
                condition=~models.Q(request_key=""),
                name="one_creation_per_form_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.leave_id or ''} → {self.outcome}"


class LeaveDecision(models.Model):
    """At most one decision per leave goes to WebWork from here, however many people tap.

    The unique constraint serialises concurrent approve/reject attempts across processes;
    WebWork offers no idempotency key or version to do it for us.
    """

    class State(models.TextChoices):
        # Held for the undo window (DECISION_UNDO_SECONDS): sent at `send_at` unless undone.
        HELD = "held", _("Held")
        SENDING = "sending", _("Sending")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    workspace_id = models.BigIntegerField()
    leave_id = models.CharField(max_length=64)
    action = models.CharField(max_length=16, choices=AuditEntry.Action.choices)
    state = models.CharField(max_length=16, choices=State.choices, default=State.SENDING)
    result_status = models.CharField(max_length=20, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by_name = models.CharField(max_length=300, blank=True)
    decided_by_webwork_id = models.BigIntegerField(null=True, blank=True)
    reason = models.TextField(blank=True)
    send_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace_id", "leave_id"], name="one_decision_per_leave"
            )
        ]
        indexes = [
            models.Index(fields=["workspace_id", "state", "updated_at"]),
            models.Index(fields=["state", "send_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.leave_id} ({self.state})"


class WorkspaceSettings(models.Model):
    """Dashboard-side settings of a WebWork workspace (WebWork has no holidays endpoint)."""

    workspace_id = models.BigIntegerField(unique=True)
    holiday_country = models.CharField(max_length=2, blank=True)
    holiday_subdivision = models.CharField(max_length=10, blank=True)
    # Four eyes: a manager may approve their own request only where an Owner allowed it.
    allow_self_approval = models.BooleanField(default=False)
    # The zone "today", "this week" and "out today" are counted in; blank: the zone most of
    # the workspace's members have in WebWork.
    reference_timezone = models.CharField(max_length=64, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = _("workspace settings")

    def __str__(self) -> str:
        return f"Settings of workspace {self.workspace_id}"


class TeamCoverage(models.Model):
    """The fewest people of a team that must be present on a working day (WebWork has no teams:
    a team is the `team_name` its members carry). Set on the workspace settings page."""

    workspace_id = models.BigIntegerField()
    team_name = models.CharField(max_length=200)
    minimum = models.PositiveIntegerField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = _("team coverage minimums")
        constraints = [
            models.UniqueConstraint(
                fields=["workspace_id", "team_name"], name="one_minimum_per_team"
            )
        ]

    def __str__(self) -> str:
        return f"{self.team_name}: at least {self.minimum} present"


class HolidayRegionOverride(models.Model):
    """Where one team's or one member's public holidays come from, when not the workspace's.

    A member's own region wins over their team's, which wins over the workspace's.
    """

    class Scope(models.TextChoices):
        TEAM = "team", _("Team")
        MEMBER = "member", _("Member")

    workspace_id = models.BigIntegerField(db_index=True)
    scope = models.CharField(max_length=8, choices=Scope.choices)
    # The team's name as WebWork writes it, or the member's WebWork id.
    key = models.CharField(max_length=200)
    country = models.CharField(max_length=2)
    subdivision = models.CharField(max_length=10, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["scope", "key"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace_id", "scope", "key"], name="one_region_per_team_or_member"
            )
        ]

    def __str__(self) -> str:
        return f"Holidays of {self.scope} {self.key} in workspace {self.workspace_id}"


class UserPreference(models.Model):
    """Per-person preferences: the workspace `/` opens, their time zone and language."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="dashboard_preference"
    )
    last_workspace_id = models.BigIntegerField(null=True, blank=True)
    # Chosen by the person; blank: WebWork's `timezone` of their member record, kept at sign-in.
    timezone = models.CharField(max_length=64, blank=True)
    webwork_timezone = models.CharField(max_length=64, blank=True)
    # A code of settings.LANGUAGES chosen by the person; blank: the browser's (Accept-Language).
    language = models.CharField(max_length=8, blank=True)
    # The language the browser asked for at the last sign-in: e-mails use it when none is chosen.
    browser_language = models.CharField(max_length=8, blank=True)

    def __str__(self) -> str:
        return f"Preferences of user {self.user_id}"


class ManagedWorkspace(models.Model):
    """A workspace a dashboard user manages: which token Celery beat may use to refresh it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="managed_workspaces"
    )
    workspace_id = models.BigIntegerField(db_index=True)
    name = models.CharField(max_length=300, blank=True)
    last_viewed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "workspace_id"], name="one_row_per_manager")
        ]

    def __str__(self) -> str:
        return f"User {self.user_id} manages workspace {self.workspace_id}"


class CalendarFeed(models.Model):
    """A person's secret iCalendar feed of who is off in one workspace.

    Only a SHA-256 of the feed's token is kept: the token is shown once, when the feed is
    made or regenerated. Anyone holding the URL can read the feed, so it is as secret as a
    password; it stops working when its owner no longer manages the workspace.
    """

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feeds"
    )
    workspace_id = models.BigIntegerField(db_index=True)
    name = models.CharField(max_length=100)
    team = models.CharField(max_length=200, blank=True)
    policy_id = models.BigIntegerField(null=True, blank=True)
    include_pending = models.BooleanField(default=False)
    include_holidays = models.BooleanField(default=True)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    last_read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Feed {self.pk} of user {self.owner_id} (workspace {self.workspace_id})"


class NotificationPreference(models.Model):
    """What a person wants by e-mail: a digest at a local hour and weekdays, new-request alerts.

    Both are off until the person turns them on. `last_digest_on` (the person's local date)
    is claimed before a scheduled digest is sent, so two workers never send it twice a day.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    digest_enabled = models.BooleanField(default=False)
    digest_hour = models.PositiveSmallIntegerField(default=8)
    # Weekdays the digest goes out, Monday = 0, comma-separated.
    digest_weekdays = models.CharField(max_length=20, default="0,1,2,3,4")
    digest_when_empty = models.BooleanField(default=False)
    timezone = models.CharField(max_length=64, default="UTC")
    alerts_enabled = models.BooleanField(default=False)
    last_digest_on = models.DateField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Notifications of user {self.user_id}"

    @property
    def weekdays(self) -> list[int]:
        """The digest's weekdays as numbers (Monday = 0)."""
        return [int(day) for day in self.digest_weekdays.split(",") if day.strip().isdigit()]


class AlertWatch(models.Model):
    """A workspace whose pending requests the refresh cycle watches, since when.

    The first look only notes what already waits (it is not news); later looks announce what
    is new. WebWork has no webhooks for leave, so polling is how requests are noticed.
    """

    workspace_id = models.BigIntegerField(unique=True)
    started_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Alerts watch of workspace {self.workspace_id}"


class LeaveAnnouncement(models.Model):
    """A pending request the refresh cycle has seen: announced at most once, ever.

    The unique constraint is what makes it once: two workers scanning at the same moment
    cannot both insert the row, and only the one that did sends anything.
    """

    workspace_id = models.BigIntegerField()
    leave_id = models.CharField(max_length=64)
    # Already waiting when the workspace was first watched: noted, never announced.
    silent = models.BooleanField(default=False)
    seen_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace_id", "leave_id"], name="one_announcement_per_leave"
            )
        ]

    def __str__(self) -> str:
        return f"Leave {self.leave_id} seen in workspace {self.workspace_id}"


class AlertDelivery(models.Model):
    """One message about new requests to one person (e-mail) or one workspace's webhook.

    Written with the announcements, in the same transaction, so nothing announced is ever
    without its deliveries; sending claims it (pending -> sending) so it goes out once.
    """

    class Channel(models.TextChoices):
        EMAIL = "email", _("E-mail")
        WEBHOOK = "webhook", _("Webhook")

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        DROPPED = "dropped", _("Nothing left to say")

    workspace_id = models.BigIntegerField()
    channel = models.CharField(max_length=10, choices=Channel.choices)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    # Whose WebWork token reads the requests' details (the manager whose refresh saw them).
    reader = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    leave_ids = models.JSONField(default=list)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = _("alert deliveries")
        indexes = [models.Index(fields=["state", "created_at"])]

    def __str__(self) -> str:
        return f"{self.channel} alert {self.pk} ({self.state})"


class WorkspaceWebhook(models.Model):
    """A Slack- or Teams-compatible incoming webhook told of new requests (URL encrypted).

    Repeated failures switch it off, with the reason shown where it is set up.
    """

    workspace_id = models.BigIntegerField(unique=True)
    url_encrypted = models.TextField()
    url_hint = models.CharField(max_length=120, blank=True)
    enabled = models.BooleanField(default=True)
    disabled_reason = models.CharField(max_length=300, blank=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Webhook of workspace {self.workspace_id}"


class BulkRun(models.Model):
    """One approve or reject of many leaves at once: what was asked, for the progress and the
    report (each leave is an `BulkItem`; each decision still goes through `LeaveDecision`)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    workspace_id = models.BigIntegerField()
    action = models.CharField(max_length=16, choices=AuditEntry.Action.choices)
    reason = models.TextField(blank=True)
    # Set while the person's WebWork allowance is spent: the next slice waits until then.
    not_before = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["user", "workspace_id", "created_at"])]

    def __str__(self) -> str:
        return f"bulk {self.action} {self.pk}"


class BulkItem(models.Model):
    """One leave of a bulk run, and how it ended; `queued` and `working` are not ends yet."""

    class Outcome(models.TextChoices):
        QUEUED = "queued", _("Waiting")
        WORKING = "working", _("Deciding")
        DECIDED = "decided", _("Decided")
        ALREADY = "already", _("Already decided")
        SKIPPED = "skipped", _("Skipped by a rule")
        REFUSED = "refused", _("Refused")
        FAILED = "failed", _("Not sent")
        UNKNOWN = "unknown", _("Not confirmed")
        UNDONE = "undone", _("Undone, not sent")

    run = models.ForeignKey(BulkRun, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveIntegerField()
    leave_id = models.CharField(max_length=64)
    # Who and what, as the page showed it when the run began (a decided leave leaves the
    # pending list, where the report would otherwise look it up).
    label = models.CharField(max_length=300, blank=True)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, default=Outcome.QUEUED)
    message = models.CharField(max_length=300, blank=True)
    retryable = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["run", "leave_id"], name="one_item_per_leave_per_run")
        ]
        indexes = [models.Index(fields=["outcome", "updated_at"])]

    def __str__(self) -> str:
        return f"{self.leave_id} ({self.outcome})"


class ListShape(models.Model):
    """How many pages one of a workspace's WebWork lists had when last read in full.

    Kept outside the cache so that a list read cold (its cached copy expired, or the cache
    emptied) asks all its pages at once instead of the first page, then the rest. The pending
    list's row also names the months its requests touched, read beside it the next time.
    """

    workspace_id = models.BigIntegerField()
    name = models.CharField(max_length=40)
    pages = models.PositiveIntegerField(default=1)
    months = models.JSONField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace_id", "name"], name="one_shape_per_list")
        ]

    def __str__(self) -> str:
        return f"{self.name} of workspace {self.workspace_id}: {self.pages} pages"
