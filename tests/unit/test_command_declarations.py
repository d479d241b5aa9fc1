"""Every command is one declaration (domain/commands), and everything else follows from it:
its route, its policy rule (for HTTP and for ingest), its handler, its status, and an audit
line for each event it can record. A declaration that does not fit its domain function, or
names a scope the policy does not know, is refused before anything is served."""

from __future__ import annotations

from string import Formatter
from typing import Any, ClassVar
from uuid import uuid4

import pytest
from fastapi.routing import APIRoute

from domain import activity as activities
from domain import partnership as partnerships
from domain.aggregate import AggregateEvent, AggregateState
from domain.catalogue import EVENT_CLASSES
from domain.commands import COMMANDS, DECLARATIONS, Command, Declaration
from domain.commands.base import CONFIGURE, RECORD
from domain.errors import Forbidden
from domain.events import DomainEvent, registered_topics
from domain.routing import LEARNING_TOPICS, LearningKind
from domain.values import Name, Slug
from projections.audit import summarize
from services.api.public import answer_model
from services.api.routers.commands import router
from services.application.auth.policy import (
    BODY_PARTNERSHIP,
    COMMAND_RULES,
    POLICY,
    _rule,
    authorize_command,
    command_path,
)
from services.application.auth.principals import Principal, Role
from services.application.handlers import HANDLERS
from services.seeds.scenario import command_paths


def _routes() -> dict[str, APIRoute]:
    return {r.operation_id: r for r in router.routes if isinstance(r, APIRoute) and r.operation_id}


def test_every_command_has_its_route_rule_and_handler() -> None:
    routes = _routes()
    assert set(routes) == set(DECLARATIONS) == set(COMMANDS) == set(HANDLERS) == set(COMMAND_RULES)
    for name, d in DECLARATIONS.items():
        route = routes[name]
        assert (route.methods, route.path) == ({"POST"}, command_path(d)), name
        assert route.status_code == d.status and route.response_model is answer_model(d.answers), name
        # The HTTP route's row is the command's rule: the API and ingest hold it to the same roles.
        assert POLICY[("POST", route.path)] is COMMAND_RULES[name], name
        assert {role.value for role in COMMAND_RULES[name]} == set(d.roles), name
        assert command_paths()[name] == route.path, name


def test_status_and_target_follow_the_domain_function() -> None:
    creates = {name for name, d in DECLARATIONS.items() if d.status == 201}
    assert creates == {
        "register_partnership", "open_activity", "make_recommendation", "record_decision", "agree_action",
        "draft_agenda",
    }
    assert {name for name, d in DECLARATIONS.items() if d.target is None} == {"register_partnership"}
    assert {("POST", "/v1/partnerships")} == BODY_PARTNERSHIP
    finding = DECLARATIONS["record_finding"]
    assert (finding.target, finding.answers, finding.target_param) == (
        activities.Activity, activities.Activity, "activity_id",
    )
    assert dict(DECLARATIONS["open_activity"].loads) == {
        "originating_activity": ("originating_activity_id", activities.Activity),
    }


def _state_of(event: type[DomainEvent]) -> type[AggregateState] | None:
    for cls in event.__mro__:
        metadata = getattr(cls, "__pydantic_generic_metadata__", None)
        if metadata and metadata["origin"] is AggregateEvent:
            state: type[AggregateState] = metadata["args"][0]
            return state
    return None


def test_every_event_a_command_can_record_has_an_audit_line_naming_its_fields() -> None:
    # A command records events only on the aggregates it targets or answers with (a
    # decision also on its subject: an activity or a recommendation, both targets too),
    # and id claims, which are bookkeeping the audit trail leaves out.
    changed = {d.target for d in DECLARATIONS.values() if d.target} | {d.answers for d in DECLARATIONS.values()}
    recordable = [e for e in EVENT_CLASSES if _state_of(e) in changed]
    access = [e for e in EVENT_CLASSES if e.TOPIC.startswith("lif.access.")]
    assert len(recordable) >= 39 and len(access) == 4
    for event in [*recordable, *access]:
        assert event.SUMMARY, f"{event.__name__} has no SUMMARY: the audit trail would only name its topic"
        named = {f for _, f, _, _ in Formatter().parse(event.SUMMARY) if f}
        assert named <= {*event.model_fields, "evidence_count"}, event.__name__
        payload: dict[str, Any] = {f: f"<{f}>" for f in named}
        assert summarize(event.TOPIC, payload) == event.SUMMARY.format(**payload), event.__name__


def test_the_catalogue_has_every_event_class_of_the_domain() -> None:
    defined = {cls for cls in registered_topics().values() if cls.__module__.startswith("domain.")}
    assert defined == set(EVENT_CLASSES)


def test_learning_topics_are_the_event_classes_learning_kinds() -> None:
    assert dict(LEARNING_TOPICS) == {
        "lif.activity.finding_recorded": LearningKind.FINDING_RECORDED,
        "lif.recommendation.made": LearningKind.RECOMMENDATION_MADE,
        "lif.recommendation.decided": LearningKind.RECOMMENDATION_DECIDED,
        "lif.activity.signed_off": LearningKind.ACTIVITY_SIGNED_OFF,
        "lif.activity.published": LearningKind.ACTIVITY_PUBLISHED,
        "lif.time.action_due_soon": LearningKind.ACTION_DUE_SOON,
        "lif.time.action_overdue": LearningKind.ACTION_OVERDUE,
        "lif.time.acknowledgement_outstanding": LearningKind.ACKNOWLEDGEMENT_OUTSTANDING,
        "lif.action.agreed": LearningKind.ACTION_AGREED,
        "lif.activity.briefing_published": LearningKind.BRIEFING_PUBLISHED,
        "lif.partnership.newsletter_issued": LearningKind.NEWSLETTER_ISSUED,
    }
    assert LEARNING_TOPICS.get("lif.activity.opened") is None and "lif.action.agreed" in LEARNING_TOPICS


# --- a declaration that does not fit is refused ----------------------------------------------


class _Misnamed(Command):
    name: ClassVar[str] = "misnamed"
    agency_id: Slug
    name_of_agency: Name  # the function calls it display_name
    sector: str


class _AddAgency(Command):
    name: ClassVar[str] = "add_agency_again"
    agency_id: Slug
    display_name: Name
    sector: str


def test_a_declaration_whose_fields_drift_from_its_function_is_refused() -> None:
    with pytest.raises(TypeError, match=r"only fields \['name_of_agency'\], only parameters \['display_name'\]"):
        Declaration(_Misnamed, partnerships.add_agency, "agencies", CONFIGURE)


def test_a_declaration_whose_path_does_not_name_its_target_is_refused() -> None:
    Declaration(_AddAgency, partnerships.add_agency, "agencies", CONFIGURE)  # fits
    with pytest.raises(TypeError, match="must name no parameter"):
        Declaration(_AddAgency, partnerships.add_agency, "agencies/{agency_id}", CONFIGURE)


def test_a_scope_or_role_the_policy_does_not_know_stops_start_up() -> None:
    for roles in ({**RECORD, "agency": "own_agencies"}, {"auditor": "anything"}):
        with pytest.raises(LookupError, match="add_agency_again"):
            _rule(Declaration(_AddAgency, partnerships.add_agency, "agencies", roles))


# --- ingest looks the rule up by the command's name ---------------------------------------------


def test_ingest_holds_each_item_to_its_commands_rule() -> None:
    police = Principal(Role.AGENCY, "st-helens", "agency:police:jo", agency_id="police")
    admin = Principal(Role.ADMIN, "st-helens", "admin:jo")
    item = {"partnership_id": "st-helens", "command": "note_progress", "target_id": str(uuid4()), "payload": {}}
    authorize_command(admin, "note_progress", item)
    # An agency may note progress on its own actions over HTTP, but not ingest over the whole partnership.
    with pytest.raises(Forbidden) as e:
        authorize_command(police, "note_progress", item)
    assert e.value.code == "forbidden_role"
    with pytest.raises(Forbidden) as e:
        authorize_command(admin, "note_progress", {**item, "partnership_id": "wirral"})
    assert e.value.code == "other_partnership"
