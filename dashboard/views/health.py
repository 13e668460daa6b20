"""`/healthz`: can this process serve, and which dependency is down."""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from dashboard.platform.health import health_report


@login_not_required
@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """200 while the process can serve pages (even degraded), 503 when it cannot.

    Only an essential dependency (the database) makes it 503; the body names every check.
    GET and HEAD, so that any load balancer can use it.
    """
    report = health_report()
    status = 503 if report["status"] == "down" else 200
    return JsonResponse(report, status=status, json_dumps_params={"indent": 2})
