"""The allauth OAuth2 provider `webwork`, mirroring allauth's own small providers."""

from allauth.account.models import EmailAddress
from allauth.socialaccount.providers.base import ProviderAccount
from allauth.socialaccount.providers.base.constants import AuthProcess
from allauth.socialaccount.providers.oauth2.provider import OAuth2Provider
from allauth.socialaccount.providers.oauth2.utils import generate_code_challenge
from django.conf import settings

from .views import WebWorkOAuth2Adapter

SCOPE = ("read", "write")


class WebWorkAccount(ProviderAccount):
    """A WebWork account as shown by allauth."""

    def to_str(self) -> str:
        """Show the person's name, else their email."""
        data = self.account.extra_data
        return data.get("name") or data.get("email") or super().to_str()


class WebWorkProvider(OAuth2Provider):
    """Sign in with WebWork (authorization code, PKCE S256, scope `read write`).

    allauth copies `?scope=` and `?auth_params=` from the login URL into the authorize request
    (adding scopes, replacing redirect_uri or response_type). Nothing on the login URL may steer
    what reaches WebWork, so those hooks ignore the request entirely.
    """

    id = "webwork"
    name = "WebWork"
    account_class = WebWorkAccount
    oauth2_adapter_class = WebWorkOAuth2Adapter
    pkce_enabled_default = True

    def get_default_scope(self) -> list[str]:
        """Always `read write`."""
        return list(SCOPE)

    def get_scope(self) -> list[str]:
        """Always `read write`, whatever the settings or the request say."""
        return list(SCOPE)

    def get_scope_from_request(self, request) -> list[str]:
        """Ignore `?scope=` on the login URL."""
        return self.get_scope()

    def get_auth_params(self) -> dict:
        """No extra authorize parameters."""
        return {}

    def get_auth_params_from_request(self, request, action) -> dict:
        """Ignore `?auth_params=` on the login URL."""
        return {}

    def get_redirect_from_request_kwargs(self, request) -> dict:
        """Only sign-in: `?process=connect|redirect` is ignored."""
        kwargs = super().get_redirect_from_request_kwargs(request)
        kwargs["process"] = AuthProcess.LOGIN
        return kwargs

    def get_pkce_params(self) -> dict:
        """PKCE S256 unless WEBWORK_PKCE is off (read at call time)."""
        return generate_code_challenge() if settings.WEBWORK_PKCE else {}

    def extract_uid(self, data: dict) -> str:
        """The WebWork user id: stable, unlike name or email."""
        return str(data["id"])

    def extract_common_fields(self, data: dict) -> dict:
        """Name and email fill the Django user."""
        return {
            "email": data.get("email") or "",
            "first_name": (data.get("first_name") or "")[:150],
            "last_name": (data.get("last_name") or "")[:150],
        }

    def extract_email_addresses(self, data: dict) -> list[EmailAddress]:
        """The WebWork email, not treated as verified for account linking."""
        email = data.get("email")
        return [EmailAddress(email=email, verified=False, primary=True)] if email else []

    def extract_extra_data(self, data: dict) -> dict:
        """What is kept on the social account: identity only, never a token."""
        return {key: data.get(key) for key in ("id", "name", "email", "workspace_ids")}


provider_classes = [WebWorkProvider]
