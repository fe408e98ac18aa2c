"""Keep the catalogues complete: ``python scripts/i18n.py update`` regenerates both .po
files from the sources (Django's makemessages, needs GNU gettext), fills the English
catalogue (msgstr = msgid), lists French entries still to translate, and compiles the
.mo files. Run it from anywhere with the project's virtualenv."""

import os
import subprocess
import sys
from pathlib import Path

from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "src" / "paylinks"
LOCALE = PACKAGE / "locale"


def catalogue_path(language: str) -> Path:
    return LOCALE / language / "LC_MESSAGES" / "django.po"


def django_admin(*args: str) -> None:
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="paylinks.settings")
    env.setdefault("PAYLINKS_DATA_DIR", str(ROOT / "data"))
    subprocess.run([sys.executable, "-m", "django", *args], cwd=PACKAGE, env=env, check=True)


def load(language: str) -> Catalog:
    with catalogue_path(language).open("rb") as f:
        catalog = read_po(f)
    catalog.locale = Locale.parse(language)  # makemessages leaves "Language:" empty
    catalog.project, catalog.version = "paylinks", "1"
    catalog.fuzzy = False
    return catalog


def save(language: str, catalog: Catalog) -> None:
    with catalogue_path(language).open("wb") as f:
        write_po(f, catalog, width=0)


def fill_english() -> None:
    catalog = load("en")
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.id, (list, tuple)):
            message.string = tuple(message.id)
        else:
            message.string = message.id
        message.flags.discard("fuzzy")
    save("en", catalog)


def untranslated(language: str) -> list[str]:
    missing = []
    for message in load(language):
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, (list, tuple)) else [message.string]
        if "fuzzy" in message.flags or not all(strings):
            missing.append(message.id if isinstance(message.id, str) else message.id[0])
    return missing


def main() -> int:
    command = sys.argv[1] if len(sys.argv) > 1 else "update"
    if command == "update":
        django_admin("makemessages", "-l", "fr", "-l", "en", "--no-location", "--no-obsolete")
        fill_english()
        save("fr", load("fr"))  # the same header and layout as the English one
    if command in ("update", "compile"):
        django_admin("compilemessages")
    missing = untranslated("fr")
    for msgid in missing:
        print(f"untranslated (fr): {msgid!r}")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
