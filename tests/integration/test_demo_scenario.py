"""`lif demo --scenario PATH`: another partnership, written as data, loaded through the API."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.settings import get_settings
from adapters.store import EventStore
from domain.partnership import Partnership, partnership_uuid
from services.cli import main
from tests.unit.test_scenario import _MINIMAL


def test_another_scenario_loads_through_lif_demo(
    sqlite_env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = tmp_path / "tiny.toml"
    scenario.write_text(_MINIMAL, encoding="utf-8")
    assert main(["demo", "--scenario", str(scenario)]) == 0
    captured = capsys.readouterr()
    assert "[1/7] registering…" in captured.err and "[7/7] signing off…" in captured.err
    assert "Loaded Tiny Partnership (tiny): 7 commands applied." in captured.out
    assert "decisions: 1 (defer 1; 1 on sign-off)" in captured.out

    store = EventStore.from_settings(get_settings())
    try:
        p = store.load(partnership_uuid("tiny"), Partnership)
        assert p is not None and p.name == "Tiny Partnership"
        assert store.load(partnership_uuid("st-helens"), Partnership) is None
    finally:
        store.close()

    # Loaded once: a re-run sees its last step recorded and adds nothing.
    assert main(["demo", "--scenario", str(scenario)]) == 0
    assert "already exists with the demo loaded; nothing added." in capsys.readouterr().out


def test_a_bad_scenario_stops_lif_demo_before_anything_is_sent(
    sqlite_env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = tmp_path / "bad.toml"
    scenario.write_text(_MINIMAL.replace('outcome = "defer"\n', 'outcome = "defer"\nmeeting_on = "-3d"\n'
                                         ).replace('meeting_on = "-7d"\n', ""), encoding="utf-8")
    assert main(["demo", "--scenario", str(scenario)]) == 2
    err = capsys.readouterr().err
    assert "step 6 ('audit/sign-off'), field 'payload.meeting_on'" in err
    assert not sqlite_env.exists() or _notifications() == 0

    assert main(["serve", "--demo", "--scenario", str(scenario)]) == 2
    assert "field 'payload.meeting_on'" in capsys.readouterr().err


def _notifications() -> int:
    store = EventStore.from_settings(get_settings())
    try:
        return store.recorder.max_notification_id() or 0
    finally:
        store.close()
