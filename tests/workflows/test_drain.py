"""The drain loop: batches until none is claimed, the live objects frozen out of the cyclic
collector meanwhile and handed back afterwards, even when a batch raises."""

from __future__ import annotations

import gc

import pytest

from engine.model import SweepReport
from workflows.sweeping import drain


def test_a_drain_freezes_what_lives_while_it_runs_and_unfreezes_it_after() -> None:
    frozen: list[int] = []

    def batch() -> SweepReport:
        frozen.append(gc.get_freeze_count())
        return SweepReport(claimed=0)

    assert drain(batch).claimed == 0
    assert frozen[0] > 0 and gc.get_freeze_count() == 0


def test_a_failing_batch_still_unfreezes() -> None:
    def batch() -> SweepReport:
        raise RuntimeError("the database went away")

    with pytest.raises(RuntimeError):
        drain(batch)
    assert gc.get_freeze_count() == 0
