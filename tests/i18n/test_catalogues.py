"""Every string a person reads is marked for translation, and every catalogue is complete."""

import re
import shutil
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from tests.i18n_templates import templates_under, unmarked_in
from tests.needs import missing

ROOT = Path(settings.BASE_DIR)
TEMPLATE_ROOT = ROOT / "templates"
CATALOGUES = ROOT / "dashboard" / "locale"


def test_every_template_string_is_marked_for_translation():
    unmarked = [str(u) for path in templates_under(TEMPLATE_ROOT) for u in unmarked_in(path, ROOT)]
    assert not unmarked, "English not marked for translation:\n" + "\n".join(unmarked)


@pytest.mark.parametrize(
    ("name", "source", "expected"),
    [
        ("page.html", "<p>Approve</p>", [(1, "Approve")]),
        ("page.html", '<a href="/" title="Open it">{% translate "Go" %}</a>', [(1, "Open it")]),
        ("page.html", '<input type="submit" value="Save">', [(1, "Save")]),
        ("page.html", "<p>\n  {{ count }} pending\n</p>", [(2, "pending")]),
        ("page.html", "<p>{% translate 'Approve' %} · {{ name }} – 3</p>", []),
        ("page.html", "{% blocktranslate %}Out {{ n }} days{% endblocktranslate %}", []),
        ("page.html", "{% comment %}Notes for us{% endcomment %}<!-- and these -->", []),
        ("page.html", "{% block body_class %}page-centered{% endblock %}", []),
        ("page.html", "{% block title %}Sign in{% endblock %}", [(1, "Sign in")]),
        (
            "page.html",
            "<script>const label = 'Ignored';</script><svg><path d='M4 4h16'/></svg>",
            [],
        ),
        ("page.html", '<option value="en"{% if x %} selected{% endif %}>{{ label }}</option>', []),
        ("mail.txt", "Hello {{ name }},\n{% translate 'Bye' %}", [(1, "Hello … ,")]),
    ],
)
def test_the_checker_finds_english_and_only_english(tmp_path, name, source, expected):
    path = tmp_path / name
    path.write_text(source, encoding="utf-8")
    assert [(u.line, u.text) for u in unmarked_in(path, tmp_path)] == expected


def test_catalogues_hold_every_string_translated_and_compiled():
    if shutil.which("xgettext") is None or shutil.which("msgmerge") is None:
        missing("gettext", "GNU gettext (xgettext, msgmerge) is not installed")
    try:
        call_command("translations", check=True)
        problems = ""
    except CommandError as error:
        problems = str(error)
    assert not problems, problems


_PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]|%[sd]|\{n\}|%%")
_TAG = re.compile(r"</?[a-z]+[^>]*>")


@pytest.mark.parametrize("language", ["de", "fr", "es"])
def test_every_translation_keeps_its_placeholders_and_markup(language):
    catalogue = polib.pofile(str(CATALOGUES / language / "LC_MESSAGES" / "django.po"))
    problems = []
    for entry in catalogue:
        sources = [entry.msgid, entry.msgid_plural or entry.msgid]
        translations = [entry.msgstr] if not entry.msgid_plural else entry.msgstr_plural.values()
        for translated in translations:
            wanted = set(_PLACEHOLDER.findall(sources[-1] if entry.msgid_plural else sources[0]))
            if set(_PLACEHOLDER.findall(translated)) != wanted:
                problems.append(f"placeholders: {entry.msgid!r} → {translated!r}")
            if sorted(_TAG.findall(translated)) != sorted(_TAG.findall(entry.msgid)):
                problems.append(f"markup: {entry.msgid!r} → {translated!r}")
    assert not problems, "\n".join(problems)
