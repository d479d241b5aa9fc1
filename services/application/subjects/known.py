"""The identities free text is screened against: the partnership's case files, decrypted in memory.

`KnownIdentitiesCache(store, personal_data)` answers, for a partnership, the names, dates
of birth and addresses held in its case files (domain/screening.py `KnownIdentities`), built from the
decrypted details and kept per partnership until a case file changes. It is told of a
change by the log, not by the process that made it: an erasure run by `lif subjects` or a
case file opened through another API process is seen at the next command. Each call asks
the log whether a case-file event was recorded since it last looked (two indexed reads);
one was, in any partnership, and every partnership's identities are built again (case
files change seldom; commands run often). A partnership with no case file costs no key
and no decryption: the personal data service is only asked for when there is one.

What it holds is never logged and never put in an error: `KnownIdentities` shows counts only.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from adapters.store import EventStore
from domain.personal_data import CaseFileOpened, PersonalDetails, PersonalDetailsRecorded, SubjectErased
from domain.screening import EMPTY, KnownIdentities

if TYPE_CHECKING:
    from services.application.subjects.service import PersonalDataService

CASE_FILE_CHANGES = (CaseFileOpened.TOPIC, PersonalDetailsRecorded.TOPIC, SubjectErased.TOPIC)
"""The events after which a partnership's known identities are read again."""

KnownIdentitiesSource = Callable[[str], KnownIdentities]
"""A partnership's id -> the identities its free text is screened against."""


def no_case_files(_: str) -> KnownIdentities:
    """For a service given no case files (tests, tools): the detectors that need none still run."""
    return EMPTY


class KnownIdentitiesCache:
    def __init__(self, store: EventStore, personal_data: Callable[[], PersonalDataService]) -> None:
        self._store = store
        self._personal_data = personal_data
        self._lock = threading.Lock()
        self._seen = 0
        """The log position up to which the cached identities reflect every case-file change."""
        self._known: dict[str, KnownIdentities] = {}

    def __call__(self, partnership_id: str) -> KnownIdentities:
        with self._lock:
            self._catch_up()
            known = self._known.get(partnership_id)
            if known is None:
                known = self._known[partnership_id] = self._build(partnership_id)
            return known

    def _catch_up(self) -> None:
        recorder = self._store.recorder
        head = recorder.max_notification_id() or 0
        if head <= self._seen:
            return
        # Read before the identities are built: what is built is at least as new as `head`.
        changed = recorder.select_notifications(
            start=self._seen, stop=head, limit=1, topics=CASE_FILE_CHANGES, inclusive_of_start=False
        )
        if changed:
            self._known.clear()
        self._seen = head

    def _build(self, partnership_id: str) -> KnownIdentities:
        from services.application.subjects.service import case_files

        files = [cf for cf in case_files(self._store, partnership_id) if not cf.erased]
        if not files:
            return EMPTY
        service = self._personal_data()
        details = [d for d in (service.decrypted(cf) for cf in files) if isinstance(d, PersonalDetails)]
        return identities_of(details)


def identities_of(details: list[PersonalDetails]) -> KnownIdentities:
    if not details:
        return EMPTY
    return KnownIdentities(
        names=[d.name for d in details],
        dates_of_birth=[d.date_of_birth for d in details if d.date_of_birth is not None],
        addresses=[d.address for d in details if d.address is not None],
    )
