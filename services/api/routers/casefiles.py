"""Case files' personal details: stored encrypted per data subject, read on a need to know.

Commands answer a case file without its details. A read gives them only to a role the
partnership allows (`set_personal_data_readers`; its admins by default), and only with a
stated `reason`: each such read is recorded as a `PersonalDetailsRead` event first.
Other readers (a scrutineer) see that details exist, when they were recorded and who read
them. After the subject is erased (`lif subjects erase`, or the retention schedule's
`lif subjects erase-due`) the details read as "[redacted]", in the case file and
in its replayed history alike.
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from adapters.subject_keys import subject_keys_for
from domain.aggregate import Context
from domain.framework import SourceKind
from domain.personal_data import CaseFile, PersonalDetails, SubjectRole
from domain.privacy import CASE_REFERENCE_SCHEMA
from domain.values import IsoDate, Name, TextRule
from services.api.auth import PrincipalDep
from services.api.command_routes import ERROR_RESPONSES
from services.api.deps import ContextDep
from services.api.responses import READ_RESPONSES
from services.api.schemas.casefiles import CaseFileRead, CaseFileRecord, PersonalDetailsReadRecord
from services.api.schemas.lists import ListAnswer
from services.application.auth.principals import Principal
from services.application.subjects.service import HistoryEntry, PersonalDataService

router = APIRouter(prefix="/v1/partnerships/{partnership_id}/casefiles", tags=["case files"])


def personal_data_for(state: Any) -> PersonalDataService:
    """The app's personal data service (made at first use: only case files need the keys)."""
    service: PersonalDataService | None = getattr(state, "personal_data", None)
    if service is None or service.store is not state.store:
        service = PersonalDataService(
            state.store, subject_keys_for(state.settings), getattr(state, "known_identities", None)
        )
        state.personal_data = service
    return service


def get_personal_data(request: Request) -> PersonalDataService:
    return personal_data_for(request.app.state)


PersonalDataDep = Annotated[PersonalDataService, Depends(get_personal_data)]


# The name and the address are the personal details themselves, encrypted before they are
# stored: not free text (free text is screened against them).
PersonName = Annotated[str, TextRule(200, free_text=False)]
PostalAddress = Annotated[str, TextRule(500, single_line=False, free_text=False)]
ADDRESS = (
    "Encrypted before it is stored. The postal address, its lines apart by commas or new lines, the house "
    "and street first (e.g. '42 Marmalade Lane, Thatto Heath, St Helens WA10 1AB'): free text is refused "
    "that holds its first line or its postcode."
)
CaseRationale = Annotated[str, TextRule(2000, min_length=0, single_line=False, strip=False)]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class OpenCaseFile(_Body):
    case_reference: Name = Field(
        description="Pseudonymous case reference, e.g. SHSCP-2025-014 (never a name): 3-40 letters, digits, "
        "'-', '/' or '_' with at least one digit, and nothing that reads as a date (a date of birth).",
        json_schema_extra=CASE_REFERENCE_SCHEMA,
    )
    source_kind: SourceKind
    role: SubjectRole = Field(description="The data subject's part in the case.")
    name: PersonName = Field(description="Encrypted before it is stored.")
    date_of_birth: IsoDate | None = Field(default=None, description="Encrypted before it is stored.")
    address: PostalAddress | None = Field(default=None, description=ADDRESS)
    subject_ref: str | None = Field(
        default=None, pattern=r"^DS-[0-9A-F]{20}$",
        description="An existing data subject's reference, to link the same person across case files."
    )
    rationale: CaseRationale | None = Field(default=None, description="Why; must not name anyone.")


class RecordDetails(_Body):
    name: PersonName
    date_of_birth: IsoDate | None = None
    address: PostalAddress | None = Field(default=None, description=ADDRESS)
    rationale: CaseRationale | None = Field(default=None)
    expected_version: int | None = None


class CloseCaseFile(_Body):
    closed_on: IsoDate = Field(description="Starts the retention period of the data-protection policy.")
    rationale: CaseRationale | None = Field(default=None)


class HistoryBody(ListAnswer):
    """The case file's events replayed, oldest first (one list: `next` is null)."""

    case_file_id: UUID
    items: list[HistoryEntry]


RESPONSES: dict[int | str, dict[str, Any]] = ERROR_RESPONSES


def record_of(cf: CaseFile, service: PersonalDataService) -> CaseFileRecord:
    return CaseFileRecord(
        id=cf.id, version=cf.version, partnership_id=cf.partnership_id, created_on=cf.created_on,
        modified_on=cf.modified_on, case_reference=cf.case_reference, source_kind=cf.source_kind,
        subject_ref=cf.subject.subject_ref, role=cf.subject.role, details_recorded_at=cf.details_recorded_at,
        closed_on=cf.closed_on, retention_ends_on=service.retention_ends(cf), erased=cf.erased,
        erased_on=cf.erased_on,
    )


Reason = Annotated[
    str | None,
    Query(
        max_length=500,
        description="Why you read the personal details: required of a role allowed to read them, and "
        "recorded with the read in the audit trail (it must not name anyone). Ignored for other roles.",
    ),
]


def _reader(ctx: Context, principal: Principal, reason: str | None, service: PersonalDataService) -> Context | None:
    """The read's context (who and why) for a role the partnership allows to read personal details."""
    if not service.may_read_details(ctx.partnership_id, principal.role.value):
        return None
    return ctx.model_copy(update={"rationale": reason})


@router.post(
    "", status_code=201, response_model=CaseFileRecord, responses=RESPONSES,
    summary="Open a case file (the answer does not carry the personal details)",
)
def open_case_file(body: OpenCaseFile, ctx: ContextDep, service: PersonalDataDep) -> CaseFileRecord:
    cf = service.open(
        ctx.model_copy(update={"rationale": body.rationale}),
        case_reference=body.case_reference,
        source_kind=body.source_kind,
        role=body.role,
        details=PersonalDetails(name=body.name, date_of_birth=body.date_of_birth, address=body.address),
        subject_ref=body.subject_ref,
    )
    return record_of(cf, service)


@router.get(
    "/{case_file_id}", response_model=CaseFileRead, responses=READ_RESPONSES,
    summary="A case file: its personal details for a role allowed to read them (a recorded read, with a reason)",
)
def get_case_file(
    case_file_id: UUID, ctx: ContextDep, principal: PrincipalDep, service: PersonalDataDep, reason: Reason = None
) -> CaseFileRead:
    cf = service.get(ctx.partnership_id, case_file_id)
    reader = _reader(ctx, principal, reason, service)
    details = service.read_details(reader, cf) if reader is not None else None
    reads = [
        PersonalDetailsReadRecord(principal=r.principal, read_at=r.timestamp, reason=r.rationale, read_in=r.read_in)
        for r in service.reads(cf)
    ]
    return CaseFileRead(
        **record_of(cf, service).model_dump(), personal_details=details,
        personal_details_withheld=reader is None, reads=reads,
    )


@router.post(
    "/{case_file_id}/personal-details",
    response_model=CaseFileRecord,
    responses=RESPONSES,
    summary="Record (correct) the subject's personal details (the answer does not carry them)",
)
def record_details(
    case_file_id: UUID, body: RecordDetails, ctx: ContextDep, service: PersonalDataDep
) -> CaseFileRecord:
    cf = service.record_details(
        ctx.model_copy(update={"rationale": body.rationale}),
        case_file_id,
        PersonalDetails(name=body.name, date_of_birth=body.date_of_birth, address=body.address),
        body.expected_version,
    )
    return record_of(cf, service)


@router.post("/{case_file_id}/close", response_model=CaseFileRecord, responses=RESPONSES, summary="Close a case file")
def close_case_file(
    case_file_id: UUID, body: CloseCaseFile, ctx: ContextDep, service: PersonalDataDep
) -> CaseFileRecord:
    cf = service.close(ctx.model_copy(update={"rationale": body.rationale}), case_file_id, body.closed_on)
    return record_of(cf, service)


@router.get(
    "/{case_file_id}/history",
    response_model=HistoryBody,
    responses=READ_RESPONSES,
    summary="The case file's history replayed: personal details as its read gives them (a recorded read)",
)
def case_file_history(
    case_file_id: UUID, ctx: ContextDep, principal: PrincipalDep, service: PersonalDataDep, reason: Reason = None
) -> HistoryBody:
    reader = _reader(ctx, principal, reason, service)
    items = service.history(reader or ctx, case_file_id, with_details=reader is not None)
    return HistoryBody(case_file_id=case_file_id, items=items, count=len(items))
