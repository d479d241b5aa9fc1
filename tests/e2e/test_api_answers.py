"""The API's answers have their own public models: one shape per record, one envelope per list."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import BaseModel

from domain import action, activity, partnership, routing, sign_in_claims
from domain.action import Action
from domain.aggregate import AggregateState
from domain.commands import COMMANDS
from domain.decision import Decision
from domain.partnership import Partnership
from domain.recommendation import Recommendation
from services.api.public import ANSWER_MODELS, answer_model
from services.api.schemas import actions as public_actions
from services.api.schemas import activities as public_activities
from services.api.schemas import partnerships as public_partnerships
from services.api.schemas.activities import ActivityRead, ActivityRecord
from tests.e2e.conftest import Api

# The domain's value objects and the public models that answer them.
NESTED: list[tuple[type[BaseModel], type[BaseModel]]] = [
    (activity.LeadReviewer, public_activities.LeadReviewerRecord),
    (activity.FamilyInvolvement, public_activities.FamilyInvolvementRecord),
    (activity.Finding, public_activities.FindingRecord),
    (activity.RapidReviewRecommendation, public_activities.RapidReviewRecommendationRecord),
    (activity.PanelView, public_activities.PanelViewRecord),
    (activity.Acknowledgement, public_activities.AcknowledgementRecord),
    (partnership.Agency, public_partnerships.AgencyRecord),
    (partnership.Forum, public_partnerships.ForumRecord),
    (partnership.Routing, public_partnerships.RoutingRecord),
    (routing.Subscription, public_partnerships.SubscriptionRecord),
    (sign_in_claims.SignInClaims, public_partnerships.SignInClaimsRecord),
    (action.ProgressNote, public_actions.ProgressNoteRecord),
    (action.Evidence, public_actions.EvidenceRecord),
]


@pytest.mark.parametrize("state", list(ANSWER_MODELS), ids=lambda s: s.__name__)
def test_each_public_record_has_exactly_its_states_fields_and_its_type(state: type[AggregateState]) -> None:
    # A field added to the state and not to the public model would be answered undocumented.
    assert set(answer_model(state).model_fields) == set(state.model_fields) | {"type"}


@pytest.mark.parametrize(("inner", "public"), NESTED, ids=lambda m: m.__name__)
def test_each_public_value_has_exactly_the_domains_fields(inner: type[BaseModel], public: type[BaseModel]) -> None:
    assert set(public.model_fields) == set(inner.model_fields)


def test_every_command_route_documents_a_public_model(client: TestClient) -> None:
    # Command routes look their model up by state class: none may fall back to the state itself.
    paths = client.get("/openapi.json").json()["paths"]
    answers = {
        op["operationId"]: next(iter(op["responses"].values()))["content"]["application/json"]["schema"]["$ref"]
        for ops in paths.values() for op in ops.values() if op.get("operationId") in COMMANDS
    }
    assert set(answers) == set(COMMANDS)
    public = {f"#/components/schemas/{m.__name__}" for m in ANSWER_MODELS.values()}
    assert {name: ref for name, ref in answers.items() if ref not in public} == {}


def test_a_command_answer_and_a_read_of_the_entity_are_the_same_record(api: Api) -> None:
    pr, finding_id = api.reported_review()
    rec = api.recommend(pr, finding_id)
    decided = api.decide("recommendation", rec["id"])
    agreed = api.agree_action(rec["id"])
    noted = api.on_action(agreed["id"], "progress", {"noted_on": "2026-07-01", "note": "Started.", "on_track": True})
    forum = api.post("/forums", {"forum_id": "neglect-subgroup", "display_name": "Neglect subgroup"})
    started = api.act(api.open_audit()["id"], "start", {})
    # The recommendation changed when it was decided on: its read is compared with a replay of
    # the answer its decision left, through the same model.
    recommendation = api.get(f"/recommendations/{rec['id']}")

    for answer, path, state in (
        (decided, f"/decisions/{decided['id']}", Decision),
        (noted, f"/actions/{agreed['id']}", Action),
        (forum, "", Partnership),
        (recommendation, f"/recommendations/{rec['id']}", Recommendation),
    ):
        assert api.get(path) == answer, path
        model = answer_model(state)
        assert model.model_validate(answer).model_dump(mode="json") == answer, path

    read = api.get(f"/activities/{started['id']}")
    facts = {"deadlines", "sign_off", "kinds_of_learning", "key_stakeholders"}
    assert {k: v for k, v in read.items() if k not in facts} == started
    assert facts <= set(read) and facts.isdisjoint(started)
    assert ActivityRead.model_validate(read).model_dump(mode="json") == read
    assert ActivityRecord.model_validate(started).model_dump(mode="json") == started


# Arrays of entries a read answers beside its items or record, and why they are not lists of their own.
NOT_LISTS = {
    ("ThemesResponse", "totals"): "a sum of the items, beside them",
}
# A record holds arrays of its own (an action's progress notes): it is not a list.
# So is an agenda (one document for one meeting, in named sections), the explanation of
# one event's deliveries, a case file (with the reads of its personal details), and a
# thematic dossier (one document on some themes, findings with their recommendations), a
# newsletter (one document for a period, in named sections); so is a forum meeting's record,
# the items proposed for its draft, and the live agenda against it.
RECORDS = {m.__name__ for m in ANSWER_MODELS.values()} | {
    ActivityRead.__name__, "AgendaResponse", "DeliveryExplanation", "CaseFileRead", "Dossier", "NewsletterContent",
    "MeetingRecord", "AgendaProposal", "AgendaDiff",
}
LIST_FIELDS = {"items", "count", "next"}
FRESHNESS_FIELDS = {"position", "head", "lag", "degraded"}


def _array_of_objects(prop: dict[str, Any]) -> bool:
    inner = prop.get("items", {})
    return prop.get("type") == "array" and ("$ref" in inner or inner.get("type") == "object")


def test_every_list_read_is_one_envelope(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    schemas = spec["components"]["schemas"]
    lists: set[str] = set()
    for path, ops in spec["paths"].items():
        answer = ops.get("get", {}).get("responses", {}).get("200", {}).get("content", {}).get("application/json")
        if answer is None or "$ref" not in answer["schema"]:
            continue
        name = answer["schema"]["$ref"].rsplit("/", 1)[1]
        if name in RECORDS:
            continue
        props = schemas[name].get("properties", {})
        arrays = {f for f, p in props.items() if _array_of_objects(p) and f != "degraded"}
        strays = {f for f in arrays - {"items"} if (name, f) not in NOT_LISTS}
        if "items" in props or strays:
            lists.add(name)
            assert not strays, (path, name, strays)
            assert set(props) >= LIST_FIELDS and {"items", "count"} <= set(schemas[name]["required"]), (path, name)
        if "position" in props and "items" in props:
            assert set(props) >= FRESHNESS_FIELDS, (path, name)
    # The lists of the API, each found above (a list answered under another shape would fail there).
    assert {"AuditPage", "EntityHistory", "TrackerPage", "ThemesResponse", "TrendsResponse", "DeadlinesResponse",
            "AcknowledgementsResponse", "DeadLetters", "ParkedList", "HistoryBody", "FrameworkView"} <= lists
