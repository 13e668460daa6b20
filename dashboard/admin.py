"""The audit log in the Django admin, read-only; tokens never appear in the admin."""

from allauth.socialaccount.models import SocialToken
from django.contrib import admin

from dashboard.models import AuditEntry

# allauth's token admin would list token values; this project keeps none there, and shows none.
if admin.site.is_registered(SocialToken):
    admin.site.unregister(SocialToken)


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Who decided or filed what, when, and how it ended. Nothing can be changed here."""

    list_display = ("created_at", "actor_name", "action", "outcome", "workspace_id", "leave_id")
    list_filter = ("action", "outcome", "workspace_id")
    search_fields = ("actor_name", "leave_id", "reason")
    date_hierarchy = "created_at"
    ordering = ("-created_at",)

    def has_add_permission(self, request) -> bool:
        """The log is written by the dashboard only."""
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        """Entries are never edited."""
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        """Entries are never deleted."""
        return False
