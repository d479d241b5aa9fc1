"""`lif subjects erase REF` and `lif subjects erase-due`: erasure from the command line.

Apart from the service so that the service has no printing, and services/cli/__init__.py loads
this (and the key stores) only when `lif subjects` runs.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, TextIO

from adapters.settings import Settings
from adapters.store import EventStore
from adapters.subject_keys import subject_keys_for
from services.application.subjects.service import ErasureReport, PersonalDataService


def run_subjects_cli(settings: Settings, store: EventStore, args: Any, out: TextIO, err: TextIO) -> int:
    """`lif subjects erase REF` and `lif subjects erase-due`; 0 on success."""
    import projections.registry  # noqa: F401  (view modules register their erasure hooks on import)
    from adapters.subject_kek import KekError
    from domain.errors import DomainError

    try:
        keys = subject_keys_for(settings)
    except KekError as exc:
        print(f"lif subjects: subject_kek: {exc}", file=err)
        return 1
    service = PersonalDataService(store, keys)
    try:
        if args.action == "rewrap":
            print(f"{keys.rewrap()} subject key(s) rewrapped under the current key-encryption key", file=out)
            texts = store.text_keys.rewrap()  # free text's keys are wrapped by the same ring
            print(f"{texts} text key(s) rewrapped under the current key-encryption key", file=out)
            return 0
        if args.action == "erase":
            report = service.erase(args.ref, principal=args.principal, rationale=args.rationale)
            print(_describe(report), file=out)
            return 0
        today = date.fromisoformat(args.today) if args.today else datetime.now(UTC).date()
        if args.dry_run:
            for ref, files in service.due(today).items():
                refs = ", ".join(f"{cf.case_reference} ({cf.source_kind.value}, closed {cf.closed_on})" for cf in files)
                print(f"due {ref}: {refs}", file=out)
            return 0
        runs = service.run_retention(today, principal=args.principal, rationale=args.rationale)
        erased = [ref for run in runs for ref in run.erased]
        for ref in erased:
            print(f"erased {ref} as due", file=out)
        for failure in (f for run in runs for f in run.failed):
            print(f"not yet erased: {failure} (run erase for it again)", file=err)
        print(f"{len(erased)} subject(s) erased as due on {today}", file=out)
        if any(run.failed for run in runs):
            return 1
        return 0
    except DomainError as exc:
        print(f"lif subjects: {exc.code}: {exc.message}", file=err)
        return 1
    finally:
        keys.close()


def _describe(report: ErasureReport) -> str:
    key = "key destroyed" if report.key_destroyed else "key already gone"
    return f"erased {report.subject_ref}: {report.events_recorded} erasure event(s) recorded, {key}"
