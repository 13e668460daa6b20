import pickle

import pytest

from dashboard.webwork import (
    AuthExpired,
    BadResponse,
    Forbidden,
    NoLongerPending,
    NotFound,
    RateLimited,
    Unavailable,
    ValidationFailed,
    WebWorkError,
)

from .support import TOKEN


@pytest.mark.parametrize(
    ("error_class", "retryable"),
    [
        (Unavailable, True),
        (RateLimited, True),
        (BadResponse, False),
        (AuthExpired, False),
        (Forbidden, False),
        (NotFound, False),
        (NoLongerPending, False),
        (ValidationFailed, False),
    ],
)
def test_each_error_says_whether_retrying_may_help(error_class, retryable):
    error = error_class()

    assert isinstance(error, WebWorkError)
    assert error.retryable is retryable
    assert error.message  # a readable default


def test_retryable_can_be_overridden_per_error():
    assert Unavailable(retryable=False).retryable is False
    assert BadResponse(retryable=True).retryable is True


def test_error_keeps_status_code_request_id_and_field_errors():
    error = ValidationFailed(
        "The given data was invalid.",
        status=422,
        code="validation_error",
        request_id="req-42",
        field_errors={"reason": ["The reason field is required."]},
    )

    assert error.status == 422
    assert error.code == "validation_error"
    assert error.request_id == "req-42"
    assert error.field_errors == {"reason": ["The reason field is required."]}
    assert str(error) == "The given data was invalid."


def test_field_errors_default_to_an_empty_dict_not_shared_between_errors():
    first, second = ValidationFailed(), ValidationFailed()

    first.field_errors["x"] = ["y"]

    assert second.field_errors == {}


def test_unavailable_assumes_the_request_was_sent_unless_told_otherwise():
    assert Unavailable().request_sent is True
    assert Unavailable(request_sent=False).request_sent is False


def test_rate_limited_carries_retry_after():
    assert RateLimited(retry_after=3.0).retry_after == 3.0
    assert RateLimited().retry_after is None


@pytest.mark.parametrize(
    "message",
    [
        f"Token {TOKEN} is invalid",
        f"Authorization: Bearer {TOKEN}",
        f"access_token={TOKEN}&x=1",
        f'{{"refresh_token": "{TOKEN}"}}',
    ],
)
def test_message_never_contains_a_token(message):
    error = AuthExpired(message, secrets=(TOKEN,), code=f"bad {TOKEN}")

    assert TOKEN not in str(error)
    assert TOKEN not in repr(error)
    assert TOKEN not in error.message
    assert TOKEN not in (error.code or "")


def test_token_like_values_are_masked_even_when_not_known():
    error = AuthExpired("header was Bearer eyJhbGciOi.payload.sig")

    assert "eyJhbGciOi" not in str(error)
    assert "[redacted]" in str(error)


def test_message_is_one_short_line():
    error = BadResponse("line one\nline two\x00" + "x" * 1000)

    assert "\n" not in error.message
    assert "\x00" not in error.message
    assert len(error.message) <= 300


def test_missing_or_non_text_message_falls_back_to_the_default():
    assert NotFound(None).message == NotFound.default_message
    assert NotFound("   ").message == NotFound.default_message


def test_repr_names_the_class_and_status():
    error = NotFound("No such leave.", status=404, request_id="r-1")

    assert repr(error) == "NotFound('No such leave.', status=404, request_id='r-1')"


@pytest.mark.parametrize(
    "error",
    [
        Unavailable("down", request_sent=False, status=503, retry_after=2.0),
        RateLimited("slow down", status=429, retry_after=30.0),
        ValidationFailed("bad", status=422, field_errors={"end": ["must be after start"]}),
        AuthExpired(code="invalid_grant"),
    ],
)
def test_errors_survive_pickling(error):
    # Task queues and caches pickle exceptions; keyword-only errors need help to round-trip.
    copy = pickle.loads(pickle.dumps(error))  # noqa: S301 - our own bytes

    assert type(copy) is type(error)
    assert copy.__dict__ == error.__dict__
    assert str(copy) == str(error)
