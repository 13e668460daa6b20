"""WebWork tokens, encrypted at rest: never in allauth's plain-text token table."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy


class WebWorkToken(models.Model):
    """One person's WebWork OAuth tokens (ciphertext only) and their lifetime."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="webwork_token"
    )
    webwork_user_id = models.BigIntegerField(db_index=True)
    access_token_encrypted = models.TextField()
    refresh_token_encrypted = models.TextField(blank=True, default="")
    expires_at = models.DateTimeField(null=True, blank=True)
    lifetime_seconds = models.PositiveIntegerField(null=True, blank=True)
    refreshed_at = models.DateTimeField(null=True, blank=True)
    # Set when WebWork refuses the refresh token: the person must sign in again.
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = gettext_lazy("WebWork token")

    def __str__(self) -> str:
        return f"WebWork token of user {self.user_id}"

    def __repr__(self) -> str:
        return f"<WebWorkToken user={self.user_id} expires_at={self.expires_at}>"


class SessionTombstone(models.Model):
    """A session deleted while its cached copy could not be: that copy must never be used.

    Written by `dashboard.webwork_oauth.sessions` when sign-out cannot reach Redis; removed once
    the copy is gone, or by the daily clean-up when no copy could still live.
    """

    session_key = models.CharField(max_length=40, primary_key=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return "Session tombstone"
