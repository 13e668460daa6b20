"""`manage.py translations`: update the catalogues from the code; `--check` verifies them.

Both need GNU gettext (xgettext, msgmerge), as Django's makemessages does. The compiled `.mo`
files are written with polib, byte for byte the same on every machine, and kept in git: the
product and its image run with no gettext installed.

`--check` extracts the strings again into a copy of the project and fails when a catalogue
lacks a translation, holds a fuzzy or obsolete entry, or when a compiled file is out of step
with its catalogue.
"""

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

CATALOGUE_DIR = Path(settings.BASE_DIR) / "dashboard" / "locale"
# What makemessages reads: the product and its templates, never the sandbox, tests or venvs.
SOURCES = ("manage.py", "config", "dashboard", "templates")
MAKEMESSAGES = (
    "makemessages",
    "--no-obsolete",
    "--add-location=file",
    "--no-wrap",
    "--ignore=dashboard/migrations",
    *(f"--ignore={name}" for name in ("sandbox", "tests", "docs", "static", "staticfiles", "bin")),
)


def translated_languages() -> list[str]:
    """The languages with a catalogue: every one offered but the source language."""
    return [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]


def _catalogue(root: Path, language: str) -> Path:
    return root / language / "LC_MESSAGES" / "django.po"


def _extract(project: Path, languages: list[str]) -> None:
    if shutil.which("xgettext") is None or shutil.which("msgmerge") is None:
        raise CommandError("GNU gettext is needed (xgettext, msgmerge): install `gettext`.")
    arguments = [arg for code in languages for arg in ("--locale", code)]
    subprocess.run(  # noqa: S603 (our own interpreter and arguments)
        [sys.executable, "manage.py", *MAKEMESSAGES, *arguments],
        cwd=project,
        check=True,
        capture_output=True,
    )


# Plural rules as gettext writes them for each language (French counts 0 as singular).
PLURAL_FORMS = {
    "de": "nplurals=2; plural=(n != 1);",
    "es": "nplurals=2; plural=(n != 1);",
    "fr": "nplurals=2; plural=(n > 1);",
}


def _header_set(po_path: Path, language: str) -> None:
    """Fill in the catalogue's header (makemessages leaves a template's placeholders)."""
    import polib

    catalogue = polib.pofile(str(po_path), wrapwidth=0)  # as makemessages --no-wrap writes
    catalogue.header = "Translations of WebWork Leave Dashboard."
    catalogue.metadata_is_fuzzy = False
    catalogue.metadata.update(
        {
            "Project-Id-Version": "webwork-leave-dashboard",
            "Language": language,
            "Plural-Forms": PLURAL_FORMS.get(language, "nplurals=2; plural=(n != 1);"),
        }
    )
    # Nothing that changes at every run (the date of extraction) or names a person.
    for name in (
        "POT-Creation-Date",
        "PO-Revision-Date",
        "Last-Translator",
        "Language-Team",
        "Report-Msgid-Bugs-To",
    ):
        catalogue.metadata.pop(name, None)
    catalogue.save()


def _compiled(po_path: Path) -> bytes:
    import polib

    with tempfile.NamedTemporaryFile(suffix=".mo") as mo:
        polib.pofile(str(po_path)).save_as_mofile(mo.name)
        return Path(mo.name).read_bytes()


def _format_problems(po_path: Path, code: str) -> list[str]:
    """msgfmt's own check: each translation keeps its msgid's placeholders."""
    checked = subprocess.run(  # noqa: S603 (fixed arguments)
        ["msgfmt", "--check-format", "-o", "/dev/null", str(po_path)],  # noqa: S607
        capture_output=True,
        text=True,
        check=False,
    )
    return [f"{code}: {line}" for line in checked.stderr.splitlines()] if checked.returncode else []


def catalogue_problems(po_path: Path) -> list[str]:
    """What is wrong with one catalogue after a fresh extraction: one line per entry."""
    import polib

    catalogue = polib.pofile(str(po_path))
    problems = [f"untranslated: {e.msgid!r}" for e in catalogue.untranslated_entries()]
    problems += [f"fuzzy: {e.msgid!r}" for e in catalogue.fuzzy_entries()]
    problems += [f"obsolete: {e.msgid!r}" for e in catalogue.obsolete_entries()]
    return problems


class Command(BaseCommand):
    """Update the catalogues, or check them."""

    help = "Update the translation catalogues from the code, or check them (--check)."

    def add_arguments(self, parser):
        """`--check`."""
        parser.add_argument(
            "--check", action="store_true", help="Change nothing; fail if a catalogue is behind."
        )

    def handle(self, *args, check: bool = False, **options):
        """Extract and compile, or only check."""
        languages = translated_languages()
        if check:
            self._check(languages)
            return
        _extract(Path(settings.BASE_DIR), languages)
        for code in languages:
            po_path = _catalogue(CATALOGUE_DIR, code)
            _header_set(po_path, code)
            po_path.with_suffix(".mo").write_bytes(_compiled(po_path))
            self.stdout.write(f"{code}: {len(catalogue_problems(po_path))} entries to translate")

    def _check(self, languages: list[str]) -> None:
        problems: list[str] = []
        for code in languages:
            po_path = _catalogue(CATALOGUE_DIR, code)
            mo_path = po_path.with_suffix(".mo")
            if not po_path.exists() or not mo_path.exists():
                problems.append(f"{code}: {po_path.name} or {mo_path.name} is missing")
            else:
                if mo_path.read_bytes() != _compiled(po_path):
                    problems.append(f"{code}: {mo_path} is out of step: run `make messages`")
                problems += _format_problems(po_path, code)
        with tempfile.TemporaryDirectory() as tmp:
            project = Path(tmp)
            for name in SOURCES:
                source = Path(settings.BASE_DIR) / name
                if source.is_dir():
                    shutil.copytree(source, project / name, ignore=shutil.ignore_patterns("*.pyc"))
                else:
                    shutil.copy2(source, project / name)
            _extract(project, languages)
            fresh = project / CATALOGUE_DIR.relative_to(settings.BASE_DIR)
            for code in languages:
                problems += [f"{code}: {p}" for p in catalogue_problems(_catalogue(fresh, code))]
        if problems:
            raise CommandError(
                "The translation catalogues are behind the code (`make messages`, then "
                "translate):\n" + "\n".join(problems)
            )
        self.stdout.write(f"Catalogues complete: {', '.join(languages)}")
