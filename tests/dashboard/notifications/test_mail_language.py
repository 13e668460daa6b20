"""E-mail in the recipient's language: their pick, else their browser's, else English."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import translation

from dashboard.models import UserPreference
from dashboard.selectors.language import mail_language
from tests.i18n.reading import english_left, holiday_names, readable_text, upstream_strings
from tests.mail import parts

pytestmark = pytest.mark.django_db

MONDAY_10_IN_MADRID = "2027-05-17T08:05Z"
MATEO = "manager@sandbox.test"
MATEO_USERNAME = "webwork-1002"


def _digest(smtp):
    call_command("send_digests", "--now", "--user", MATEO, stdout=StringIO())
    (message,) = smtp.to(MATEO)
    return message


@pytest.mark.clock(MONDAY_10_IN_MADRID)
def test_a_digest_is_written_in_the_language_the_person_picked(manager_client, webwork, smtp):
    manager_client.post("/language/", {"language": "fr", "next": "/w/1/"})
    message = _digest(smtp)
    text, html = parts(message)
    waiting = len(webwork.state.leaves_for(1, status="pending"))
    with translation.override("fr"):
        subject = translation.ngettext(
            "%(count)s leave request waiting in %(workspace)s",
            "%(count)s leave requests waiting in %(workspace)s",
            waiting,
        ) % {"count": waiting, "workspace": "Northwind Studio"}
    assert message["Subject"] == subject
    assert "leave requests waiting" not in subject  # French, not English
    assert 'lang="fr"' in html
    team_words = upstream_strings(webwork, 1) + holiday_names()
    assert english_left(text, "fr", team_words) == []
    assert english_left(readable_text(html), "fr", team_words) == []


def test_without_a_pick_mail_follows_the_browser_seen_at_sign_in(manager_client):
    preference = UserPreference.objects.get(user__username=MATEO_USERNAME)
    user_id = preference.user_id
    assert mail_language(user_id=user_id) == "en"  # the test client sends no Accept-Language
    preference.browser_language = "es"
    preference.save()
    assert mail_language(user_id=user_id) == "es"
    preference.language = "de"
    preference.save()
    assert mail_language(user_id=user_id) == "de"
    preference.language = "xx"  # no longer offered: the browser's again
    preference.save()
    assert mail_language(user_id=user_id) == "es"
