"""`lif clock` also runs the retention schedule: before, only `lif serve` on the embedded default
did, so a deployment on PostgreSQL (where the clock is its own process) erased nobody on time."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from adapters.settings import get_settings
from adapters.store import EventStore
from adapters.subject_keys import subject_keys_for
from domain.dates import today_in_england
from domain.personal_data import RetentionRun, add_years, retention_run_id
from services.application.subjects.service import PersonalDataService
from services.workers.clock import serve
from tests.integration.stores import sqlite_settings
from tests.integration.test_erasure_proven import CTX, _open_case_file


def test_the_clock_process_erases_what_is_due_once_and_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = sqlite_settings(tmp_path)
    store = EventStore.from_settings(settings)
    service = PersonalDataService(store, subject_keys_for(settings))
    ref = _open_case_file(store, service)
    (cf,) = service.case_files()
    service.close(CTX, cf.id, today_in_england())
    store.close()
    due_day = add_years(today_in_england(), 7)

    monkeypatch.setenv("LIF_PERSISTENCE", "sqlite")
    monkeypatch.setenv("LIF_SQLITE_PATH", settings.sqlite_path)
    get_settings.cache_clear()
    try:
        first, again = io.StringIO(), io.StringIO()
        assert serve(once=True, now=due_day, out=first) == 0
        assert serve(once=True, now=due_day, out=again) == 0
    finally:
        get_settings.cache_clear()

    assert f"{CTX.partnership_id}  retention {due_day.isoformat()}: erased 1, could not erase 0" in first.getvalue()
    assert "retention" not in again.getvalue()  # the day has had its run
    store = EventStore.from_settings(settings)
    try:
        *_, run = store.events.get(retention_run_id(CTX.partnership_id, due_day))
        assert isinstance(run, RetentionRun) and run.erased == (ref,)
        assert subject_keys_for(settings).get(ref) is None
    finally:
        store.close()
