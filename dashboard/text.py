"""Text a person types: normalised and refused when none of it shows; compared for search.

A reject reason made only of invisible characters (a zero-width space U+200B, a right-to-left
override U+202E...) passes a plain `strip()` and reaches the member as an empty reason, and
direction overrides inside a reason can make it read differently from what was typed.
"""

import unicodedata
from functools import lru_cache

from anyascii import anyascii

# Format characters kept: the zero-width joiner and non-joiner are how some scripts (Persian,
# Indic) and emoji sequences are written. Every other format character goes: direction
# embeddings, overrides and isolates, zero-width spaces, word joiners, byte-order marks.
_KEPT_FORMAT = {"\u200c", "\u200d"}
_KEPT_CONTROL = {"\n", "\t"}


def normalise_text(text: str) -> str:
    """`text` in NFC, without control or invisible format characters, line ends as \\n, trimmed."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    kept = [
        ch
        for ch in text
        if not (
            (unicodedata.category(ch) == "Cc" and ch not in _KEPT_CONTROL)
            or (unicodedata.category(ch) == "Cf" and ch not in _KEPT_FORMAT)
        )
    ]
    return "".join(kept).strip()


def shows_something(text: str) -> bool:
    """Whether any letter, digit, punctuation or symbol would be seen."""
    return any(unicodedata.category(ch)[0] in "LNPS" for ch in text)


@lru_cache(maxsize=8192)
def search_key(text: str) -> str:
    """`text` as search compares it: Latin letters without accents, case folded, single spaces.

    anyascii transliterates every script the same way on both sides, so "soren" finds Søren,
    "weiss" Weiß, "lukasiewicz" Łukasiewicz, and "Юлия" still finds Юлия.
    """
    return " ".join(anyascii(unicodedata.normalize("NFKC", text)).casefold().split())


def text_matches(query: str, *fields: str | None) -> bool:
    """Whether any field contains the query, ignoring case and accents (an empty query: yes)."""
    needle = search_key(query)
    return not needle or any(needle in search_key(field or "") for field in fields)
