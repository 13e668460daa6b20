"""S-17..S-19 in a real browser: hostile WebWork text never runs, CSP holds, no framing."""

import os
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests import needs

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # live server + Playwright's loop

CHROMIUM = Path(os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium"))

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.sandbox_seed(hostile=True),
    *(
        []
        if CHROMIUM.exists()
        else [needs.unavailable("browser", f"Chromium not found at {CHROMIUM}")]
    ),
]

WATCH = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__violations.push(e.violatedDirective + " " + (e.blockedURI || "inline"));
});
"""

ACTIVE_ATTRIBUTES = (
    "[onerror],[onload],[onclick],[onfocus],[onmouseover],[ontoggle],[onbegin],"
    "[hx-trigger='load'],[data-hx-trigger='load'],iframe,object,embed,math,base"
)


@pytest.fixture(scope="module")
def chromium(playwright):
    """Debian's Chromium, driven by pytest-playwright's (per process) Playwright."""
    browser = playwright.chromium.launch(
        executable_path=str(CHROMIUM),
        args=["--disable-gpu", "--disable-background-networking", "--no-first-run"],
    )
    yield browser
    browser.close()


class Watch:
    """Everything a page did that it should not: dialogs, scripts, foreign requests."""

    def __init__(self, page, allowed_hosts: set[str]):
        self.dialogs: list[str] = []
        self.foreign: list[str] = []
        self.errors: list[str] = []
        page.on("dialog", lambda dialog: (self.dialogs.append(dialog.message), dialog.dismiss()))
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on(
            "request",
            lambda request: (
                None
                if urlsplit(request.url).netloc in allowed_hosts
                or request.url.startswith(("data:", "about:"))
                else self.foreign.append(request.url)
            ),
        )

    def check(self, page, label: str) -> None:
        """Nothing ran, nothing was injected, no CSP violation happened on this page."""
        assert page.evaluate("window.__pwned") is None, label
        assert page.evaluate("window.__violations") == [], label
        assert page.locator(ACTIVE_ATTRIBUTES).count() == 0, label
        assert self.dialogs == [], label
        assert self.foreign == [], label
        assert self.errors == [], label


def _sign_in(page, live_server, persona_id: int) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_role("button", name="Sign in with WebWork").click()
    page.locator(f"input[name=persona][value='{persona_id}']").check()
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url(f"{live_server.url}/w/**")


@pytest.mark.django_db(transaction=True)
def test_hostile_text_never_runs_in_the_browser(chromium, live_server, webwork):
    context = chromium.new_context()
    context.add_init_script(WATCH)
    page = context.new_page()
    hosts = {urlsplit(live_server.url).netloc, urlsplit(webwork.url).netloc}
    watch = Watch(page, hosts)
    _sign_in(page, live_server, 1002)
    base = f"{live_server.url}/w/1"
    months = sorted({lv["start_date"][:7] for lv in webwork.state.leaves_for(1)})[::3]
    urls = [
        f"{base}/",
        f"{base}/leaves/",
        f"{base}/leaves/?status=approved",
        f"{base}/leaves/?status=rejected&page=2",
        f"{base}/balances/",
        f"{base}/policies/",
        f"{base}/leaves/new/",
        f"{base}/settings/",
        *(f"{base}/calendar/?month={month}" for month in months),
    ]
    for url in urls:
        page.goto(url)
        page.wait_for_load_state("networkidle")
        page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
        page.mouse.move(200, 300)
        watch.check(page, url)
    # HTMX: approve one request and reject another with a hostile reason, in place.
    page.goto(f"{base}/")
    rows = page.locator("li.request")
    first_id = rows.nth(0).get_attribute("id")
    rows.nth(0).get_by_role("button", name="Approve").click()
    page.locator(f"#{first_id} .request__outcome").wait_for()
    second = page.locator("li.request").nth(1)
    second_id = second.get_attribute("id")
    second.locator("summary").click()
    second.locator("textarea").fill('<img src=x onerror="window.__pwned=1">')
    second.get_by_role("button", name="Reject request").click()
    page.locator(f"#{second_id} .request__outcome").wait_for()
    page.wait_for_load_state("networkidle")
    watch.check(page, "after htmx swaps")
    assert "onerror" in page.locator(f"#{second_id}").inner_text()  # shown as text
    decided = {f"leave-{lv['id']}": lv["status"] for lv in webwork.state.leaves_for(1)}
    assert (decided[first_id], decided[second_id]) == ("approved", "rejected")
    context.close()


@pytest.mark.django_db(transaction=True)
def test_pages_refuse_to_be_framed(chromium, live_server, webwork):
    context = chromium.new_context()
    page = context.new_page()
    target = f"{live_server.url}/accounts/login/"
    page.set_content(f'<iframe id="f" src="{target}" width="600" height="400"></iframe>')
    page.wait_for_timeout(1500)
    frame = next((f for f in page.frames if f != page.main_frame), None)
    assert frame is not None
    assert frame.url.startswith("chrome-error://"), frame.url  # blocked, not rendered
    context.close()
