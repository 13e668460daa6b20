"""`/healthz`: can this process serve, and which dependency is down."""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from dashboard.health import health_report


@login_not_required
@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 whenever the web process can answer; the body says what is down."""
    return JsonResponse(health_report(), json_dumps_params={"indent": 2})
