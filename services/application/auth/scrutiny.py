"""Every read a scrutineer makes is itself recorded, as a `ScrutinyRead` event.

One aggregate per scrutineer and partnership, so the audit trail can show a
scrutineer's reads in order (`entity_id` = that aggregate). The read is recorded
before it is answered: a read that is not recorded is not served.
"""

from __future__ import annotations

import threading

from eventsourcing.persistence import IntegrityError, RecordConflictError

from adapters.store import EventStore
from domain.access import ScrutinyRead, scrutiny_aggregate_id
from services.application.auth.principals import Principal

_LOCK = threading.Lock()


def record_read(store: EventStore, principal: Principal, method: str, path: str, query: str) -> ScrutinyRead:
    aggregate_id = scrutiny_aggregate_id(principal.partnership_id, principal.subject)
    with _LOCK:  # one writer per process; other processes are handled by retrying
        for _ in range(20):
            last = list(store.events.get(aggregate_id, desc=True, limit=1))
            version = last[0].originator_version + 1 if last else 1
            event = ScrutinyRead(
                originator_id=aggregate_id, originator_version=version,
                partnership_id=principal.partnership_id, principal=principal.subject,
                method=method, path=path, query=query[:2000],
            )
            try:
                store.save(event)
            except (IntegrityError, RecordConflictError):
                continue
            return event
    raise RuntimeError("could not record the scrutineer's read")
