"""Personal data sealed at rest: AES-GCM per value, bound to its case and field."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

import pytest

from engine.store.sealing import PREFIX, Sealer, SealError, key_from_file, new_key_text


@pytest.fixture
def sealer() -> Sealer:
    return Sealer.from_text(new_key_text())


def test_a_value_round_trips_and_is_never_sealed_the_same_way_twice(sealer: Sealer) -> None:
    first = sealer.seal("王秀英 13812345678", 7, "name")
    second = sealer.seal("王秀英 13812345678", 7, "name")
    assert first is not None and second is not None
    assert first.startswith(PREFIX) and "王" not in first and "138" not in first
    assert first != second  # a fresh nonce each time
    assert sealer.open(first, 7, "name") == "王秀英 13812345678"
    assert sealer.seal(None, 7, "phone") is None and sealer.open(None, 7, "phone") is None


def test_a_sealed_value_opens_only_in_its_case_and_field_and_under_its_key(
    sealer: Sealer,
) -> None:
    sealed = sealer.seal("110101199003071234", 7, "id_number")
    with pytest.raises(SealError, match="case 8"):
        sealer.open(sealed, 8, "id_number")  # moved to another case's row
    with pytest.raises(SealError):
        sealer.open(sealed, 7, "phone")  # moved to another column
    with pytest.raises(SealError):
        Sealer.from_text(new_key_text()).open(sealed, 7, "id_number")
    assert sealed is not None
    with pytest.raises(SealError):
        sealer.open(sealed[:-4] + "AAAA", 7, "id_number")  # tampered with


def test_a_value_stored_before_sealing_reads_as_it_is(sealer: Sealer) -> None:
    assert sealer.open("李四", 7, "name") == "李四"
    assert not Sealer.is_sealed("李四") and Sealer.is_sealed(sealer.seal("李四", 7, "name"))


def test_a_key_must_be_32_bytes_of_base64url() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        Sealer.from_text("c2hvcnQ=")
    with pytest.raises(ValueError, match="base64url"):
        Sealer.from_text("not base64 at all!")


def test_the_key_file_is_created_once_readable_by_its_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "party.key"
    key = key_from_file(path)
    assert key_from_file(path) == key
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(path.parent).st_mode) == 0o700  # a new folder: owner only
    Sealer.from_text(key)  # a valid key
    assert [p.name for p in path.parent.iterdir()] == ["party.key"]  # no temporary left


def test_processes_starting_together_agree_on_one_key(tmp_path: Path) -> None:
    path = tmp_path / "party.key"
    gate = threading.Barrier(8)
    keys: list[str] = []

    def start() -> None:
        gate.wait()
        keys.append(key_from_file(path))

    threads = [threading.Thread(target=start) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(keys)) == 1 and keys[0] == path.read_text().strip()
