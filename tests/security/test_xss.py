"""S-17: text from WebWork renders as text on every page (hostile seed, 48 payloads)."""

import csv
import io
import json
import re
from pathlib import Path

import openpyxl
import pytest
from django.utils.html import escape

from sandbox.xss import PAYLOADS

from .support import (
    HTMX,
    MANAGER,
    OWNER,
    ROOT,
    WS_A,
    WS_B,
    body,
    dashboard_patterns,
    route_url,
    unsafe_markup,
)

pytestmark = [pytest.mark.django_db, pytest.mark.sandbox_seed(hostile=True)]

# Payloads whose raw form would be markup if a template printed them unescaped.
MARKUP = [p for p in PAYLOADS if any(ch in p for ch in "<>\"'")]


def _pages(client, webwork, workspace_id: int) -> dict[str, str]:
    """Every page and fragment of a workspace, by label."""
    state = webwork.state
    pages = {}
    for pattern in dashboard_patterns():
        converters = pattern.pattern.converters
        if (
            converters.keys() & {"leave_id", "feed_id", "token", "run_id"}
            or pattern.name == "healthz"
        ):
            continue
        url = route_url(pattern, workspace_id=workspace_id)
        for label, headers in (("page", {}), ("htmx", HTMX)):
            response = client.get(url, headers=headers)
            if response.status_code == 405:  # a POST-only action: its fragment is tested below
                continue
            assert response.status_code in (200, 302), (url, response.status_code)
            if response.get("Content-Type", "").startswith("text/csv"):
                _assert_csv_is_a_download(response)
                continue
            if response.get("Content-Type", "").startswith("application/vnd.openxmlformats"):
                _assert_xlsx_is_a_download(response)
                continue
            pages[f"{label} {url}"] = body(response).decode()
    months = {lv["start_date"][:7] for lv in state.leaves_for(workspace_id)}
    for month in sorted(months):
        url = f"/w/{workspace_id}/calendar/?month={month}"
        pages[url] = client.get(url).content.decode()
    for status in ("pending", "approved", "rejected"):
        for page in (1, 2, 3):
            url = f"/w/{workspace_id}/leaves/?status={status}&page={page}"
            pages[url] = client.get(url).content.decode()
    member = state.members_for(workspace_id)[5]
    url = f"/w/{workspace_id}/leaves/new/?member={member['id']}&policy={workspace_id * 100 + 1}"
    pages[url] = client.get(url).content.decode()
    # A feed limited to a team and a policy whose names are payloads: the page that shows its
    # link, and the list of feeds (an iCalendar feed is not HTML: see test_feeds.py).
    team = next(m["team_name"] for m in state.members_for(workspace_id) if m["team_name"])
    policy = state.policies_for(workspace_id)[0]["id"]
    url = f"/w/{workspace_id}/feeds/"
    made = client.post(url, {"name": team, "team": team, "policy": policy})
    assert made.status_code == 201
    pages[f"made {url}"] = made.content.decode()
    pages[f"list {url}"] = client.get(url).content.decode()
    return pages


def _assert_csv_is_a_download(response) -> None:
    """The export holds raw text by design: it must never be rendered as a page."""
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    rows = list(csv.reader(io.StringIO(body(response).decode())))
    assert len(rows) > 1
    for row in rows[1:]:
        for cell in row:
            if re.fullmatch(r"-?\d+(\.\d+)?", cell):
                continue  # a number (a balance below zero is one): no spreadsheet runs it
            assert cell[:1] not in ("=", "+", "@", "-"), cell[:40]


def _assert_xlsx_is_a_download(response) -> None:
    """The workbook holds raw text as text cells: no cell of it is a formula."""
    assert response["Content-Disposition"].startswith("attachment;")
    sheet = openpyxl.load_workbook(io.BytesIO(body(response))).active
    assert sheet.max_row > 1
    assert not [cell for row in sheet.iter_rows() for cell in row if cell.data_type == "f"]


def _assert_inert(pages: dict[str, str]) -> set[str]:
    """No page contains a raw payload or markup only a payload could create; return hits."""
    seen = set()
    for label, html in pages.items():
        problems = unsafe_markup(html)
        assert problems == [], f"{label}: {problems[:3]}"
        for payload in MARKUP:
            assert payload not in html, f"{label} printed raw: {payload[:50]!r}"
        for payload in PAYLOADS:
            if escape(payload) in html:
                seen.add(payload)
    return seen


def test_the_corpus_is_big_enough():
    assert len(PAYLOADS) >= 40
    assert len(MARKUP) >= 30


def test_every_page_renders_the_hostile_corpus_as_text(webwork, signed_in, record_property):
    client = signed_in(MANAGER)
    pages = _pages(client, webwork, WS_A)
    seen = _assert_inert(pages)
    record_property("pages", len(pages))
    record_property("payloads_seen_escaped", len(seen))
    # The corpus really went through the pages (escaped), not around them.
    assert len(seen) >= 40, sorted(set(PAYLOADS) - seen)[:5]
    assert "{{ 7*7 }}" in "".join(pages.values())  # template syntax is not evaluated


def test_workspace_names_in_the_picker_and_switcher_are_text(webwork, signed_in):
    client = signed_in(OWNER)
    pages = {
        "picker": client.get("/workspaces/").content.decode(),
        "switcher A": client.get(f"/w/{WS_A}/policies/").content.decode(),
        "switcher B": client.get(f"/w/{WS_B}/policies/").content.decode(),
    }
    _assert_inert(pages)
    names = [w["workspace_name"] for w in webwork.state.workspaces_for(1001)]
    for name in names:
        assert escape(name) in pages["picker"]


def test_decision_fragments_messages_and_toasts_are_text(webwork, signed_in):
    client = signed_in(MANAGER)
    client.get(f"/w/{WS_A}/")
    pending = webwork.state.leaves_for(WS_A, status="pending")
    hostile_reason = '<img src=x onerror="window.__pwned=1"> "quoted" & more'
    fragments = {}
    response = client.post(f"/w/{WS_A}/leaves/{pending[0]['id']}/approve/", headers=HTMX)
    fragments["approve"] = response.content.decode()
    response = client.post(
        f"/w/{WS_A}/leaves/{pending[1]['id']}/reject/", {"reason": hostile_reason}, headers=HTMX
    )
    fragments["reject"] = response.content.decode()
    # Decided elsewhere by someone whose name is a payload: the message quotes that name.
    decider = next(
        m for m in webwork.state.members_for(WS_A) if any(ch in m["firstname"] for ch in "<\"'")
    )
    webwork.state.decide(pending[2]["id"], "rejected", by_user_id=decider["id"], reason="<b>no</b>")
    response = client.post(f"/w/{WS_A}/leaves/{pending[2]['id']}/approve/", headers=HTMX)
    fragments["elsewhere"] = response.content.decode()
    trigger = response.get("HX-Trigger")
    plain = client.post(f"/w/{WS_A}/leaves/{pending[3]['id']}/reject/", {"reason": hostile_reason})
    fragments["after redirect"] = client.get(plain["Location"]).content.decode()
    _assert_inert(fragments)
    assert escape(hostile_reason) in fragments["reject"]
    assert escape(decider["firstname"]) in fragments["elsewhere"]
    if trigger:  # toasts in headers are JSON, put on the page with textContent by app.js
        json.loads(trigger)


def test_templates_never_switch_escaping_off():
    offenders = []
    for path in (ROOT / "templates").rglob("*.html"):
        text = path.read_text()
        if re.search(r"\|\s*safe\b|autoescape\s+off|\|\s*safeseq\b", text):
            offenders.append(str(path.relative_to(ROOT)))
    for path in (ROOT / "dashboard").rglob("*.py"):
        text = path.read_text()
        if re.search(r"\bmark_safe\(|\bformat_html\(|SafeString\(", text):
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_static_javascript_never_writes_html_from_strings():
    script = Path(ROOT / "static" / "js" / "app.js").read_text()
    assert not re.search(r"\.(innerHTML|outerHTML)\s*=|insertAdjacentHTML|document\.write", script)
    assert "eval(" not in script
    assert "new Function" not in script
