from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class WebWorkOAuthConfig(AppConfig):
    """Sign in with WebWork: the allauth provider `webwork` and its encrypted tokens."""

    name = "dashboard.webwork_oauth"
    label = "webwork_oauth"
    verbose_name = gettext_lazy("Sign in with WebWork")

    def ready(self) -> None:
        """Connect the sign-in signal handlers."""
        from . import signals  # noqa: F401
