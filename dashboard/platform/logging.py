"""JSON log lines, and a filter that removes anything that looks like a secret.

Three layers keep credentials out of the logs, whatever a caller passes:
- the configured secrets themselves (SECRET_KEY, the client secret, the token encryption keys,
  the mail server's password) are masked wherever they appear;
- token-like text is masked by pattern: bearer and basic credentials, OAuth parameters
  (`code=`, `state=`, `access_token=`...), session and CSRF cookies, passwords, the secret
  part of calendar feed URLs;
- an `extra` field whose name says it holds a credential (`token`, `secret`, `cookie`...) is
  logged as "[redacted]" unless it is a number, a boolean or empty.
"""

import json
import logging
import re
from datetime import UTC, datetime
from functools import lru_cache

REDACTED = "[redacted]"

# A name is matched only as a whole word: `code=` is an OAuth code, `status_code=` is not.
_SENSITIVE_NAMES = (
    r"access_token|refresh_token|id_token|client_secret|code_verifier|code|state|password"
    r"|sessionid|csrftoken|csrfmiddlewaretoken"
)
_SECRET_PATTERNS = [
    # A calendar feed's secret URL, /feeds/<token>.ics: the token is the only key to the feed.
    (re.compile(r"(/feeds/)[A-Za-z0-9_-]+(\.ics)"), rf"\1{REDACTED}\2"),
    # A one-click unsubscribe link: whoever holds it can turn someone's mail off.
    (re.compile(r"(/notifications/unsubscribe/)[^/\s\"']+"), rf"\1{REDACTED}"),
    (re.compile(r"(?i)\b((?:bearer|basic)\s+)[A-Za-z0-9._~+/=-]+"), rf"\1{REDACTED}"),
    (
        re.compile(
            rf"(?i)(?<![A-Za-z0-9_])((?:{_SENSITIVE_NAMES})[\"']?\s*[=:]\s*[\"']?)[^\s&\"',;}}]+"
        ),
        rf"\1{REDACTED}",
    ),
]
# `extra` keys holding credentials: their text values are never logged.
_SECRET_KEY_NAME = re.compile(r"(?i)token|secret|passw|cookie|authorization|verifier|csrf")
# Shorter values are not masked literally: they would match ordinary words.
_MIN_LITERAL = 8

_STANDARD_ATTRS = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message"}


@lru_cache(maxsize=8)
def _literal_pattern(values: tuple[str, ...]) -> re.Pattern | None:
    usable = sorted({value for value in values if len(value) >= _MIN_LITERAL}, key=len)
    if not usable:
        return None
    return re.compile("|".join(re.escape(value) for value in reversed(usable)))


def _configured_secrets() -> tuple[str, ...]:
    """The secret values in the running settings (none before settings are configured)."""
    try:
        from django.conf import settings

        if not settings.configured:
            return ()
        keys = str(getattr(settings, "TOKEN_ENCRYPTION_KEY", "") or "").split(",")
        mailer = (getattr(settings, "MAILERS", None) or {}).get("default", {})
        return (
            str(getattr(settings, "SECRET_KEY", "") or ""),
            str(getattr(settings, "WEBWORK_CLIENT_SECRET", "") or ""),
            str(mailer.get("OPTIONS", {}).get("password") or ""),
            *(key.strip() for key in keys),
        )
    except Exception:  # logging must work whatever state the settings are in
        return ()


def redact(text: str) -> str:
    """Replace configured secrets and token-like values in `text` with [redacted]."""
    literal = _literal_pattern(_configured_secrets())
    if literal is not None:
        text = literal.sub(REDACTED, text)
    for pattern, replacement in _SECRET_PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactSecretsFilter(logging.Filter):
    """Redact secrets from the formatted message before any handler sees it."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Render the message once, redacted, and drop the arguments."""
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not lose the record
            message = str(record.msg)
        record.msg = redact(message)
        record.args = None
        return True


def _safe_extra(value: object, key: str = "") -> object:
    """Extras are logged as data; requests become method and path (their query may hold codes)."""
    if hasattr(value, "method") and hasattr(value, "path") and hasattr(value, "META"):
        return redact(f"{value.method} {value.path}")
    if isinstance(value, (int, float, bool)) or value is None:
        return value
    if key and _SECRET_KEY_NAME.search(key) and value not in ("", [], (), {}):
        return REDACTED
    if isinstance(value, (list, tuple)):
        return [_safe_extra(item) for item in value]
    return redact(str(value))


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message and any `extra` fields."""

    def format(self, record: logging.LogRecord) -> str:
        """Format the record as a JSON line."""
        payload = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": redact(record.getMessage()),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD_ATTRS and not key.startswith("_"):
                payload[key] = _safe_extra(value, key)
        if record.exc_info:
            payload["exc"] = redact(self.formatException(record.exc_info))
        if record.stack_info:
            payload["stack"] = redact(self.formatStack(record.stack_info))
        return json.dumps(payload, default=str, ensure_ascii=False)
