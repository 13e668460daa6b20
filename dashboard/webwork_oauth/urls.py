from allauth.socialaccount.providers.oauth2.urls import default_urlpatterns

from .provider import WebWorkProvider

urlpatterns = default_urlpatterns(WebWorkProvider)
