import random
from typing import Any

import pytest
import requests
import responses

from dashboard.webwork import WebWorkClient

from .support import BASE, TOKEN, FakeSleep


@pytest.fixture(autouse=True)
def _every_call_has_a_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail any HTTP call made without a timeout (a call without one can hang a worker)."""
    original = requests.Session.request

    def checked(self: requests.Session, method: str, url: str, **kwargs: Any) -> Any:
        assert kwargs.get("timeout") is not None, f"{method} {url} sent without a timeout"
        return original(self, method, url, **kwargs)

    monkeypatch.setattr(requests.Session, "request", checked)


@pytest.fixture
def mocked():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def sleeps() -> FakeSleep:
    return FakeSleep()


@pytest.fixture
def make_client(sleeps: FakeSleep):
    def make(**kwargs: Any) -> WebWorkClient:
        kwargs.setdefault("base_url", BASE)
        kwargs.setdefault("access_token", TOKEN)
        kwargs.setdefault("sleep", sleeps)
        kwargs.setdefault("rng", random.Random(20250219))
        return WebWorkClient(**kwargs)

    return make


@pytest.fixture
def client(make_client) -> WebWorkClient:
    return make_client()
