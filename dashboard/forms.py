"""Forms: parse and validate what people type; bad input gets a clear message, nothing is lost."""

import hashlib
import uuid
from functools import cache

import holidays
from anyascii import anyascii
from babel import Locale, UnknownLocaleError
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import get_language, gettext_lazy, ngettext, pgettext_lazy
from django.utils.translation import gettext as _

from dashboard.text import normalise_text, shows_something, text_matches
from dashboard.webwork import Leave, LeavePeriod, LeaveStatus, Member, Policy
from dashboard.zones import zone_choices

MAX_REASON = 1000
MAX_SEARCH = 100

STATUS_LABELS = {
    LeaveStatus.PENDING: pgettext_lazy("leave status", "Pending"),
    LeaveStatus.APPROVED: pgettext_lazy("leave status", "Approved"),
    LeaveStatus.REJECTED: pgettext_lazy("leave status", "Rejected"),
}
STATUS_CHOICES = [
    ("", gettext_lazy("Any status")),
    *((s.value, STATUS_LABELS[s]) for s in LeaveStatus),
]
PAID_CHOICES = [
    ("", gettext_lazy("Paid or unpaid")),
    ("yes", gettext_lazy("Paid")),
    ("no", gettext_lazy("Unpaid")),
]
# The labels are marked where LeavePeriod defines them (dashboard.webwork has no Django).
PERIOD_CHOICES = [(period.value, gettext_lazy(period.label)) for period in LeavePeriod]


class DateInput(forms.DateInput):
    """A native date picker (ISO value)."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class TimeInput(forms.TimeInput):
    """A native time picker (HH:MM)."""

    input_type = "time"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%H:%M")


def _member_choices(members: list[Member], empty: str) -> list[tuple[str, str]]:
    ordered = sorted(members, key=lambda m: (m.full_name.casefold(), m.id))
    return [("", empty)] + [
        (str(m.id), f"{m.full_name} · {m.team_name}" if m.team_name else m.full_name)
        for m in ordered
    ]


def _policy_choices(policies: list[Policy], empty: str) -> list[tuple[str, str]]:
    return [("", empty)] + [(str(p.id), p.name) for p in policies]


def _members_matching(members: list[Member], query: str, *, keep) -> list[Member]:
    """Members whose name, email or team contains `query`, whatever its case and accents
    (the selected one always stays)."""
    if not query.strip():
        return members
    return [
        m
        for m in members
        if text_matches(query, m.full_name, m.email, m.team_name) or str(m.id) == str(keep)
    ]


class LeaveFilterForm(forms.Form):
    """Filters of the requests list; every field optional, invalid ones are reported and ignored."""

    status = forms.ChoiceField(choices=STATUS_CHOICES, required=False, label=gettext_lazy("Status"))
    member = forms.TypedChoiceField(
        coerce=int, required=False, empty_value=None, label=gettext_lazy("Member")
    )
    policy = forms.TypedChoiceField(
        coerce=int, required=False, empty_value=None, label=gettext_lazy("Policy")
    )
    paid = forms.ChoiceField(
        choices=PAID_CHOICES,
        required=False,
        label=pgettext_lazy("a filter: paid or unpaid leave", "Paid"),
    )
    date_from = forms.DateField(required=False, label=pgettext_lazy("date range", "From"))
    date_to = forms.DateField(required=False, label=pgettext_lazy("date range", "To"))
    q = forms.CharField(
        required=False, max_length=MAX_SEARCH, strip=True, label=gettext_lazy("Search")
    )
    page = forms.IntegerField(required=False, min_value=1, max_value=100000)

    def __init__(self, data=None, *, members: list[Member], policies: list[Policy]):
        super().__init__(data)
        self.fields["member"].choices = _member_choices(members, _("Anyone"))
        self.fields["policy"].choices = _policy_choices(policies, _("Any policy"))

    def add_prefix(self, field_name: str) -> str:
        """URL parameters are `from` and `to` (stable, documented), not `date_from`."""
        return {"date_from": "from", "date_to": "to"}.get(field_name, field_name)

    def clean(self):
        """`to` may not be before `from`."""
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("“To” can't be before “From”."))
        return cleaned

    def filters(self) -> dict:
        """The valid filters (fields with errors are left out)."""
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        valid = {k: v for k, v in data.items() if k not in self.errors}
        paid = valid.get("paid")
        return {
            "status": valid.get("status") or None,
            "member_id": valid.get("member"),
            "policy_id": valid.get("policy"),
            "is_paid": {"yes": True, "no": False}.get(paid or ""),
            "date_from": valid.get("date_from"),
            "date_to": valid.get("date_to"),
            "q": valid.get("q") or "",
            "page": valid.get("page") or 1,
        }


class RejectForm(forms.Form):
    """Rejecting needs a reason the member can read: invisible characters alone are none."""

    reason = forms.CharField(
        max_length=MAX_REASON,
        strip=True,
        error_messages={"required": gettext_lazy("Give a reason: the member will see it.")},
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean_reason(self) -> str:
        """The reason normalised; refused when nothing of it would show."""
        reason = normalise_text(self.cleaned_data["reason"])
        if not shows_something(reason):
            raise forms.ValidationError(self.fields["reason"].error_messages["required"])
        return reason


class BulkDecisionForm(forms.Form):
    """Approve or reject the selected requests (or all that match); one reason for a reject."""

    action = forms.ChoiceField(
        choices=[("approve", gettext_lazy("Approve")), ("reject", gettext_lazy("Reject"))],
        error_messages={
            "required": gettext_lazy("Choose approve or reject."),
            "invalid_choice": gettext_lazy("Choose approve or reject."),
        },
    )
    scope = forms.ChoiceField(
        choices=[("selected", gettext_lazy("Selected")), ("all", gettext_lazy("All matching"))],
        required=False,
    )
    reason = forms.CharField(max_length=MAX_REASON, strip=True, required=False)

    def clean(self) -> dict:
        """A reject needs a reason the members can read."""
        data = super().clean()
        if data.get("action") == "reject":
            reason = normalise_text(data.get("reason") or "")
            if not shows_something(reason):
                self.add_error("reason", _("Give a reason: the members will see it."))
            data["reason"] = reason
        return data


class LeaveCreateForm(forms.Form):
    """File a request for a member. The fields that apply depend on the policy's unit."""

    member = forms.TypedChoiceField(
        coerce=int,
        label=gettext_lazy("Member"),
        error_messages={"required": gettext_lazy("Choose who the request is for.")},
    )
    policy = forms.TypedChoiceField(
        coerce=int,
        label=gettext_lazy("Policy"),
        error_messages={"required": gettext_lazy("Choose a policy.")},
    )
    start = forms.DateField(required=False, label=gettext_lazy("First day"), widget=DateInput)
    end = forms.DateField(required=False, label=gettext_lazy("Last day"), widget=DateInput)
    leave_period = forms.TypedChoiceField(
        coerce=int,
        choices=PERIOD_CHOICES,
        initial=LeavePeriod.FULL_DAY,
        required=False,
        empty_value=LeavePeriod.FULL_DAY,
        widget=forms.RadioSelect,
        label=gettext_lazy("Length"),
    )
    date = forms.DateField(required=False, label=gettext_lazy("Date"), widget=DateInput)
    start_time = forms.TimeField(
        required=False, label=pgettext_lazy("time range", "From"), widget=TimeInput
    )
    end_time = forms.TimeField(
        required=False, label=pgettext_lazy("time range", "To"), widget=TimeInput
    )
    reason = forms.CharField(
        required=False,
        max_length=MAX_REASON,
        strip=True,
        label=gettext_lazy("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    request_key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    # WebWork's 422 `errors` use its own field names; show them next to ours.
    UPSTREAM_FIELDS = {
        "user_id": "member",
        "policy_id": "policy",
        "start": "start",
        "end": "end",
        "leave_period": "leave_period",
        "start_time": "start_time",
        "end_time": "end_time",
        "reason": "reason",
        "hours_per_day": "start_time",
    }

    def __init__(
        self,
        data=None,
        *,
        members: list[Member],
        policies: list[Policy],
        member_query: str = "",
        **kwargs,
    ):
        super().__init__(data, **kwargs)
        self.policies = {p.id: p for p in policies}
        self.member_query = member_query.strip()[:MAX_SEARCH]
        active = [m for m in members if (m.status or "active") == "active"]
        shown = _members_matching(active, self.member_query, keep=self._raw("member"))
        empty = _("Choose a member") if shown else _("No member matches the search")
        self.fields["member"].choices = _member_choices(shown, empty)
        self.fields["policy"].choices = _policy_choices(policies, _("Choose a policy"))
        if not self.is_bound and not self.initial.get("request_key"):
            self.initial["request_key"] = uuid.uuid4().hex

    def _raw(self, name: str):
        return self.data.get(name) if self.is_bound else self.initial.get(name)

    @property
    def selected_policy(self) -> Policy | None:
        """The policy chosen so far (bound or initial), if it is known."""
        try:
            return self.policies.get(int(self._raw("policy")))
        except (TypeError, ValueError):
            return None

    def clean(self):
        """Check the fields of the chosen policy's unit, and the reason when it is required."""
        cleaned = super().clean()
        policy = self.policies.get(cleaned.get("policy"))
        if policy is None:
            if cleaned.get("policy") is not None:
                self.add_error("policy", _("That policy no longer exists. Choose another."))
            return cleaned
        if policy.is_hour_based:
            self._clean_hours(cleaned)
        else:
            self._clean_days(cleaned)
        if policy.reason_required and not cleaned.get("reason"):
            self.add_error("reason", _("%(policy)s needs a reason.") % {"policy": policy.name})
        return cleaned

    def _clean_days(self, cleaned: dict) -> None:
        start, end = cleaned.get("start"), cleaned.get("end")
        if start is None and "start" not in self.errors:
            self.add_error("start", _("Enter the first day."))
        if end is None and start is not None and "end" not in self.errors:
            cleaned["end"] = end = start
        if start and end and end < start:
            self.add_error("end", _("The last day can't be before the first day."))
        if start and end and end != start and cleaned.get("leave_period"):
            self.add_error("leave_period", _("Half days are only for single-day requests."))

    def _clean_hours(self, cleaned: dict) -> None:
        day, begin, finish = cleaned.get("date"), cleaned.get("start_time"), cleaned.get("end_time")
        if day is None and "date" not in self.errors:
            self.add_error("date", _("Enter the date."))
        if begin is None and "start_time" not in self.errors:
            self.add_error("start_time", _("Enter the start time."))
        if finish is None and "end_time" not in self.errors:
            self.add_error("end_time", _("Enter the end time."))
        if begin and finish and finish <= begin:
            self.add_error("end_time", _("The end time must be after the start time."))
        cleaned["start"] = cleaned["end"] = day
        cleaned["leave_period"] = LeavePeriod.FULL_DAY

    def draft_leave(self) -> Leave | None:
        """The request as typed so far, for the balance preview: None until it says who, under
        which policy and when, without an error in those fields (the reason does not matter)."""
        if not self.is_bound:
            return None
        self.is_valid()
        data = self.cleaned_data
        when = (
            "member",
            "policy",
            "start",
            "end",
            "leave_period",
            "date",
            "start_time",
            "end_time",
        )
        policy = self.policies.get(data.get("policy"))
        if policy is None or any(name in self.errors for name in when):
            return None
        if data.get("member") is None or data.get("start") is None:
            return None
        return Leave(
            id="draft",
            user_id=data["member"],
            status=LeaveStatus.PENDING,
            policy_id=policy.id,
            policy_name=policy.name,
            start_date=data["start"],
            end_date=data.get("end") or data["start"],
            leave_period=LeavePeriod.read(data.get("leave_period")),
            start_time=data.get("start_time") if policy.is_hour_based else None,
            end_time=data.get("end_time") if policy.is_hour_based else None,
        )

    def add_upstream_errors(self, field_errors: dict[str, list[str]], message: str) -> None:
        """Show WebWork's validation messages next to the matching fields."""
        policy = self.policies.get(self.cleaned_data.get("policy"))
        hour_based = policy is not None and policy.is_hour_based
        shown = False
        for upstream, messages in field_errors.items():
            name = self.UPSTREAM_FIELDS.get(upstream)
            if hour_based and name in ("start", "end"):
                name = "date"
            for text in messages:
                self.add_error(name if name in self.fields else None, str(text))
                shown = True
        if not shown:
            self.add_error(None, message or _("WebWork refused the request."))


def country_choices() -> list[tuple[str, str]]:
    """(ISO code, name) of every country the holidays package knows, named in the active
    language (CLDR's names, through Babel) and sorted as a reader of it expects."""
    return _country_choices(get_language() or "en")


@cache
def _country_choices(language: str) -> list[tuple[str, str]]:
    from holidays.registry import COUNTRIES

    try:
        localized = Locale.parse(language.replace("-", "_")).territories
    except (ValueError, UnknownLocaleError):
        localized = {}
    english = {codes[1]: key.replace("_", " ").title() for key, codes in COUNTRIES.items()}
    supported = holidays.list_supported_countries(include_aliases=False)
    named = [(code, localized.get(code) or english.get(code, code)) for code in supported]
    return sorted(named, key=lambda choice: anyascii(choice[1]).casefold())


class WorkspaceSettingsForm(forms.Form):
    """Where the workspace's public holidays come from (WebWork has no holidays endpoint), and
    the time zone its days are counted in."""

    holiday_country = forms.ChoiceField(required=False, label=gettext_lazy("Country"))
    holiday_subdivision = forms.CharField(
        required=False, max_length=10, label=gettext_lazy("Region or state (optional)")
    )
    allow_self_approval = forms.BooleanField(
        required=False, label=gettext_lazy("Managers may approve their own leave requests")
    )
    reference_timezone = forms.ChoiceField(
        required=False, label=gettext_lazy("Time zone of “today”")
    )

    def __init__(self, *args, owner: bool = False, members_zone: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["holiday_country"].choices = [("", _("No public holidays")), *country_choices()]
        # Only an Owner changes the four-eyes rule; for others the field shows it, and Django
        # ignores whatever a crafted POST sends for a disabled field.
        self.fields["allow_self_approval"].disabled = not owner
        if members_zone:
            usual = _("The zone most members use (%(zone)s)") % {"zone": members_zone}
        else:
            usual = _("The zone most members use (none known)")
        self.fields["reference_timezone"].choices = [("", usual), *zone_choices()]

    def clean(self):
        """The region must be one the country knows."""
        cleaned = super().clean()
        country = cleaned.get("holiday_country")
        subdivision = (cleaned.get("holiday_subdivision") or "").strip().upper()
        cleaned["holiday_subdivision"] = subdivision if country else ""
        if country:
            _check_subdivision(country, subdivision, "holiday_subdivision")
        return cleaned


def _check_subdivision(country: str, subdivision: str, field: str) -> None:
    """Refuse a region the `holidays` package does not know for the country."""
    known = holidays.list_supported_countries(include_aliases=False).get(country, [])
    if subdivision and subdivision not in known:
        sample = ", ".join(known[:8]) + ("…" if len(known) > 8 else "")
        if sample:
            text = _("Unknown region for %(country)s. Known: %(known)s.")
        else:
            text = _("Unknown region for %(country)s. Known: none.")
        raise ValidationError({field: text % {"country": country, "known": sample}})


class HolidayRegionForm(forms.Form):
    """Public holidays of one team or one member, when they are not the workspace's."""

    target = forms.ChoiceField(label=gettext_lazy("Team or member"))
    country = forms.ChoiceField(label=gettext_lazy("Country"))
    subdivision = forms.CharField(
        required=False, max_length=10, label=gettext_lazy("Region or state")
    )

    def __init__(self, *args, teams: list[str], members: list[Member], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].choices = [
            ("", _("Choose a team or a member")),
            (_("Teams"), [(f"team:{name}", name) for name in teams]),
            (_("Members"), [(f"member:{m.id}", m.full_name) for m in members]),
        ]
        self.fields["country"].choices = [("", _("Choose a country")), *country_choices()]

    def clean(self):
        """Split the target into scope and key; the region must be one the country knows."""
        cleaned = super().clean()
        scope, key = (cleaned.get("target") or "").partition(":")[::2]
        cleaned["scope"], cleaned["key"] = scope, key
        cleaned["subdivision"] = (cleaned.get("subdivision") or "").strip().upper()
        if cleaned.get("country"):
            _check_subdivision(cleaned["country"], cleaned["subdivision"], "subdivision")
        return cleaned


def team_field_name(team: str) -> str:
    """A form field name for a team, stable whatever the team is called or which teams exist."""
    return "team_" + hashlib.blake2b(team.encode(), digest_size=6).hexdigest()


class CoverageForm(forms.Form):
    """The fewest people present per team: a whole number from 0 to the team's size, or blank
    for no rule. Anything else is an error next to the team, and nothing is saved."""

    def __init__(self, *args, teams: dict[str, int], minimums: dict[str, int], **kwargs):
        super().__init__(*args, **kwargs)
        self.teams = teams
        for team, size in sorted(teams.items(), key=lambda item: item[0].casefold()):
            self.fields[team_field_name(team)] = forms.IntegerField(
                required=False,
                min_value=0,
                max_value=size,
                label=team,
                initial=minimums.get(team),
                help_text=ngettext("%(count)s member", "%(count)s members", size) % {"count": size},
                error_messages={
                    "invalid": _("Enter a whole number."),
                    "min_value": _("Enter 0 or more."),
                    "max_value": ngettext(
                        "%(team)s has %(count)s member: enter %(count)s or fewer.",
                        "%(team)s has %(count)s members: enter %(count)s or fewer.",
                        size,
                    )
                    % {"team": team, "count": size},
                },
                widget=forms.NumberInput(attrs={"inputmode": "numeric", "step": 1}),
            )

    def minimums(self) -> dict[str, int | None]:
        """Minimum by team name (None: no rule), once valid."""
        return {team: self.cleaned_data.get(team_field_name(team)) for team in self.teams}


class ViewerZoneForm(forms.Form):
    """The time zone a person reads times in, when WebWork's for them is not the one."""

    timezone = forms.ChoiceField(required=False, label=gettext_lazy("Your time zone"))

    def __init__(self, *args, webwork_zone: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        if webwork_zone:
            usual = _("As in WebWork (%(zone)s)") % {"zone": webwork_zone}
        else:
            usual = _("As in WebWork (none set)")
        self.fields["timezone"].choices = [("", usual), *zone_choices()]
