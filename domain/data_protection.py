"""A partnership's data-protection policy: who may read case files' personal details, how
long after closure they are kept, and the protective marking its documents carry. Each is
partnership data, changed by an event, so the audit trail says who decided and why
(domain/personal_data.py holds the case files themselves and the seed's schedule).
"""

from __future__ import annotations

from domain.aggregate import AggregateEvent, Change, Context, change
from domain.errors import InvalidInput, RuleViolation
from domain.framework import SourceKind
from domain.marking import ProtectiveMarking
from domain.partnership import Partnership, PersonalDataReader


class PersonalDataReadersSet(AggregateEvent[Partnership]):
    TOPIC = "lif.partnership.personal_data_readers_set"
    SUMMARY = "Personal details of case files readable by: {roles}"
    roles: tuple[PersonalDataReader, ...]

    def apply(self, state: Partnership | None) -> Partnership:
        assert state is not None
        return state.model_copy(update={"personal_data_readers": self.roles})


class ProtectiveMarkingSet(AggregateEvent[Partnership]):
    TOPIC = "lif.partnership.protective_marking_set"
    SUMMARY = "Protective marking of the partnership's documents: {marking}"
    marking: ProtectiveMarking

    def apply(self, state: Partnership | None) -> Partnership:
        assert state is not None
        return state.model_copy(update={"protective_marking": self.marking})


class RetentionPeriodSet(AggregateEvent[Partnership]):
    TOPIC = "lif.partnership.retention_period_set"
    SUMMARY = "Retention of {source_kind}: personal details kept {retention_years} years after closure"
    source_kind: SourceKind
    retention_years: int

    def apply(self, state: Partnership | None) -> Partnership:
        assert state is not None
        periods = {**state.retention_years, self.source_kind: self.retention_years}
        return state.model_copy(update={"retention_years": periods})


def _rationale_required(ctx: Context, why: str) -> None:
    if not (ctx.rationale or "").strip():
        raise InvalidInput("rationale_required", why, "rationale")


def set_personal_data_readers(
    p: Partnership, ctx: Context, *, roles: tuple[PersonalDataReader, ...]
) -> Change[Partnership]:
    """Names the roles that may read case files' personal details; the others that may read
    a case file see that details exist, not what they are. None named: no one reads them."""
    readers = tuple(sorted(set(roles)))
    if readers == tuple(sorted(p.personal_data_readers)):
        raise RuleViolation(
            "personal_data_readers_unchanged", f"Personal details are already readable by {readers or 'no one'}.",
            "roles",
        )
    _rationale_required(ctx, "Say why these roles need to know children's personal details (rationale).")
    return change(p).trigger(PersonalDataReadersSet, ctx, roles=readers)


MAX_RETENTION_YEARS = 100


def set_retention_period(
    p: Partnership, ctx: Context, *, source_kind: SourceKind, retention_years: int
) -> Change[Partnership]:
    """Changes how long after closure a kind's case files keep their subject's details; the
    retention schedule reads it from its next run, for files closed already too."""
    if not 1 <= retention_years <= MAX_RETENTION_YEARS:
        raise InvalidInput(
            "retention_years_out_of_range",
            f"A retention period is 1 to {MAX_RETENTION_YEARS} years; {retention_years} is not.",
            "retention_years",
        )
    if p.retention_schedule()[source_kind] == retention_years:
        raise RuleViolation(
            "retention_period_unchanged",
            f"{source_kind.value} is already kept {retention_years} years after closure.",
            "retention_years",
        )
    _rationale_required(ctx, f"Say why {source_kind.value} is kept {retention_years} years (rationale).")
    return change(p).trigger(RetentionPeriodSet, ctx, source_kind=source_kind, retention_years=retention_years)


def set_protective_marking(p: Partnership, ctx: Context, *, marking: ProtectiveMarking) -> Change[Partnership]:
    """Sets the marking printed on every page of the partnership's agenda packs, briefings,
    dossiers and yearly reports from now on (a document already sent keeps the one it bore)."""
    if marking == p.protective_marking:
        raise RuleViolation(
            "protective_marking_unchanged", f"The partnership's documents are already marked {marking}.", "marking"
        )
    return change(p).trigger(ProtectiveMarkingSet, ctx, marking=marking)
