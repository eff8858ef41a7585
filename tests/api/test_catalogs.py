"""The translation catalogs: reading, checking, and folding a TEXTS table into them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog

from api.catalogs import LOCALE_DIR, check, extract, merge, po_path, read_catalog, texts_table
from engine import messages

TABLE = """
from collections.abc import Mapping

TEXTS: Mapping[str, tuple[str, str]] = {
    "nav.login": ("别的登录", "Another log in"),
    "zz.new": ("新文本 {n}", "New text {n}"),
    "aa.first": ("第一", "First "
                 "one"),
    "span.d": ("{n}天", "{n} d"),
}
"""


@pytest.fixture
def locale_dir(tmp_path: Path) -> Path:
    shutil.copytree(LOCALE_DIR, tmp_path / "locale")
    return tmp_path / "locale"


def test_the_shipped_catalogs_are_complete_and_consistent() -> None:
    assert check() == []


def test_a_texts_table_is_read_without_running_it() -> None:
    assert texts_table(TABLE) == [
        ("nav.login", "别的登录", "Another log in"),
        ("zz.new", "新文本 {n}", "New text {n}"),
        ("aa.first", "第一", "First one"),
        ("span.d", "{n}天", "{n} d"),
    ]
    with pytest.raises(ValueError, match="no TEXTS"):
        texts_table("X = 1")


def test_merge_adds_only_the_missing_keys_to_both_catalogs_in_key_order(
    locale_dir: Path,
) -> None:
    before = po_path("zh", locale_dir).read_text(encoding="utf-8")
    # span.d was taken out on purpose (RETIRED): an old table does not bring it back.
    assert merge(texts_table(TABLE), locale_dir) == ["zz.new", "aa.first"]
    zh, en = read_catalog("zh", locale_dir), read_catalog("en", locale_dir)

    def text(catalog: Catalog, key: str) -> str:
        message = catalog.get(key)
        assert message is not None
        return str(message.string)

    assert (text(zh, "zz.new"), text(en, "zz.new")) == ("新文本 {n}", "New text {n}")
    assert text(en, "aa.first") == "First one"
    # A key the catalogs hold keeps its text.
    assert (text(zh, "nav.login"), text(en, "nav.login")) == ("登录", "Log in")
    ids = [m.id for m in zh if m.id]
    assert ids == sorted(ids) and ids[0] == "aa.first"
    # Nothing else moved: the old file's lines are all there, in the same order.
    after = [line for line in po_path("zh", locale_dir).read_text("utf-8").splitlines() if line]
    old = [line for line in before.splitlines() if line]
    assert [line for line in after if line in old] == old
    assert check(locale_dir) == []
    # A second merge adds nothing and writes nothing.
    assert merge(texts_table(TABLE), locale_dir) == []


def test_check_names_a_missing_translation_and_differing_placeholders(locale_dir: Path) -> None:
    path = po_path("en", locale_dir)
    text = path.read_text(encoding="utf-8")
    text = text.replace(
        'msgid "case.title"\nmsgstr "Case #{id}"', 'msgid "case.title"\nmsgstr "Case"'
    )
    text = text.replace('msgid "nav.login"\nmsgstr "Log in"\n', "")
    path.write_text(text, encoding="utf-8")
    assert check(locale_dir) == [
        "nav.login: missing in en",
        "case.title: zh names a placeholder en lacks",
    ]


def test_extract_brings_a_new_engine_message_in_marked_untranslated(
    locale_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert extract(locale_dir) == []  # the shipped catalogs hold every engine message
    monkeypatch.setitem(messages.MESSAGES, "test.new", "a new message about {thing}")
    assert extract(locale_dir) == ["msg.test.new"]
    zh = read_catalog("zh", locale_dir).get("msg.test.new")
    assert zh is not None and zh.fuzzy and zh.string == "a new message about {thing}"
    assert check(locale_dir) == ["msg.test.new: not translated yet (marked fuzzy)"]
