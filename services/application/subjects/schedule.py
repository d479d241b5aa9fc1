"""The retention schedule, run daily in the background (`lif serve` on the embedded default).

Each day's run per partnership is one `RetentionRun` event under a deterministic id, so a
restart, a second process or a clock set back never runs a day twice, and the audit trail
shows every run, what it erased and what it could not. A failure is logged and retried at
the next check; it does not stop the server.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import date

from domain.dates import today_in_england
from domain.personal_data import RetentionRun
from services.application.subjects.service import PersonalDataService

PRINCIPAL = "system:retention-schedule"
log = logging.getLogger("lif.ops")


class RetentionSchedule:
    def __init__(
        self, service: PersonalDataService, *, every_seconds: float = 3600.0,
        today: Callable[[], date] = today_in_england,
    ) -> None:
        self.service = service
        self.every_seconds = every_seconds
        self.today = today
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self) -> list[RetentionRun]:
        """Today's run for every partnership that has not had it yet."""
        day = self.today()
        runs = self.service.run_retention(day, principal=PRINCIPAL)
        for run in runs:
            log.info(
                "retention schedule ran", extra={
                    "event": "retention_run", "partnership_id": run.partnership_id, "run_on": day.isoformat(),
                    "erased": len(run.erased), "failed": len(run.failed),
                },
            )
        return runs

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_once()
            except Exception:  # a bad day must not stop the server: logged, tried again next check
                log.exception("retention schedule failed", extra={"event": "retention_run_failed"})
            self._stop.wait(self.every_seconds)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="retention-schedule", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
