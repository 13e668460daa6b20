"""Text a person types for another to read: normalised, and refused when none of it shows.

A reject reason made only of invisible characters (a zero-width space U+200B, a right-to-left
override U+202E...) passes a plain `strip()` and reaches the member as an empty reason, and
direction overrides inside a reason can make it read differently from what was typed.
"""

import unicodedata

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
