from django.apps import AppConfig


class DashboardConfig(AppConfig):
    """The leave dashboard: pages, actions, services, caching and jobs."""

    name = "dashboard"
    verbose_name = "Leave dashboard"

    def ready(self) -> None:
        """Register tasks and system checks."""
        from . import signals, tasks  # noqa: F401
        from .platform import checks  # noqa: F401
