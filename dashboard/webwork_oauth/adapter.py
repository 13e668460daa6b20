"""allauth adapter: WebWork is the only way in; failures are logged without secrets."""

import logging

from allauth.socialaccount.adapter import DefaultSocialAccountAdapter

logger = logging.getLogger("dashboard.auth")


class WebWorkSocialAccountAdapter(DefaultSocialAccountAdapter):
    """Sign-up happens implicitly at first sign-in; no forms, no connecting other accounts."""

    def is_open_for_signup(self, request, sociallogin) -> bool:
        """Anyone WebWork lets through (and who manages a workspace) gets an account."""
        return True

    def on_authentication_error(
        self, request, provider, error=None, exception=None, extra_context=None
    ):
        """Log the failure kind, never its details (they may hold codes or tokens)."""
        logger.warning(
            "sign-in error",
            extra={
                "provider": getattr(provider, "id", None),
                "error": str(error) if error else None,
                "exception": exception.__class__.__name__ if exception else None,
            },
        )
