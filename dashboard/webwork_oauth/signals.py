"""After sign-in: keep the tokens, encrypted; at sign-out or deactivation, forget them."""

import time

from allauth.account.signals import user_logged_in, user_logged_out
from django.conf import settings
from django.db.models.signals import post_save
from django.dispatch import receiver

from .allowance import allowance_spent
from .tokens import token_forget, token_store

# When the person signed in (epoch seconds); the session timeouts count from it.
SESSION_AUTH_AT = "auth_at"


@receiver(user_logged_in)
def store_tokens_after_sign_in(sender, request, user, sociallogin=None, **kwargs):
    """Persist the token pair allauth just obtained, and start the session clocks."""
    identity = getattr(sociallogin, "webwork_identity", None)
    if sociallogin is None or identity is None or sociallogin.token is None:
        return
    token = sociallogin.token
    expires_in = None
    if token.expires_at is not None:
        expires_in = max(int(token.expires_at.timestamp() - time.time()), 1)
    token_store(
        user=user,
        webwork_user_id=identity.user_id,
        access_token=token.token,
        refresh_token=token.token_secret,
        expires_in=expires_in,
    )
    request.session[SESSION_AUTH_AT] = int(time.time())
    allowance_spent(user_id=user.pk, calls=identity.calls_made)


@receiver(user_logged_out)
def forget_tokens_after_sign_out(sender, request, user, **kwargs):
    """Signing out ends access to WebWork from this dashboard too."""
    if user is not None:
        token_forget(user=user)


@receiver(post_save, sender=settings.AUTH_USER_MODEL)
def forget_tokens_of_deactivated_users(sender, instance, **kwargs):
    """A deactivated account keeps no way into WebWork (its sessions already stop working)."""
    if not instance.is_active:
        token_forget(user=instance)
