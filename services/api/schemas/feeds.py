"""What an agency's feed answers beside its standard formats (JSON Feed, Atom): one entry, and
why an event did or did not reach an agency."""

from __future__ import annotations

from pydantic import BaseModel, Field

from adapters.envelope import Envelope
from domain.framework import SourceKind, Theme
from services.api.schemas.partnerships import SubscriptionRecord


class FeedEntry(BaseModel):
    """One entry of an agency's feed."""

    title: str
    rule: str = Field(description="The routing rule that delivered it to the agency.")
    envelope: Envelope


class RoutedOn(BaseModel):
    """The event's facts routing read."""

    themes: list[Theme]
    source_kind: SourceKind | None
    forums: list[str] = Field(description="Points of dissemination of the activity's kind, as at the event.")
    addressed_to: list[str] = Field(description="Agencies a recommendation is addressed to.")
    owner_agency_id: str | None = Field(description="The agency owning an action.")


class Delivery(BaseModel):
    agency_id: str
    rule: str = Field(description="Why it was routed to this agency.")
    sent: bool = Field(description="Whether it has been delivered yet.")


class AgencyExplanation(BaseModel):
    agency_id: str
    received: bool
    rule: str | None = Field(description="The rule it was received by; null if it was not.")
    subscription_at_event: SubscriptionRecord | None = Field(description="The agency's subscription as at the event.")
    reason: str = Field(description="Why it did or did not receive it, in a sentence.")


class DeliveryExplanation(BaseModel):
    """Who received one learning event and by which rule; with `agency`, why that agency did or did not."""

    event_id: str
    type: str = Field(description="The event's topic.")
    position: int = Field(description="The event's position in the log.")
    title: str
    routed_on: RoutedOn
    deliveries: list[Delivery] = Field(description="Every agency it was routed to.")
    agency: AgencyExplanation | None = Field(default=None, description="Only when `agency` was asked about.")
