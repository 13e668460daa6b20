"""Remaining leave balances, per member and policy, as WebWork writes them ("4.5 hours")."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Self

from ..errors import BadResponse
from .parsing import as_dict, first_of, to_float, to_int, to_str
from .policies import UNITS

# "<sign><number> <unit>": "10 days", "-1.5 days", "12,5 days", "1 day", "8h".
_AMOUNT = re.compile(
    r"^\s*([+\-\u2212]?)\s*(\d{1,12}(?:[.,]\d{1,12})?|[.,]\d{1,12})\s*([^\W\d_]*)\.?\s*$"
)


@dataclass(frozen=True, kw_only=True)
class BalanceAmount:
    """A balance as WebWork wrote it ("4.5 hours"), with the number and unit when readable."""

    text: str
    value: Decimal | None = None
    unit: str | None = None

    @classmethod
    def parse(cls, raw: Any) -> Self:
        """Read `<number> <unit>` (sign, decimal point or comma); keep other text as it came."""
        if isinstance(raw, bool) or raw is None:
            return cls(text="" if raw is None else str(raw))
        if isinstance(raw, int | float):
            number = to_float(raw)
            if number is None:
                return cls(text=str(raw))
            return cls(text=str(raw), value=Decimal(str(raw)))
        text = to_str(raw) or ""
        match = _AMOUNT.match(text)
        if match is None:
            return cls(text=text)
        sign, number, unit_text = match.groups()
        try:
            value = Decimal(number.replace(",", "."))
        except InvalidOperation:  # pragma: no cover - the pattern only admits numbers
            return cls(text=text)
        if sign in ("-", "\u2212"):
            value = -value
        if not unit_text:
            return cls(text=text, value=value)
        unit = UNITS.get(unit_text.lower())
        if unit is None:
            return cls(text=text)
        return cls(text=text, value=value, unit=unit)


@dataclass(frozen=True, kw_only=True)
class PolicyBalance:
    """One member's remaining balance under one policy (WebWork names the policy, no id)."""

    policy_name: str
    amount: BalanceAmount


@dataclass(frozen=True, kw_only=True)
class Balance:
    """One member's remaining leave balances."""

    user_id: int
    user_name: str
    amounts: tuple[PolicyBalance, ...] = ()
    total: BalanceAmount | None = None

    @classmethod
    def from_api(cls, payload: Any) -> Self:
        """Parse one member's balance entry."""
        payload = as_dict(payload, "balance entry")
        user_id = to_int(payload.get("user_id"))
        if user_id is None:
            raise BadResponse("WebWork sent a balance entry without a user id.")
        lines = payload.get("leave_information")
        amounts = tuple(
            PolicyBalance(
                policy_name=to_str(first_of(line, "leave_type", "policy_name")) or "",
                amount=BalanceAmount.parse(line.get("balance")),
            )
            for line in (lines if isinstance(lines, list) else [])
            if isinstance(line, dict)
        )
        total = payload.get("total_balance")
        return cls(
            user_id=user_id,
            user_name=to_str(payload.get("user_name")) or "",
            amounts=amounts,
            total=None if total is None else BalanceAmount.parse(total),
        )

    def for_policy(self, name: str) -> BalanceAmount | None:
        """Return the balance for the policy called `name` (exact match first, then any case)."""
        for line in self.amounts:
            if line.policy_name == name:
                return line.amount
        wanted = name.strip().casefold()
        for line in self.amounts:
            if line.policy_name.strip().casefold() == wanted:
                return line.amount
        return None
