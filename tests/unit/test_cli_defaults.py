"""The CLI's defaults say what the code they start does by default."""

from __future__ import annotations

import pytest

from services.cli import build_parser
from services.workers.relay import IDLE_INTERVAL


def test_relay_polls_an_idle_log_as_often_as_the_relay_itself_would(capsys: pytest.CaptureFixture[str]) -> None:
    assert build_parser().parse_args(["relay"]).interval == IDLE_INTERVAL
    with pytest.raises(SystemExit):
        build_parser().parse_args(["relay", "--help"])
    assert f"(default {IDLE_INTERVAL:g})" in capsys.readouterr().out
