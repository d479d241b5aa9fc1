"""The policy: for every route (method + path template), the roles allowed and each one's scope.

A command's rule is its declaration's (domain/commands): the roles it names, each held
to the scope check named there (`SCOPES`). `COMMAND_RULES` has them by command name, for
ingest; `POLICY` has them under each command's route, beside the reads' rows.

Every request is first held to its token's partnership: a `{partnership_id}` in
the path (or a `partnership_id` in the body of a command that names none in its
path) other than the token's is refused. Then the route's row says which roles
may call it and, for roles limited to part of the partnership, which check of
the path, query or body (and of the stored entity it names) must pass. A route
with no row is refused for everyone (tests/e2e/test_authz_matrix.py lists any).

An agency or a secretary asking for an entity outside its scope, or one that
does not exist, gets the same 403: the answer does not say which.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar
from uuid import UUID

from adapters.store import EventStore
from domain.action import Action
from domain.activity import Activity
from domain.commands import DECLARATIONS, Declaration
from domain.decision import Decision
from domain.errors import Forbidden
from domain.meeting_state import Meeting
from domain.partnership import Partnership, partnership_uuid
from domain.recommendation import Recommendation
from services.application.auth.principals import Principal, Role


@dataclass(frozen=True)
class Request:
    """What a scope check may look at."""

    principal: Principal
    path_params: Mapping[str, Any]
    query: Mapping[str, str]
    body: Any
    store: EventStore


Check = Callable[[Request], bool]
S = TypeVar("S", Action, Activity, Decision, Meeting, Recommendation)

# --- scope checks ------------------------------------------------------------


def anything(_: Request) -> bool:
    """The whole partnership."""
    return True


def _uuid(value: Any) -> UUID | None:
    try:
        return UUID(str(value))
    except ValueError:
        return None


def _load(r: Request, param: str, kind: type[S]) -> S | None:
    aggregate_id = _uuid(r.path_params.get(param))
    state = r.store.load(aggregate_id, kind) if aggregate_id else None
    return state if state is not None and state.partnership_id == r.principal.partnership_id else None


def _routed_to_forum(r: Request, activity_id: UUID | None) -> bool:
    """The activity's kind is disseminated to, or signed off by, the secretary's forum."""
    activity = r.store.load(activity_id, Activity) if activity_id else None
    partnership = r.store.load(partnership_uuid(r.principal.partnership_id), Partnership)
    if activity is None or partnership is None or activity.partnership_id != r.principal.partnership_id:
        return False
    routing = partnership.routing.get(activity.kind)  # an unrouted kind is at no forum
    return routing is not None and r.principal.forum_id in (*routing.points_of_dissemination, routing.sign_off_forum)


def own_agency_in_path(r: Request) -> bool:
    """Only the agency's own feed."""
    return r.path_params.get("agency_id") == r.principal.agency_id


def own_forum_in_path(r: Request) -> bool:
    """Only the forum's own agenda."""
    return r.path_params.get("forum_id") == r.principal.forum_id


def own_action(r: Request) -> bool:
    """Only actions the agency owns."""
    action = _load(r, "action_id", Action)
    return action is not None and action.owner_agency_id == r.principal.agency_id


def addressed_recommendation(r: Request) -> bool:
    """Only recommendations addressed to the agency."""
    recommendation = _load(r, "recommendation_id", Recommendation)
    return recommendation is not None and r.principal.agency_id in recommendation.addressed_to


def routed_activity(r: Request) -> bool:
    """Only learning disseminated to, or signed off by, the forum."""
    return _routed_to_forum(r, _uuid(r.path_params.get("activity_id")))


def routed_recommendation(r: Request) -> bool:
    """Only learning disseminated to, or signed off by, the forum."""
    recommendation = _load(r, "recommendation_id", Recommendation)
    return recommendation is not None and _routed_to_forum(r, recommendation.activity_id)


def routed_action(r: Request) -> bool:
    """Only learning disseminated to, or signed off by, the forum."""
    action = _load(r, "action_id", Action)
    return action is not None and _routed_to_forum(r, action.activity_id)


def own_forum_decision(r: Request) -> bool:
    """Only the forum's own decisions."""
    decision = _load(r, "decision_id", Decision)
    return decision is not None and decision.forum_id == r.principal.forum_id


def own_forum_meeting(r: Request) -> bool:
    """Only the forum's own meetings."""
    meeting = _load(r, "meeting_id", Meeting)
    return meeting is not None and meeting.forum_id == r.principal.forum_id


def _body_field_is(r: Request, field: str, value: str | None) -> bool:
    # A body without the field fails validation (422) before anything is done.
    return not isinstance(r.body, dict) or field not in r.body or r.body[field] == value


def own_forum_in_body(r: Request) -> bool:
    """Only for the secretary's own forum (forum_id)."""
    return _body_field_is(r, "forum_id", r.principal.forum_id)


def own_agency_in_body(r: Request) -> bool:
    """Only for the agency itself (agency_id)."""
    return _body_field_is(r, "agency_id", r.principal.agency_id)


def issued_to_own_agency(r: Request) -> bool:
    """Only a newsletter issued to the agency (it is in the newsletter's audience)."""
    newsletter_id = _uuid(r.path_params.get("newsletter_id"))
    partnership = r.store.load(partnership_uuid(r.principal.partnership_id), Partnership)
    if newsletter_id is None or partnership is None:
        return False
    found = next((n for n in partnership.newsletters if n.newsletter_id == newsletter_id), None)
    return found is not None and r.principal.agency_id in found.agencies


def own_agency_filter(r: Request) -> bool:
    """Only the agency's own actions: leave out `agency` or name your own (the router filters)."""
    return r.query.get("agency") in (None, r.principal.agency_id)


def own_forum_filter(r: Request) -> bool:
    """Only actions disseminated to the forum: leave out `forum` or name your own (the router filters)."""
    return r.query.get("forum") in (None, r.principal.forum_id)


def personal_data_reader(r: Request) -> bool:
    """Only where the partnership allows the role to read case files' personal details."""
    partnership = r.store.load(partnership_uuid(r.principal.partnership_id), Partnership)
    return partnership is not None and partnership.may_read_personal_data(r.principal.role.value)


SCOPES: dict[str, Check] = {
    check.__name__: check
    for check in (
        anything, own_agency_in_path, own_forum_in_path, own_action, addressed_recommendation, routed_activity,
        routed_recommendation, routed_action, own_forum_decision, own_forum_meeting, own_forum_in_body,
        own_agency_in_body, own_agency_filter, own_forum_filter,
    )
}
"""The scope checks a command's declaration may name."""

# --- the table -----------------------------------------------------------------

ADMIN, SERVICE, SECRETARY, AGENCY, SCRUTINEER = Role
Rule = Mapping[Role, Check]

COMMAND: Rule = {ADMIN: anything, SERVICE: anything}
CONFIGURE: Rule = {ADMIN: anything}
READ: Rule = {ADMIN: anything, SCRUTINEER: anything}
EVERY_ROLE: Rule = dict.fromkeys(Role, anything)
CASE_FILE_READ: Rule = {**READ, SECRETARY: personal_data_reader, AGENCY: personal_data_reader}
"""A secretary or an agency reads a case file only when the partnership names its role a
reader of personal details: it has no other business with case files."""

PARTNERSHIPS = "/v1/partnerships"
P = f"{PARTNERSHIPS}/{{partnership_id}}"


def command_path(d: Declaration) -> str:
    """The command's route: its declared path, under its partnership (or, for one that
    names its partnership in its body, under the partnerships)."""
    base = PARTNERSHIPS if d.target is None else P
    return f"{base}/{d.path}" if d.path else base


def _rule(d: Declaration) -> Rule:
    """The declaration's roles and scopes as checks; a name the policy does not know stops start-up."""
    rule: dict[Role, Check] = {}
    for role, scope in d.roles.items():
        if role not in {r.value for r in Role} or scope not in SCOPES:
            raise LookupError(
                f"command {d.name!r} names role {role!r} with scope {scope!r}; roles are "
                f"{', '.join(Role)} and scopes {', '.join(SCOPES)}"
            )
        rule[Role(role)] = SCOPES[scope]
    return rule


COMMAND_RULES: dict[str, Rule] = {name: _rule(d) for name, d in DECLARATIONS.items()}
"""Each command's rule, by name: its route's row, and what ingest holds its items to."""

POLICY: dict[tuple[str, str], Rule] = {
    # partnerships
    ("GET", P): READ,
    # the framework as in force for the partnership: its description, routing and rules
    ("GET", f"{P}/framework"): EVERY_ROLE,
    # learning activities
    ("GET", f"{P}/activities/{{activity_id}}"): {**READ, SECRETARY: routed_activity},
    ("GET", f"{P}/acknowledgements"): {**READ, SECRETARY: anything},
    # learning products: an activity's 7-minute briefing (a draft to start from; the document,
    # which agencies receive through their feeds and from the forums that circulate it)
    ("GET", f"{P}/activities/{{activity_id}}/briefing/draft"): {**READ, SECRETARY: routed_activity},
    ("GET", f"{P}/activities/{{activity_id}}/briefing.docx"): {**READ, SECRETARY: routed_activity},
    ("GET", f"{P}/activities/{{activity_id}}/briefing.pdf"): {**READ, SECRETARY: routed_activity},
    # the yearly report, from the log as it stood on its date (its publication is a command)
    **{("GET", f"{P}/yearly-report{suffix}"): READ for suffix in ("", ".pdf", ".docx")},
    # a thematic dossier: findings across every source, like the themes' counts
    **{("GET", f"{P}/dossier{suffix}"): {**READ, SECRETARY: anything} for suffix in ("", ".html", ".pdf", ".docx")},
    # newsletters: the list (the business unit's), and each one, also for the agencies it was issued to
    ("GET", f"{P}/newsletters"): READ,
    **{("GET", f"{P}/newsletters/{{newsletter_id}}{suffix}"): {**READ, AGENCY: issued_to_own_agency}
       for suffix in ("", "/newsletter.html", "/newsletter.pdf", "/newsletter.docx")},
    ("GET", f"{P}/webhooks/dead-letters"): CONFIGURE,
    # recommendations and actions
    ("GET", f"{P}/recommendations/{{recommendation_id}}"): {
        **READ, AGENCY: addressed_recommendation, SECRETARY: routed_recommendation,
    },
    ("GET", f"{P}/actions/{{action_id}}"): {**READ, AGENCY: own_action, SECRETARY: routed_action},
    # forums' decisions and agendas
    ("GET", f"{P}/decisions/{{decision_id}}"): {**READ, SECRETARY: own_forum_decision},
    ("GET", f"{P}/forums/{{forum_id}}/agenda"): {**READ, SECRETARY: own_forum_in_path},
    ("GET", f"{P}/forums/{{forum_id}}/agenda.md"): {**READ, SECRETARY: own_forum_in_path},
    ("GET", f"{P}/forums/{{forum_id}}/agenda.html"): {**READ, SECRETARY: own_forum_in_path},
    **{("GET", f"{P}/forums/{{forum_id}}/agenda-pack{suffix}"): {**READ, SECRETARY: own_forum_in_path}
       for suffix in (".html", ".pdf", ".docx")},
    # a forum's meetings as a calendar, and the link a calendar program subscribes to: its
    # secretary's, and the agencies' (whose people attend)
    ("GET", f"{P}/forums/{{forum_id}}/meetings.ics"): {**READ, SECRETARY: own_forum_in_path, AGENCY: anything},
    ("GET", f"{P}/forums/{{forum_id}}/calendar-link"): {**READ, SECRETARY: own_forum_in_path, AGENCY: anything},
    # a forum meeting's record, the generated items for its draft, and the live agenda against it
    **{("GET", f"{P}/forums/{{forum_id}}/meetings/{{meets_on}}{suffix}"): {**READ, SECRETARY: own_forum_in_path}
       for suffix in ("", "/agenda-draft", "/agenda-diff")},
    ("GET", f"{P}/forums/{{forum_id}}/meetings"): {**READ, SECRETARY: own_forum_in_path},
    # batch ingest (each item is held to its command's rule)
    ("POST", "/v1/ingest"): COMMAND,
    # lists, filtered to what the role may read (services/application/lists.py), and search
    ("GET", f"{P}/activities"): {**READ, SECRETARY: own_forum_filter},
    ("GET", f"{P}/recommendations"): {**READ, AGENCY: own_agency_filter, SECRETARY: own_forum_filter},
    ("GET", f"{P}/actions"): {**READ, AGENCY: own_agency_filter, SECRETARY: own_forum_filter},
    ("GET", f"{P}/decisions"): {**READ, SECRETARY: own_forum_filter},
    ("GET", f"{P}/search"): {**READ, AGENCY: anything, SECRETARY: anything},
    # read models
    ("GET", f"{P}/tracker"): {**READ, AGENCY: own_agency_filter, SECRETARY: own_forum_filter},
    ("GET", f"{P}/tracker.csv"): {**READ, AGENCY: own_agency_filter, SECRETARY: own_forum_filter},
    ("GET", f"{P}/audit"): READ,
    ("GET", f"{P}/entities/{{entity_id}}/history"): READ,
    ("GET", f"{P}/themes"): {**READ, SECRETARY: anything},
    ("GET", f"{P}/themes/trends"): {**READ, SECRETARY: anything},
    ("GET", f"{P}/deadlines"): READ,
    # each agency's feed
    ("GET", f"{P}/agencies/{{agency_id}}/feed.json"): {**READ, AGENCY: own_agency_in_path},
    ("GET", f"{P}/agencies/{{agency_id}}/feed.atom"): {**READ, AGENCY: own_agency_in_path},
    ("GET", f"{P}/agencies/{{agency_id}}/feed.sse"): {**READ, AGENCY: own_agency_in_path},
    ("GET", f"{P}/agencies/{{agency_id}}/feed/archive/{{page}}.atom"): {**READ, AGENCY: own_agency_in_path},
    ("GET", f"{P}/agencies/{{agency_id}}/entries/{{event_id}}"): {**READ, AGENCY: own_agency_in_path},
    # why an agency did or did not receive a learning event (scrutiny of dissemination)
    ("GET", f"{P}/deliveries/{{event_id}}/explain"): READ,
    # tamper evidence (the whole log's hash chain; answers no content)
    ("GET", "/v1/admin/verify"): READ,
    # projections' parked events (the admin's own partnership's only) and their retry
    ("GET", "/v1/admin/projections/parked"): CONFIGURE,
    ("POST", "/v1/admin/projections/retry"): CONFIGURE,
    # case files (personal details, encrypted per data subject; commands answer without them).
    # Reading the details themselves is for the roles the partnership names (its admins by
    # default), with a reason, recorded; the router withholds them from every other reader.
    ("POST", f"{P}/casefiles"): COMMAND,
    ("POST", f"{P}/casefiles/{{case_file_id}}/personal-details"): COMMAND,
    ("POST", f"{P}/casefiles/{{case_file_id}}/close"): COMMAND,
    ("GET", f"{P}/casefiles/{{case_file_id}}"): CASE_FILE_READ,
    ("GET", f"{P}/casefiles/{{case_file_id}}/history"): CASE_FILE_READ,
    # every command, under its route
    **{("POST", command_path(d)): COMMAND_RULES[name] for name, d in DECLARATIONS.items()},
}

BODY_PARTNERSHIP = frozenset({("POST", command_path(d)) for d in DECLARATIONS.values() if d.target is None})
"""Routes whose partnership is named in the body, not the path."""


def needs_body(method: str, path: str) -> bool:
    """Whether some check of this route reads the body (so it must be parsed first)."""
    if (method, path) in BODY_PARTNERSHIP:
        return True
    rule = POLICY.get((method, path), {})
    return any(check in (own_forum_in_body, own_agency_in_body) for check in rule.values())


def authorize(method: str, path: str, r: Request) -> None:
    """Returns if `r.principal` may make this request; raises `Forbidden` otherwise."""
    principal = r.principal
    partnership = r.path_params.get("partnership_id")
    if (method, path) in BODY_PARTNERSHIP and isinstance(r.body, dict):
        partnership = r.body.get("partnership_id", principal.partnership_id)
    if partnership is not None and partnership != principal.partnership_id:
        raise Forbidden(
            "other_partnership",
            f"This credential is for partnership {principal.partnership_id!r} only.",
            "partnership_id",
        )
    rule = POLICY.get((method, path))
    if rule is None:
        raise Forbidden("no_policy", f"No role may call {method} {path}: it is not in the policy.")
    check = rule.get(principal.role)
    if check is None:
        allowed = ", ".join(sorted(role.value for role in rule))
        raise Forbidden("forbidden_role", f"The {principal.role.value} role may not call this; it is for: {allowed}.")
    if not check(r):
        reason = (check.__doc__ or check.__name__).strip().splitlines()[0]
        raise Forbidden("out_of_scope", f"Outside the scope of {principal.subject}: {reason}")


def authorize_command(principal: Principal, command: str, item: Mapping[str, Any]) -> None:
    """An ingested item: its partnership must be the principal's, and its command's rule
    must allow the principal's role over the whole partnership."""
    partnerships = {item.get("partnership_id")}
    payload = item.get("payload")
    if isinstance(payload, dict) and "partnership_id" in payload:
        partnerships.add(payload["partnership_id"])
    if partnerships != {principal.partnership_id}:
        raise Forbidden(
            "other_partnership",
            f"This credential is for partnership {principal.partnership_id!r} only.",
            "partnership_id",
        )
    rule = COMMAND_RULES.get(command)
    if rule is not None and rule.get(principal.role) is not anything:
        raise Forbidden("forbidden_role", f"The {principal.role.value} role may not ingest this command.", "command")
