"""Encryption at rest for WebWork tokens: Fernet (AES-CBC + HMAC) with key rotation.

TOKEN_ENCRYPTION_KEY holds one or more Fernet keys separated by commas. The first encrypts;
all of them decrypt, so a new key can be put first while old rows are still readable.
`manage.py rotate_token_key` re-encrypts every row with the first key.
"""

from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class TokenUnreadable(Exception):
    """A stored token cannot be decrypted (wrong key or tampered); the person signs in again."""


@lru_cache(maxsize=4)
def _fernet_for(keys: str) -> MultiFernet:
    parts = [part.strip() for part in keys.split(",") if part.strip()]
    if not parts:
        raise ImproperlyConfigured("TOKEN_ENCRYPTION_KEY is not set")
    try:
        return MultiFernet([Fernet(part.encode()) for part in parts])
    except ValueError:
        raise ImproperlyConfigured(
            "TOKEN_ENCRYPTION_KEY must be comma-separated Fernet keys "
            "(32 url-safe base64-encoded bytes each)"
        ) from None


def _fernet() -> MultiFernet:
    return _fernet_for(settings.TOKEN_ENCRYPTION_KEY)


def encrypt(plaintext: str) -> str:
    """Encrypt with the first key."""
    return _fernet().encrypt(plaintext.encode()).decode()


def decrypt(ciphertext: str) -> str:
    """Decrypt with any configured key."""
    try:
        return _fernet().decrypt(ciphertext.encode()).decode()
    except (InvalidToken, ValueError):
        raise TokenUnreadable("stored token cannot be decrypted") from None


def reencrypt(ciphertext: str) -> str:
    """Re-encrypt with the first key (for key rotation)."""
    try:
        return _fernet().rotate(ciphertext.encode()).decode()
    except (InvalidToken, ValueError):
        raise TokenUnreadable("stored token cannot be decrypted") from None


def generate_key() -> str:
    """A new random key, for .env files and rotation."""
    return Fernet.generate_key().decode()
