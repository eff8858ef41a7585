"""The shipped files against the published versions: what is new is published, what clashes
is left out with a problem on its `version:` line saying which version to raise it to."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from engine.casework.publishing import with_version
from engine.definition import Definition
from engine.loader import parse_definition
from engine.shipped import SHIPPED_BY, PublishedVersion, compare, read_shipped, version_position
from tests.conftest import DEFINITIONS

AT = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)


def mediation(shipped: list[Definition]) -> Definition:
    return next(d for d in shipped if d.name == "mediation")


def as_published(d: Definition, by: str = SHIPPED_BY) -> PublishedVersion:
    return PublishedVersion(d.content_hash, by, AT)


def changed(d: Definition, version: int, title: str = "pilot") -> Definition:
    source = with_version(d.source, version).replace("mediation}", f"mediation ({title})}}", 1)
    return parse_definition(source, file=d.path)


def version_line(d: Definition) -> int:
    return next(i for i, t in enumerate(d.source.splitlines(), 1) if t.startswith("version:"))


def test_unchanged_files_need_nothing_and_new_versions_are_published(
    shipped: list[Definition],
) -> None:
    m = mediation(shipped)
    published = {d.key: as_published(d) for d in shipped}
    assert compare(shipped, published).to_publish == []
    assert compare(shipped, published).problems == []
    newer = changed(m, m.version + 1)
    found = compare([newer], published)
    assert (found.to_publish, found.problems) == ([newer], [])
    assert compare(shipped, {}).to_publish == shipped


def test_a_file_changed_without_raising_its_version(shipped: list[Definition]) -> None:
    m = mediation(shipped)
    edited = changed(m, m.version)
    found = compare([edited], {m.key: as_published(m)})
    assert found.to_publish == []
    [p] = found.problems
    assert (p.file, p.line, p.col, p.key) == (m.path, version_line(m), 10, "version")
    assert p.message == (
        f"mediation v{m.version} was published from this file on 2026-11-02 with other content:"
        " the file changed without raising its version. This file is left out: cases keep"
        f" their versions, new cases open on v{m.version}"
    )
    assert p.hint == f"raise `version` to {m.version + 1}"


def test_a_file_colliding_with_a_version_published_through_the_api(
    shipped: list[Definition],
) -> None:
    m = mediation(shipped)
    theirs = changed(m, m.version + 1, "trial")
    edited = changed(m, m.version + 1)
    published = {m.key: as_published(m), theirs.key: as_published(theirs, "wang")}
    [p] = compare([edited], published).problems
    assert (p.line, p.col) == (version_line(edited), 10)
    assert p.message.startswith(
        f"mediation v{m.version + 1} was published by wang on 2026-11-02 (API or editor) with"
        " other content than this file."
    )
    assert p.hint == f"raise `version` to {m.version + 2}"


def test_a_file_older_than_the_latest_published_version(shipped: list[Definition]) -> None:
    m = mediation(shipped)
    later = changed(m, m.version + 2, "trial")
    [p] = compare([changed(m, m.version + 1)], {later.key: as_published(later, "wang")}).problems
    assert p.message.startswith(
        f"mediation v{m.version + 2} is published already; v{m.version + 1} would never be used."
    )
    assert p.hint == f"raise `version` to {m.version + 3}"


def test_a_folder_with_a_bad_file_answers_the_others_and_its_problems(tmp_path: Path) -> None:
    for path in DEFINITIONS.glob("*.yaml"):
        (tmp_path / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    bad = tmp_path / "labor_dispute.yaml"
    bad.write_text(bad.read_text(encoding="utf-8").replace("initial: ", "initial: [", 1))
    found = read_shipped(tmp_path)
    assert [d.name for d in found.definitions] == [
        "deliberation",
        "grid_escalation",
        "joint_meeting",
        "mediation",
        "project_supervision",
        "public_points",
        "quarterly_scoring",
        "wage_blacklist",
        "wage_monitoring",
    ]
    assert {p.file for p in found.problems} == {str(bad)}
    assert "YAML syntax error" in found.problems[0].message


def test_the_version_position_is_the_value_of_the_top_level_key() -> None:
    assert version_position("name: x\nversion: 3\n") == (2, 10)
    assert version_position("name: x\nversion:   3\n") == (2, 12)
    assert version_position("fields:\n  version: 1\nversion: 4\n") == (3, 10)
    assert version_position("name: x\n") == (1, 1)
