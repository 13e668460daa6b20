"""The OAuth2 adapter: endpoint URLs read at call time, identity from the API."""

import logging

from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.providers.base import ProviderException
from allauth.socialaccount.providers.oauth2.views import (
    OAuth2Adapter,
    OAuth2CallbackView,
    OAuth2LoginView,
)
from django.conf import settings
from django.shortcuts import render

from dashboard.webwork import WebWorkError

from .identity import identity_from_token

logger = logging.getLogger("dashboard.auth")


class WebWorkOAuth2Adapter(OAuth2Adapter):
    """Talks to WebWork's OAuth2 endpoints; URLs are properties so tests can repoint them."""

    provider_id = "webwork"

    @property
    def authorize_url(self) -> str:
        """`{WEBWORK_OAUTH_BROWSER_URL}/authorize`, else `{WEBWORK_OAUTH_URL}/authorize`.

        The browser follows this one; the token endpoint below is called by the server.
        """
        return f"{settings.WEBWORK_OAUTH_BROWSER_URL or settings.WEBWORK_OAUTH_URL}/authorize"

    @property
    def access_token_url(self) -> str:
        """`{WEBWORK_OAUTH_URL}/token`."""
        return f"{settings.WEBWORK_OAUTH_URL}/token"

    def complete_login(self, request, app, token, **kwargs):
        """Find who signed in; refuse people who manage no workspace.

        allauth's callback turns exception types it does not know into 500s, so every WebWork
        failure is re-raised as ProviderException, which ends on the sign-in-failed page.
        """
        try:
            identity = identity_from_token(token.token)
        except WebWorkError as exc:
            logger.warning("sign-in failed: %s (status %s)", exc.__class__.__name__, exc.status)
            raise ProviderException("WebWork could not be reached to finish signing in") from exc
        if not identity.workspaces:
            logger.info("sign-in refused: manages no workspace", extra={"uid": identity.user_id})
            request.session.flush()
            raise ImmediateHttpResponse(
                render(
                    request,
                    "account/no_access.html",
                    {"name": identity.name, "roles": identity.other_roles},
                    status=403,
                )
            )
        login = self.get_provider().sociallogin_from_response(request, identity.as_login_data())
        # Kept on the login object (never saved by allauth) for the signal that stores tokens.
        login.webwork_identity = identity
        return login


oauth2_login = OAuth2LoginView.adapter_view(WebWorkOAuth2Adapter)
oauth2_callback = OAuth2CallbackView.adapter_view(WebWorkOAuth2Adapter)
