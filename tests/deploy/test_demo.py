"""The compose demo, without Docker: production settings with compose.yaml's demo defaults,
gunicorn started by the entrypoint, the sandbox reached at one address by the server and at
another by the browser (as `sandbox:8001` and `localhost:8001` are in compose)."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.contrib.auth import get_user_model

from tests.oauth_flow import authorize, finish_login, start_login, with_params

from .support import (
    compose,
    production_environ,
    run_entrypoint,
    running_web,
    service_environment,
)


def _browser_url(sandbox) -> str:
    """The sandbox as a browser reaches it: another host name than the server uses."""
    return sandbox.oauth_url.replace("127.0.0.1", "localhost")


@pytest.mark.django_db
def test_the_browser_is_sent_to_the_browser_url_and_the_server_uses_the_other(
    webwork, browser_client, settings
):
    settings.WEBWORK_OAUTH_BROWSER_URL = _browser_url(webwork)
    location = start_login(browser_client)
    assert location.startswith(_browser_url(webwork) + "/authorize?")
    response = finish_login(browser_client, authorize(location, "manager@sandbox.test"))
    assert response.status_code == 302
    assert get_user_model().objects.get().email == "manager@sandbox.test"
    # The code was exchanged by the server, at WEBWORK_OAUTH_URL.
    assert webwork.state.calls.count(method="POST", path="^/oauth/token$") == 1


@pytest.mark.django_db
def test_without_a_browser_url_the_browser_goes_to_the_oauth_url(webwork, browser_client):
    assert start_login(browser_client).startswith(webwork.oauth_url + "/authorize?")


@pytest.fixture(scope="module")
def demo(image_tree, sandbox_server, tmp_path_factory):
    """gunicorn as compose's demo runs it, wired to this test process's sandbox."""
    tmp = tmp_path_factory.mktemp("demo")
    env = {
        **production_environ(),
        **service_environment(compose()["services"]["web"], {}),
        "DATABASE_URL": f"sqlite:///{tmp / 'db.sqlite3'}",
        "WEBWORK_API_URL": sandbox_server.api_url,
        "WEBWORK_OAUTH_URL": sandbox_server.oauth_url,
        "WEBWORK_OAUTH_BROWSER_URL": _browser_url(sandbox_server),
        "TMPDIR": str(tmp),
    }
    del env["REDIS_URL"]  # no Redis here: in-process cache, inline tasks
    assert env["SECRET_KEY"].startswith("demo-only-")
    run_entrypoint(image_tree, ["migrate"], env=env, check=True)
    with running_web(image_tree, env=env, log=tmp / "web.log") as process:
        process.url = f"http://localhost:{process.port}"
        yield process


def test_the_demo_signs_in_through_the_sandbox_over_plain_http(demo, sandbox):
    browser = requests.Session()
    try:
        page = browser.get(f"{demo.url}/accounts/login/", timeout=30, allow_redirects=False)
    except requests.ConnectionError as exc:
        state = "running" if demo.popen.poll() is None else f"exited {demo.popen.returncode}"
        raise AssertionError(f"gunicorn {state}: {exc}\n{demo.output()[-3000:]}") from exc
    assert page.status_code == 200  # no redirect to https
    assert "csrftoken" in browser.cookies  # plain names, no Secure flag: http on localhost
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    started = browser.post(
        f"{demo.url}/accounts/webwork/login/",
        data={"csrfmiddlewaretoken": token},
        headers={"Origin": demo.url},
        allow_redirects=False,
        timeout=30,
    )
    assert started.status_code == 302, started.text[:500]
    location = started.headers["Location"]
    assert location.startswith(_browser_url(sandbox) + "/authorize?")
    assert parse_qs(urlsplit(location).query)["redirect_uri"] == [
        f"{demo.url}/accounts/webwork/login/callback/"
    ]
    consent = browser.get(
        with_params(location, login_hint="manager@sandbox.test"),
        allow_redirects=False,
        timeout=30,
    )
    assert consent.status_code == 302
    landed = browser.get(consent.headers["Location"], timeout=30)
    assert landed.status_code == 200, landed.text[:500]
    assert urlsplit(landed.url).path == "/w/1/"
    assert "Northwind Studio" in landed.text
    # Static files come hashed from the collected manifest, served by whitenoise.
    css = re.search(r'href="(/static/css/app\.[0-9a-f]{12}\.css)"', landed.text).group(1)
    assert browser.get(demo.url + css, timeout=30).status_code == 200
    assert sandbox.state.calls.count(method="POST", path="^/oauth/token$") == 1
