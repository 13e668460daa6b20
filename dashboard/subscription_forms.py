"""Forms of the "stay in the loop" pages: calendar feeds, personal notifications, chat webhooks."""

from django import forms

from dashboard.webwork import Policy

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
