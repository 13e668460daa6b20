"""The dashboard's own tables: audit log, decision locks, workspace settings, preferences.

WebWork stays the system of record for leaves, balances and policies; nothing here copies them.
"""

from django.conf import settings
from django.db import models


class AuditEntry(models.Model):
    """One decision or creation sent to WebWork through the dashboard, and how it ended."""

    class Action(models.TextChoices):
        APPROVE = "approve", "Approve"
        REJECT = "reject", "Reject"
        CREATE = "create", "Create"

    class Outcome(models.TextChoices):
        DONE = "done", "Done"
        ALREADY_DECIDED = "already_decided", "Already decided elsewhere"
        INVALID = "invalid", "Refused by WebWork"
        FAILED = "failed", "Failed, nothing changed"
        UNKNOWN = "unknown", "Unknown (WebWork did not answer)"
        SENDING = "sending", "Sending"
        # A decision made here that WebWork later undid (the leave is pending again there).
        SUPERSEDED = "superseded", "Superseded (pending again in WebWork)"

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
        verbose_name_plural = "audit entries"
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
        SENDING = "sending", "Sending"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

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
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace_id", "leave_id"], name="one_decision_per_leave"
            )
        ]
        indexes = [models.Index(fields=["workspace_id", "state", "updated_at"])]

    def __str__(self) -> str:
        return f"{self.action} {self.leave_id} ({self.state})"


class WorkspaceSettings(models.Model):
    """Dashboard-side settings of a WebWork workspace (WebWork has no holidays endpoint)."""

    workspace_id = models.BigIntegerField(unique=True)
    holiday_country = models.CharField(max_length=2, blank=True)
    holiday_subdivision = models.CharField(max_length=10, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "workspace settings"

    def __str__(self) -> str:
        return f"Settings of workspace {self.workspace_id}"


class UserPreference(models.Model):
    """Per-person preferences: the workspace `/` opens."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="dashboard_preference"
    )
    last_workspace_id = models.BigIntegerField(null=True, blank=True)

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
