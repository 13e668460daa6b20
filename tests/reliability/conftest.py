"""Fixtures for the reliability tests (shared with the security tests)."""

from tests.security.conftest import canary_tokens, redis_server, signed_in

__all__ = ["canary_tokens", "redis_server", "signed_in"]
