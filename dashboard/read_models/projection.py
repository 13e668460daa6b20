"""A balance projection as people read it: "4 days → −4 days after this → −6 days with all
pending", per year, with the words that say a policy forbids the result."""

from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache

from django.utils.translation import get_language, gettext, pgettext

from dashboard.read_models.format import amount_words, number_text
from dashboard.selectors.projection import Projection
from dashboard.selectors.projection_reads import leave_projection
from dashboard.webwork import Leave

MINUS = "\u2212"


def amount_text(value: Fraction | None, unit: str) -> str:
    """'4 days', '−0.5 days', '1 hour', 'unknown' (never a guessed number)."""
    return _amount_written(value, unit, get_language())


@lru_cache(maxsize=4096)
def _amount_written(value: Fraction | None, unit: str, language: str | None) -> str:
    """`amount_text`, written once per process for each amount, unit and language (the
    active language: part of the key only)."""
    if value is None:
        return pgettext("an amount of leave", "unknown")
    rounded = round(float(value), 2)
    sign = MINUS if rounded < 0 else ""
    return amount_words(f"{sign}{number_text(abs(rounded))}", rounded, unit)


@dataclass(frozen=True)
class Figure:
    """One figure of a projection and whether it is below zero."""

    text: str
    negative: bool


def _figure(value: Fraction | None, unit: str) -> Figure:
    return Figure(amount_text(value, unit), value is not None and value < 0)


@dataclass(frozen=True)
class YearLine:
    """Now, after this request and after all pending, for one year."""

    year: int
    now: Figure
    after_this: Figure
    after_pending: Figure


@dataclass(frozen=True)
class ProjectionView:
    """What the inbox row, the detail and the preview show of a projection."""

    lines: tuple[YearLine, ...]
    warning: str
    needs_confirmation: bool

    @property
    def several_years(self) -> bool:
        """Whether the request crosses a year boundary (each year is shown with its number)."""
        return len(self.lines) > 1


def projection_view(projection: Projection | None) -> ProjectionView | None:
    """Words and figures for a projection (None when there is none to show)."""
    if projection is None or not projection.years:
        return None
    unit = projection.unit
    lines = tuple(
        YearLine(
            year=y.year,
            now=_figure(y.now, unit),
            after_this=_figure(y.after_this, unit),
            after_pending=_figure(y.after_pending, unit),
        )
        for y in projection.years
    )
    warning = ""
    if projection.refused_by_policy:
        lowest = min(y.after_this for y in projection.years if y.after_this is not None)
        balance = amount_text(lowest, unit)
        if projection.policy_name:
            warning = gettext(
                "Approving leaves a balance of %(balance)s, "
                "and %(policy)s does not allow a negative balance."
            ) % {"balance": balance, "policy": projection.policy_name}
        else:
            warning = gettext(
                "Approving leaves a balance of %(balance)s, "
                "and the policy does not allow a negative balance."
            ) % {"balance": balance}
    return ProjectionView(
        lines=lines, warning=warning, needs_confirmation=projection.refused_by_policy
    )


def leave_projection_view_get(
    *, user_id: int, workspace_id: int, leave: Leave | None
) -> ProjectionView | None:
    """The projection of one leave as the detail and the new-request preview show it."""
    if leave is None or not leave.is_pending:
        return None
    projection = leave_projection(user_id=user_id, workspace_id=workspace_id, leave=leave)
    return projection_view(projection)
