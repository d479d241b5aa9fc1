"""Case files' personal details: stored encrypted per data subject, read back decrypted.

After the subject is erased (`lif subjects erase`, or the retention schedule's
`lif subjects erase-due`) the details read as "[redacted]", in the case file and
in its replayed history alike.
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from adapters.subject_keys import subject_keys_for
from domain.framework import SourceKind
from domain.personal_data import PersonalDetails, SubjectRole
from domain.privacy import CASE_REFERENCE_SCHEMA
from domain.values import IsoDate, Name, TextRule
from services.api.command_routes import ERROR_RESPONSES
from services.api.deps import ContextDep, PartnershipId
from services.api.responses import READ_RESPONSES
from services.api.schemas.lists import ListAnswer
from services.application.subjects.service import CaseFileView, HistoryEntry, PersonalDataService

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


# The name is the personal detail itself, encrypted before it is stored: not free text.
PersonName = Annotated[str, TextRule(200, free_text=False)]
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
    subject_ref: str | None = Field(
        default=None, pattern=r"^DS-[0-9A-F]{20}$",
        description="An existing data subject's reference, to link the same person across case files."
    )
    rationale: CaseRationale | None = Field(default=None, description="Why; must not name anyone.")


class RecordDetails(_Body):
    name: PersonName
    date_of_birth: IsoDate | None = None
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


@router.post("", status_code=201, response_model=CaseFileView, responses=RESPONSES, summary="Open a case file")
def open_case_file(body: OpenCaseFile, ctx: ContextDep, service: PersonalDataDep) -> CaseFileView:
    return service.open(
        ctx.model_copy(update={"rationale": body.rationale}),
        case_reference=body.case_reference,
        source_kind=body.source_kind,
        role=body.role,
        details=PersonalDetails(name=body.name, date_of_birth=body.date_of_birth),
        subject_ref=body.subject_ref,
    )


@router.get("/{case_file_id}", response_model=CaseFileView, responses=READ_RESPONSES, summary="A case file")
def get_case_file(partnership_id: PartnershipId, case_file_id: UUID, service: PersonalDataDep) -> CaseFileView:
    return service.view(service.get(partnership_id, case_file_id))


@router.post(
    "/{case_file_id}/personal-details",
    response_model=CaseFileView,
    responses=RESPONSES,
    summary="Record (correct) the subject's personal details",
)
def record_details(case_file_id: UUID, body: RecordDetails, ctx: ContextDep, service: PersonalDataDep) -> CaseFileView:
    return service.record_details(
        ctx.model_copy(update={"rationale": body.rationale}),
        case_file_id,
        PersonalDetails(name=body.name, date_of_birth=body.date_of_birth),
        body.expected_version,
    )


@router.post("/{case_file_id}/close", response_model=CaseFileView, responses=RESPONSES, summary="Close a case file")
def close_case_file(case_file_id: UUID, body: CloseCaseFile, ctx: ContextDep, service: PersonalDataDep) -> CaseFileView:
    return service.close(ctx.model_copy(update={"rationale": body.rationale}), case_file_id, body.closed_on)


@router.get(
    "/{case_file_id}/history",
    response_model=HistoryBody,
    responses=READ_RESPONSES,
    summary="The case file's history replayed, personal details decrypted or [redacted]",
)
def case_file_history(partnership_id: PartnershipId, case_file_id: UUID, service: PersonalDataDep) -> HistoryBody:
    items = service.history(partnership_id, case_file_id)
    return HistoryBody(case_file_id=case_file_id, items=items, count=len(items))
