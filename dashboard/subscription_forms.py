"""Forms of the "stay in the loop" pages: calendar feeds, personal notifications, chat webhooks."""

from django import forms

from dashboard.platform.outbound import webhook_url_problem
from dashboard.webwork import Policy
from dashboard.zones import zone_choices

MAX_FEED_NAME = 100


class FeedForm(forms.Form):
    """What a calendar feed shows: the whole workspace, or one team and/or one policy."""

    name = forms.CharField(
        max_length=MAX_FEED_NAME,
        strip=True,
        initial="Who's off",
        error_messages={"required": "Give the feed a name, as calendars will show it."},
    )
    team = forms.ChoiceField(required=False, label="Team")
    policy = forms.TypedChoiceField(coerce=int, required=False, empty_value=None, label="Policy")
    include_pending = forms.BooleanField(
        required=False, label="Include pending requests (marked tentative)"
    )
    include_holidays = forms.BooleanField(
        required=False, initial=True, label="Include public holidays"
    )

    def __init__(self, data=None, *, teams: list[str], policies: list[Policy], **kwargs):
        super().__init__(data, **kwargs)
        self.fields["team"].choices = [("", "Every team"), *((t, t) for t in teams)]
        self.fields["policy"].choices = [("", "Every policy")] + [
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
WEEKDAYS = [(0, "Mon"), (1, "Tue"), (2, "Wed"), (3, "Thu"), (4, "Fri"), (5, "Sat"), (6, "Sun")]


class NotificationForm(forms.Form):
    """A person's e-mail: the digest (when, and whether also when empty), new-request alerts."""

    digest_enabled = forms.BooleanField(required=False, label="E-mail me a digest")
    digest_hour = forms.TypedChoiceField(coerce=int, choices=HOURS, initial=8, label="At")
    digest_weekdays = forms.TypedMultipleChoiceField(
        coerce=int,
        choices=WEEKDAYS,
        initial=[0, 1, 2, 3, 4],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="On",
    )
    timezone = forms.ChoiceField(label="Time zone")
    digest_when_empty = forms.BooleanField(required=False, label="Also when nothing waits")
    alerts_enabled = forms.BooleanField(
        required=False, label="E-mail me when a new request arrives"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["timezone"].choices = zone_choices()

    def clean(self):
        """A digest needs at least one day."""
        cleaned = super().clean()
        if cleaned.get("digest_enabled") and not cleaned.get("digest_weekdays"):
            self.add_error("digest_weekdays", "Choose at least one day, or turn the digest off.")
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
        label="Incoming webhook address",
        error_messages={"required": "Paste the webhook address from your chat app."},
    )

    def clean_url(self) -> str:
        """Only what an incoming webhook can be (https, no credentials in it)."""
        url = self.cleaned_data["url"]
        problem = webhook_url_problem(url)
        if problem:
            raise forms.ValidationError(problem)
        return url
