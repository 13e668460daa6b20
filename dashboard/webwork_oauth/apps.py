from django.apps import AppConfig


class WebWorkOAuthConfig(AppConfig):
    """Sign in with WebWork: the allauth provider `webwork` and its encrypted tokens."""

    name = "dashboard.webwork_oauth"
    label = "webwork_oauth"
    verbose_name = "Sign in with WebWork"

    def ready(self) -> None:
        """Connect the sign-in signal handlers."""
        from . import signals  # noqa: F401
