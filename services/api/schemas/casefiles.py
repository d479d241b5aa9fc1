"""A case file as the API answers it: a command's answer never carries personal details;
a read carries them only for a role the partnership allows to read them, as a recorded read."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

from domain.framework import SourceKind
from domain.personal_data import DetailsReadIn, PersonalDetails, SubjectRole
from services.api.schemas.records import Record, read_only


class PersonalDetailsReadRecord(BaseModel):
    """One read of the case file's personal details."""

    principal: str = Field(description="Who read them.")
    read_at: datetime = Field(description="When (UTC).")
    reason: str | None = Field(description="Why, as the reader stated it.")
    read_in: DetailsReadIn = Field(description="What was read: the case file, or its history.")


class CaseFileRecord(Record):
    """A case file without its subject's personal details: what its commands answer."""

    type: Literal["case_file"] = Field(default="case_file", description="The kind of record.")
    case_reference: str = Field(description="Pseudonymous: never a name.")
    source_kind: SourceKind
    subject_ref: str = Field(description="The data subject's pseudonymous reference.")
    role: SubjectRole = Field(description="The data subject's part in the case.")
    details_recorded_at: datetime | None = Field(
        description="When the personal details now held were recorded (UTC): that they exist, not what they are."
    )
    closed_on: date | None
    retention_ends_on: date | None = Field(
        description="From when the subject's details are due for erasure under the partnership's retention schedule."
    )
    erased: bool
    erased_on: datetime | None


class CaseFileRead(CaseFileRecord):
    """A case file as a read gives it: the details for a reader with a need to know (each read
    recorded with its reason), withheld from every other reader; and who has read them."""

    personal_details: PersonalDetails | Literal["[redacted]"] | None = Field(
        description=read_only("Decrypted, or `[redacted]` after erasure; null when withheld from this reader.")
    )
    personal_details_withheld: bool = Field(
        description=read_only("True when the partnership does not allow this reader's role to see the details.")
    )
    reads: list[PersonalDetailsReadRecord] = Field(
        description=read_only("Every read of the personal details, oldest first.")
    )
