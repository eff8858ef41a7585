"""The translation catalogs: one gettext ``.po`` file per language under ``api/locale``.

Every text a page shows is an entry: page texts by their key (``queue.title``), the engine's
messages by ``msg.`` and their id (``engine.messages``). The files are read with Babel on
first use and kept; nothing is compiled at install. ``scripts/texts.py`` checks and extends
them (docs/I18N.md).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

from engine.messages import MESSAGES, catalog_text

LOCALE_DIR = Path(__file__).parent / "locale"
LANGS = ("zh", "en")
DOMAIN = "messages"


def po_path(lang: str, locale_dir: Path = LOCALE_DIR) -> Path:
    return locale_dir / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def read_catalog(lang: str, locale_dir: Path = LOCALE_DIR) -> Catalog:
    with po_path(lang, locale_dir).open("rb") as f:
        return read_po(f, locale=lang, domain=DOMAIN)


def write_catalog(catalog: Catalog, lang: str, locale_dir: Path = LOCALE_DIR) -> None:
    """Write `catalog` sorted by key, without source locations, so that two branches adding
    keys touch different lines and the file reads the same after every rewrite."""
    catalog.creation_date = FIXED_DATE
    catalog.revision_date = FIXED_DATE
    catalog.header_comment = HEADER
    catalog.fuzzy = False
    path = po_path(lang, locale_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as f:
        write_po(f, catalog, width=0, no_location=True, omit_header=False, sort_output=True)


HEADER = "# The texts of fengqiao's pages and messages (docs/I18N.md)."
FIXED_DATE = datetime(2026, 1, 1, tzinfo=UTC)  # the header stays put: no date churn in diffs


def new_catalog(lang: str) -> Catalog:
    return Catalog(
        locale=lang,
        domain=DOMAIN,
        project="fengqiao",
        version="1",
        charset="utf-8",
        header_comment=HEADER,
        creation_date=FIXED_DATE,
        revision_date=FIXED_DATE,
        fuzzy=False,
        msgid_bugs_address="",
        last_translator="fengqiao",
        language_team="fengqiao",
    )


@cache
def texts(lang: str) -> Mapping[str, str]:
    """Key → text in `lang`, read once per process."""
    catalog = read_catalog(lang)
    return {str(m.id): str(m.string) for m in catalog if m.id and m.string and not m.fuzzy}


# Keys taken out on purpose: a TEXTS table from before they went does not bring them back.
RETIRED = frozenset({"span.d", "span.h", "span.min"})  # durations are Babel's now


def merge(entries: Iterable[tuple[str, str, str]], locale_dir: Path = LOCALE_DIR) -> list[str]:
    """Add each (key, 中文, English) whose key neither catalog has; return the keys added.
    A key already in a catalog keeps its text there (the catalogs win)."""
    catalogs = {lang: read_catalog(lang, locale_dir) for lang in LANGS}
    added: list[str] = []
    for key, zh, en in entries:
        if key in RETIRED:
            continue
        if all(catalogs[lang].get(key) is not None for lang in LANGS):
            continue
        for lang, text in (("zh", zh), ("en", en)):
            if catalogs[lang].get(key) is None:
                catalogs[lang].add(key, text)
        added.append(key)
    if added:
        for lang in LANGS:
            write_catalog(catalogs[lang], lang, locale_dir)
    return added


def extract(locale_dir: Path = LOCALE_DIR) -> list[str]:
    """Bring the engine's messages (engine.messages) into the catalogs: English as the engine
    writes it; a new message's Chinese is its English marked fuzzy, which `check` reports
    until someone translates it. Returns the keys added or changed."""
    catalogs = {lang: read_catalog(lang, locale_dir) for lang in LANGS}
    changed: list[str] = []
    for key, template in sorted(MESSAGES.items()):
        msgid, text = f"msg.{key}", catalog_text(template)
        en, zh = catalogs["en"].get(msgid), catalogs["zh"].get(msgid)
        if en is not None and en.string == text and zh is not None:
            continue
        catalogs["en"].add(msgid, text)
        if zh is None or en is None or en.string != text:
            catalogs["zh"].add(msgid, text, flags=("fuzzy",))
        changed.append(msgid)
    if changed:
        for lang in LANGS:
            write_catalog(catalogs[lang], lang, locale_dir)
    return changed


def texts_table(source: str) -> list[tuple[str, str, str]]:
    """The (key, 中文, English) entries of a Python module's ``TEXTS = {...}`` table, the
    form page texts had before the catalogs; read without running the module."""
    tree = ast.parse(source)
    for node in ast.walk(tree):
        target = (
            node.target
            if isinstance(node, ast.AnnAssign)
            else node.targets[0]
            if isinstance(node, ast.Assign) and len(node.targets) == 1
            else None
        )
        value = getattr(node, "value", None)
        if isinstance(target, ast.Name) and target.id == "TEXTS" and value is not None:
            table = ast.literal_eval(value)
            return [(str(k), str(v[0]), str(v[1])) for k, v in table.items()]
    raise ValueError("no TEXTS = {...} table in this file")


def placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


PLACEHOLDER = re.compile(r"(?<!{){(\w+)}(?!})")


def check(locale_dir: Path = LOCALE_DIR) -> list[str]:
    """What is wrong with the catalogs: a key one language lacks, an empty text, or a Chinese
    text naming a `{placeholder}` its English text lacks (the English names every parameter
    given; a translation may leave one out). Empty when they are complete and consistent."""
    catalogs = {lang: read_catalog(lang, locale_dir) for lang in LANGS}
    keyed = {lang: {str(m.id): str(m.string) for m in c if m.id} for lang, c in catalogs.items()}
    zh, en = keyed["zh"], keyed["en"]
    wrong = [f"{k}: missing in en" for k in sorted(zh.keys() - en.keys())]
    wrong += [f"{k}: missing in zh" for k in sorted(en.keys() - zh.keys())]
    for key, template in sorted(MESSAGES.items()):
        if en.get(f"msg.{key}", catalog_text(template)) != catalog_text(template):
            wrong.append(f"msg.{key}: en differs from the engine's text (scripts/texts.py extract)")
        if f"msg.{key}" not in zh or f"msg.{key}" not in en:
            wrong.append(
                f"msg.{key}: an engine message the catalogs lack (scripts/texts.py extract)"
            )
    for m in catalogs["zh"]:
        if m.id and m.fuzzy:
            wrong.append(f"{m.id}: not translated yet (marked fuzzy)")
    for key in sorted(zh.keys() & en.keys()):
        if not zh[key] or not en[key]:
            wrong.append(f"{key}: empty text")
        elif not placeholders(zh[key]) <= placeholders(en[key]):
            wrong.append(f"{key}: zh names a placeholder en lacks")
    return wrong
