"""The French and English catalogues are complete, compiled, and cover every string."""

import gettext
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.utils import translation

LOCALE = Path(__file__).resolve().parent.parent / "src" / "paylinks" / "locale"
LANGUAGES = ["fr", "en"]
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|%[sd]")


def load_po(language: str, path: Path | None = None):
    path = path or LOCALE / language / "LC_MESSAGES" / "django.po"
    with path.open("rb") as f:
        return read_po(f)


def entries(catalog):
    for m in catalog:
        if m.id:
            yield m


def as_list(value) -> list[str]:
    return list(value) if isinstance(value, (list, tuple)) else [value]


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_entry_is_translated(language):
    missing = [
        m.id for m in entries(load_po(language)) if "fuzzy" in m.flags or not all(as_list(m.string))
    ]
    assert not missing, f"untranslated in {language}: {missing}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_mo_is_up_to_date_with_po(language):
    directory = LOCALE / language / "LC_MESSAGES"
    with (directory / "django.mo").open("rb") as f:
        mo = gettext.GNUTranslations(f)
    problems = []
    count = 0
    for m in entries(load_po(language)):
        count += 1
        if isinstance(m.id, (list, tuple)):
            for n, expected in zip((1, 2), as_list(m.string), strict=False):
                if mo.ngettext(m.id[0], m.id[1], n) != expected:
                    problems.append(m.id[0])
        else:
            got = mo.pgettext(m.context, m.id) if m.context else mo.gettext(m.id)
            if got != m.string:
                problems.append(m.id)
    catalog = mo._catalog  # what the .mo holds that the .po no longer does
    po_ids = {m.id if isinstance(m.id, str) else m.id[0] for m in entries(load_po(language))}
    extra = [
        k
        for k in catalog
        if k
        and (k if isinstance(k, str) else k[0]) not in po_ids
        and "\x04" not in (k if isinstance(k, str) else k[0])
    ]
    assert count > 100
    assert not problems, f"{language}: .mo differs from .po for {problems[:20]}"
    assert not extra, f"{language}: .mo has entries the .po lacks: {extra[:20]}"


def test_french_placeholders_match():
    wrong = []
    for m in entries(load_po("fr")):
        ids, strings = as_list(m.id), as_list(m.string)
        expected = set(PLACEHOLDER.findall(ids[-1]))
        for s in strings:
            if set(PLACEHOLDER.findall(s)) != expected:
                wrong.append(m.id)
    assert not wrong, wrong


def test_catalogue_covers_the_sources(tmp_path):
    if not shutil.which("xgettext"):
        if os.environ.get("CI"):
            pytest.fail("xgettext (GNU gettext) is needed on CI to check the catalogues")
        pytest.skip("xgettext not installed")
    copy = tmp_path / "paylinks"
    shutil.copytree(LOCALE.parent, copy, ignore=shutil.ignore_patterns("__pycache__"))
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="paylinks.settings",
        PAYLINKS_DATA_DIR=str(tmp_path / "data"),
    )
    subprocess.run(
        [sys.executable, "-m", "django", "makemessages", "-l", "fr", "--no-location"],
        cwd=copy,
        env=env,
        check=True,
        capture_output=True,
    )
    fresh = {
        m.id if isinstance(m.id, str) else m.id[0]
        for m in entries(load_po("fr", copy / "locale/fr/LC_MESSAGES/django.po"))
    }
    committed = {m.id if isinstance(m.id, str) else m.id[0] for m in entries(load_po("fr"))}
    assert not fresh - committed, (
        f"strings missing from the catalogues: {sorted(fresh - committed)}"
    )
    assert not committed - fresh, f"obsolete entries: {sorted(committed - fresh)}"


def test_rendering_in_french():
    with translation.override("fr"):
        assert translation.gettext("Payment links") == "Liens de paiement"
        assert translation.gettext("Pay %(amount)s") % {"amount": "12,50 $"} == "Payer 12,50 $"
        assert translation.ngettext("%(n)s payment", "%(n)s payments", 2) == "%(n)s paiements"
