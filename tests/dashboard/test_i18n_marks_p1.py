"""Texts of forms, models, views, platform and notifications go through Django's translation,
and read in English exactly as before when no catalogue translates them."""

from types import SimpleNamespace

import pytest
from django.utils import translation
from django.utils.translation import trans_real

from dashboard.forms import PERIOD_CHOICES, STATUS_CHOICES, CoverageForm, team_field_name
from dashboard.models import AuditEntry, BulkItem
from dashboard.notifications.alerts import alert_subject, webhook_payload
from dashboard.notifications.digests import digest_subject
from dashboard.platform.outbound import webhook_url_problem
from dashboard.subscription_forms import WEEKDAYS
from dashboard.views.context_processors import SECTIONS


class MarkingTranslation:
    """A catalogue that translates every text into itself between ⟦ and ⟧."""

    def gettext(self, message: str) -> str:
        return f"⟦{message.split(trans_real.CONTEXT_SEPARATOR)[-1]}⟧"

    def ngettext(self, singular: str, plural: str, number: int) -> str:
        return f"⟦{singular if number == 1 else plural}⟧"

    def to_language(self) -> str:
        return "x-marks"


@pytest.fixture
def marking(monkeypatch):
    """Every marked text shows as ⟦text⟧ while the fixture is active."""
    monkeypatch.setitem(trans_real._translations, "x-marks", MarkingTranslation())
    with translation.override("x-marks"):
        yield


def _digest(count: int, *workspaces: tuple[str, int]):
    parts = [
        SimpleNamespace(workspace=SimpleNamespace(name=name), pending_count=pending)
        for name, pending in workspaces
    ]
    return SimpleNamespace(pending_count=count, workspaces=parts)


def _news(*members: str):
    rows = [
        SimpleNamespace(
            member=member,
            policy="Annual <leave>",
            dates="3–5 May",
            duration="3 days",
            balance_after="12 days",
        )
        for member in members
    ]
    return SimpleNamespace(rows=rows, workspace_name="Northwind")


def test_digest_subjects_read_as_before():
    assert digest_subject(_digest(0)) == "No leave requests waiting"
    assert digest_subject(_digest(1, ("Northwind", 1))) == "1 leave request waiting in Northwind"
    assert digest_subject(_digest(3, ("Northwind", 3))) == "3 leave requests waiting in Northwind"
    both = _digest(5, ("Northwind", 2), ("Acme", 3), ("Empty", 0))
    assert digest_subject(both) == "5 leave requests waiting in 2 workspaces"


def test_alert_subjects_and_webhook_text_read_as_before():
    assert alert_subject(_news("Ana")) == "New leave request: Ana – Annual <leave>, 3–5 May"
    assert alert_subject(_news("Ana", "Bo")) == "2 new leave requests in Northwind"
    text = webhook_payload(_news("Ana", "Bo"), "https://dash.test/w/1/")["text"]
    assert text.splitlines() == [
        "*2 new leave requests in Northwind*",
        "• Ana – Annual &lt;leave&gt;, 3–5 May (3 days), balance after 12 days",
        "• Bo – Annual &lt;leave&gt;, 3–5 May (3 days), balance after 12 days",
        "Open the inbox: https://dash.test/w/1/",
    ]


def test_choices_and_labels_read_as_before():
    assert [str(label) for _value, label in STATUS_CHOICES] == [
        "Any status",
        "Pending",
        "Approved",
        "Rejected",
    ]
    assert [str(label) for _value, label in PERIOD_CHOICES] == [
        "Full day",
        "First half",
        "Second half",
    ]
    assert [str(label) for _value, label in WEEKDAYS][:2] == ["Mon", "Tue"]
    assert [str(section.label) for section in SECTIONS][:3] == ["Inbox", "Calendar", "Requests"]
    assert AuditEntry.Outcome.INVALID.label == "Refused by WebWork"


def test_coverage_counts_members_in_the_singular_and_the_plural():
    form = CoverageForm({team_field_name("Ops"): "3"}, teams={"Ops": 1, "Dev": 2}, minimums={})
    assert form.fields[team_field_name("Ops")].help_text == "1 member"
    assert form.fields[team_field_name("Dev")].help_text == "2 members"
    assert not form.is_valid()
    assert form.errors[team_field_name("Ops")] == ["Ops has 1 member: enter 1 or fewer."]


@pytest.mark.usefixtures("marking")
def test_marked_texts_go_through_the_catalogue(settings):
    settings.WEBHOOK_ALLOW_LOCAL = False
    assert digest_subject(_digest(0)) == "⟦No leave requests waiting⟧"
    assert digest_subject(_digest(2, ("Northwind", 2))) == "⟦2 leave requests waiting in Northwind⟧"
    assert alert_subject(_news("Ana", "Bo")) == "⟦2 new leave requests in Northwind⟧"
    assert webhook_url_problem("http://hooks.test/x") == (
        "⟦Use the https:// address your chat app gave you.⟧"
    )
    assert str(STATUS_CHOICES[1][1]) == "⟦Pending⟧"
    assert str(PERIOD_CHOICES[0][1]) == "⟦Full day⟧"
    assert str(SECTIONS[0].label) == "⟦Inbox⟧"
    assert str(BulkItem.Outcome.QUEUED.label) == "⟦Waiting⟧"
    form = CoverageForm(teams={"Ops": 2}, minimums={})
    assert form.fields[team_field_name("Ops")].help_text == "⟦2 members⟧"
