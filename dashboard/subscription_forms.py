"""Forms of the "stay in the loop" pages: calendar feeds, personal notifications, chat webhooks."""

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from dashboard.platform.outbound import webhook_url_problem
from dashboard.webwork import Policy
from dashboard.zones import zone_choices

MAX_FEED_NAME = 100


class FeedForm(forms.Form):
    """What a calendar feed shows: the whole workspace, or one team and/or one policy."""

    name = forms.CharField(
        max_length=MAX_FEED_NAME,
        strip=True,
        initial=gettext_lazy("Who's off"),
        error_messages={
            "required": gettext_lazy("Give the feed a name, as calendars will show it.")
        },
    )
    team = forms.ChoiceField(required=False, label=gettext_lazy("Team"))
    policy = forms.TypedChoiceField(
        coerce=int, required=False, empty_value=None, label=gettext_lazy("Policy")
    )
    include_pending = forms.BooleanField(
        required=False, label=gettext_lazy("Include pending requests (marked tentative)")
    )
    include_holidays = forms.BooleanField(
        required=False, initial=True, label=gettext_lazy("Include public holidays")
    )

    def __init__(self, data=None, *, teams: list[str], policies: list[Policy], **kwargs):
        super().__init__(data, **kwargs)
        self.fields["team"].choices = [("", _("Every team")), *((t, t) for t in teams)]
        self.fields["policy"].choices = [("", _("Every policy"))] + [
            (str(p.id), p.name) for p in policies
        ]

    def spec_values(self) -> dict:
        """The cleaned values, named as the feed service takes them."""
        data = self.cleaned_data
        return {
            "name": data["name"],
            "team": data.get("team") or "",
            "policy_id": data.get("policy"),
            "include_pending": bool(data.get("include_pending")),
            "include_holidays": bool(data.get("include_holidays")),
        }


HOURS = [(hour, f"{hour:02d}:00") for hour in range(24)]
WEEKDAYS = [
    (0, gettext_lazy("Mon")),
    (1, gettext_lazy("Tue")),
    (2, gettext_lazy("Wed")),
    (3, gettext_lazy("Thu")),
    (4, gettext_lazy("Fri")),
    (5, gettext_lazy("Sat")),
    (6, gettext_lazy("Sun")),
]


class NotificationForm(forms.Form):
    """A person's e-mail: the digest (when, and whether also when empty), new-request alerts."""

    digest_enabled = forms.BooleanField(required=False, label=gettext_lazy("E-mail me a digest"))
    digest_hour = forms.TypedChoiceField(
        coerce=int, choices=HOURS, initial=8, label=pgettext_lazy("digest hour", "At")
    )
    digest_weekdays = forms.TypedMultipleChoiceField(
        coerce=int,
        choices=WEEKDAYS,
        initial=[0, 1, 2, 3, 4],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=pgettext_lazy("digest weekdays", "On"),
    )
    timezone = forms.ChoiceField(label=gettext_lazy("Time zone"))
    digest_when_empty = forms.BooleanField(
        required=False, label=gettext_lazy("Also when nothing waits")
    )
    alerts_enabled = forms.BooleanField(
        required=False, label=gettext_lazy("E-mail me when a new request arrives")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["timezone"].choices = zone_choices()

    def clean(self):
        """A digest needs at least one day."""
        cleaned = super().clean()
        if cleaned.get("digest_enabled") and not cleaned.get("digest_weekdays"):
            self.add_error("digest_weekdays", _("Choose at least one day, or turn the digest off."))
        return cleaned

    def preference_values(self) -> dict:
        """The cleaned values, as NotificationPreference stores them."""
        data = self.cleaned_data
        return {
            "digest_enabled": data["digest_enabled"],
            "digest_hour": data["digest_hour"],
            "digest_weekdays": ",".join(str(day) for day in sorted(data["digest_weekdays"])),
            "timezone": data["timezone"],
            "digest_when_empty": data["digest_when_empty"],
            "alerts_enabled": data["alerts_enabled"],
        }


class WebhookForm(forms.Form):
    """A Slack- or Teams-compatible incoming webhook's address."""

    url = forms.URLField(
        max_length=2000,
        assume_scheme="https",
        label=gettext_lazy("Incoming webhook address"),
        error_messages={"required": gettext_lazy("Paste the webhook address from your chat app.")},
    )

    def clean_url(self) -> str:
        """Only what an incoming webhook can be (https, no credentials in it)."""
        url = self.cleaned_data["url"]
        problem = webhook_url_problem(url)
        if problem:
            raise forms.ValidationError(problem)
        return url
