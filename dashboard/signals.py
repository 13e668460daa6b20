"""At sign-in, remember what WebWork told us: the manageable workspaces (saves calls later)
and the person's time zone; the language their browser asked for (for e-mails), and the one
they saved, into the session."""

from allauth.account.signals import user_logged_in
from django.dispatch import receiver

from dashboard.selectors import workspace_list_prime
from dashboard.selectors.language import SESSION_LANGUAGE, viewer_language
from dashboard.services import managed_workspaces_record
from dashboard.services.preferences import viewer_seen_at_sign_in


@receiver(user_logged_in)
def remember_workspaces_after_sign_in(sender, request, user, sociallogin=None, **kwargs):
    """Prime the workspace cache and the list beat uses to pick whose token refreshes what."""
    chosen = viewer_language(user_id=user.pk)
    if chosen is not None:
        request.session[SESSION_LANGUAGE] = chosen
    identity = getattr(sociallogin, "webwork_identity", None)
    if identity is None:
        return
    workspaces = list(identity.workspaces)
    workspace_list_prime(user_id=user.pk, workspaces=workspaces)
    managed_workspaces_record(user=user, workspaces=workspaces)
    viewer_seen_at_sign_in(
        user_id=user.pk,
        zone_name=identity.timezone,
        browser_language=getattr(request, "LANGUAGE_CODE", ""),
    )
