"""`lif projections` and `lif project`: help, listing, and the progress line."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from adapters.progress import ProgressBar
from services.cli import main


@pytest.mark.parametrize(
    "argv",
    [
        ["projections", "--help"], ["projections", "rebuild", "--help"], ["projections", "parked", "--help"],
        ["projections", "retry", "--help"], ["project", "--help"],
    ],
)
def test_each_command_has_help(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 0
    assert "usage: lif" in capsys.readouterr().out


def test_progress_shows_percentage_rate_and_eta_on_one_redrawn_line() -> None:
    ticks = iter([0.0, 1.0, 2.0, 4.0])
    stream = io.StringIO()
    bar = ProgressBar(stream, label="rebuild", width=10, every=0, clock=lambda: next(ticks))
    bar(1000, 4000)  # at t=1 s
    bar(2000, 4000)  # at t=2 s
    bar(4000, 4000)  # at t=4 s
    bar.done()
    lines = stream.getvalue().split("\r")[1:]
    assert lines[0] == "rebuild [##--------]  25.0% 1000/4000 events 1,000 ev/s ETA 00:03"
    assert lines[1] == "rebuild [#####-----]  50.0% 2000/4000 events 1,000 ev/s ETA 00:02"
    assert lines[2] == "rebuild [##########] 100.0% 4000/4000 events 1,000 ev/s ETA 00:00\n"


def test_list_names_every_projection(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    from adapters.settings import get_settings

    monkeypatch.setenv("LIF_SQLITE_PATH", f"{tmp_path}/lif.sqlite")
    get_settings.cache_clear()
    try:
        assert main(["projections", "list"]) == 0
        assert main(["projections", "rebuild", "no-such-view"]) == 2
    finally:
        get_settings.cache_clear()
    out = capsys.readouterr()
    assert "tracker" in out.out and "audit" in out.out
    assert "no projection named no-such-view" in out.err
