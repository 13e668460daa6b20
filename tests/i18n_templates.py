"""Finds template text a person reads that is not marked for translation.

Each template is split with Django's own lexer. Text inside `{% blocktranslate %}`,
`{% comment %}` and a `{% block *_class %}` (CSS class names) is skipped; every other variable
or tag becomes an opaque placeholder, and what is left is read as HTML: a text node, or one of
the attributes people read (title, aria-label, placeholder, alt...), that still holds a letter
was written in English in the template. Plain-text e-mail templates are text throughout.
"""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from django.template.base import Lexer, TokenType

# Attributes whose values people read (or hear, with a screen reader).
READ_ATTRIBUTES = frozenset(
    {
        "title",
        "aria-label",
        "aria-description",
        "aria-roledescription",
        "aria-valuetext",
        "placeholder",
        "alt",
        "label",
        "hx-confirm",
    }
)
_PLACEHOLDER = "\x00"
_BLOCK_OPEN = ("blocktranslate", "blocktrans")
_BLOCK_CLOSE = ("endblocktranslate", "endblocktrans")


@dataclass(frozen=True)
class Unmarked:
    """English left in a template: where, and what."""

    path: str
    line: int
    text: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.text!r}"


def _has_letter(text: str) -> bool:
    return any(char.isalpha() for char in text.replace(_PLACEHOLDER, " "))


def _first_word(token) -> str:
    return token.contents.split(maxsplit=1)[0] if token.contents.strip() else ""


def _outside_translation(source: str) -> str:
    """The template with its translated blocks, comments and tags turned into placeholders.

    Newlines are kept, so that line numbers still point into the file.
    """
    parts: list[str] = []
    skipping = None  # the closing tag being waited for
    for token in Lexer(source).tokenize():
        # Spaced, so that a tag inside an element's start tag reads as one more attribute.
        newlines = "\n" * token.contents.count("\n")
        placeholder = f" {_PLACEHOLDER}{newlines} "
        if token.token_type == TokenType.BLOCK:
            word = _first_word(token)
            if skipping is None and word in _BLOCK_OPEN:
                skipping = _BLOCK_CLOSE
            elif skipping is None and word == "comment":
                skipping = ("endcomment",)
            elif skipping is None and word == "block" and token.contents.endswith("_class"):
                skipping = ("endblock",)  # a block of CSS class names, such as body_class
            elif skipping is not None and word in skipping:
                skipping = None
            parts.append(placeholder)
        elif token.token_type == TokenType.TEXT and skipping is None:
            parts.append(token.contents)
        else:
            parts.append(placeholder)
    return "".join(parts)


class _ReadText(HTMLParser):
    """Collects text nodes and read attributes that hold a letter, with their lines."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[int, str]] = []
        self._raw_depth = 0  # inside <script> or <style>

    def _check(self, text: str | None) -> None:
        if text and _has_letter(text):
            line = self.getpos()[0] + text[: len(text) - len(text.lstrip())].count("\n")
            self.found.append((line, _shown(text)))

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._raw_depth += 1
        attributes = dict(attrs)
        for name, value in attrs:
            if name in READ_ATTRIBUTES:
                self._check(value)
        if tag == "input" and (attributes.get("type") or "").lower() in ("submit", "button"):
            self._check(attributes.get("value"))
        if tag == "meta" and (attributes.get("name") or "").lower() == "description":
            self._check(attributes.get("content"))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag in ("script", "style"):
            self._raw_depth -= 1

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._raw_depth:
            self._raw_depth -= 1

    def handle_data(self, data):
        if not self._raw_depth:
            self._check(data)


def _shown(text: str) -> str:
    """The text as reported: one line, tags at its ends dropped, tags inside shown as '…'."""
    return " ".join(text.strip(_PLACEHOLDER + " \n\t").replace(_PLACEHOLDER, "…").split())


def unmarked_in(path: Path, root: Path) -> list[Unmarked]:
    """English a person would read in the template at `path`, not marked for translation."""
    text = _outside_translation(path.read_text(encoding="utf-8"))
    name = str(path.relative_to(root))
    if path.suffix == ".txt":
        return [
            Unmarked(name, number, _shown(line))
            for number, line in enumerate(text.splitlines(), start=1)
            if _has_letter(line)
        ]
    parser = _ReadText()
    parser.feed(text)
    parser.close()
    return [Unmarked(name, line, found) for line, found in parser.found]


def templates_under(root: Path) -> list[Path]:
    """The project's HTML and plain-text templates."""
    return sorted(p for p in root.rglob("*") if p.suffix in (".html", ".txt") and p.is_file())
