"""route(): which agencies receive a learning event."""

from __future__ import annotations

import pytest

from domain.aggregate import Context
from domain.errors import DomainError
from domain.framework import ARLF, BOARD, CDOP, SourceKind, Theme
from domain.partnership import Routing, register_partnership
from domain.routing import EventSummary, LearningKind, Subscription, route, route_reasons
from domain.subscriptions import subscribe, unsubscribe

CTX = Context(partnership_id="p1", principal="tester")
ROUTED = register_partnership(CTX, display_name="P1").result.routing
"""The framework's routing, as registration with its defaults records it."""


def subs(*items: Subscription) -> dict[str, Subscription]:
    return {s.agency_id: s for s in items}


FINDING = EventSummary(
    kind=LearningKind.FINDING_RECORDED,
    source_kind=SourceKind.CHILD_DEATH_REVIEW,
    themes=(Theme.SAFER_SLEEPING,),
)


def test_nobody_receives_without_subscriptions() -> None:
    assert route(FINDING, {}, {}) == set()


def test_each_kind_of_subscription_matches_and_others_do_not() -> None:
    s = subs(
        Subscription(agency_id="all", everything=True),
        Subscription(agency_id="theme", themes=(Theme.NEGLECT, Theme.SAFER_SLEEPING)),
        Subscription(agency_id="other-theme", themes=(Theme.NEGLECT,)),
        Subscription(agency_id="kind", source_kinds=(SourceKind.CHILD_DEATH_REVIEW,)),
        Subscription(agency_id="other-kind", source_kinds=(SourceKind.RAPID_REVIEW,)),
        # child death reviews are disseminated to CDOP by default, not to the board
        Subscription(agency_id="forum", forums=(CDOP,)),
        Subscription(agency_id="other-forum", forums=(BOARD,)),
    )
    assert route(FINDING, ROUTED, s) == {"all", "theme", "kind", "forum"}


def test_forum_subscription_follows_the_partnerships_routing_override() -> None:
    s = subs(Subscription(agency_id="board-watcher", forums=(BOARD,)), Subscription(agency_id="cdop", forums=(CDOP,)))
    overridden = {SourceKind.CHILD_DEATH_REVIEW: Routing(points_of_dissemination=(BOARD, ARLF), sign_off_forum=BOARD)}
    assert route(FINDING, overridden, s) == {"board-watcher"}
    assert route(FINDING, ROUTED, s) == {"cdop"}


def test_a_kind_without_routing_reaches_no_forum_and_no_default_stands_in() -> None:
    s = subs(
        Subscription(agency_id="cdop", forums=(CDOP,)),
        Subscription(agency_id="kind", source_kinds=(SourceKind.CHILD_DEATH_REVIEW,)),
    )
    assert route(FINDING, {}, s) == {"kind"}


def test_addressees_always_receive_recommendations_but_not_the_partnership_itself() -> None:
    for kind in (LearningKind.RECOMMENDATION_MADE, LearningKind.RECOMMENDATION_DECIDED):
        rec = EventSummary(kind=kind, source_kind=SourceKind.RAPID_REVIEW, addressed_to=("police", "partnership"))
        assert route(rec, {}, {}) == {"police"}


def test_owner_always_receives_its_action_and_addressees_only_count_for_recommendations() -> None:
    action = EventSummary(kind=LearningKind.ACTION_AGREED, owner_agency_id="nhs", addressed_to=("police",))
    assert route(action, {}, subs(Subscription(agency_id="x", themes=(Theme.NEGLECT,)))) == {"nhs"}
    finding = FINDING.model_copy(update={"addressed_to": ("police",), "owner_agency_id": "nhs"})
    assert route(finding, {}, {}) == set()


def test_unknown_source_kind_matches_only_themes_and_everything() -> None:
    summary = EventSummary(kind=LearningKind.FINDING_RECORDED, themes=(Theme.NEGLECT,))
    s = subs(
        Subscription(agency_id="theme", themes=(Theme.NEGLECT,)),
        Subscription(agency_id="forum", forums=(ARLF, BOARD, CDOP)),
        Subscription(agency_id="kind", source_kinds=tuple(SourceKind)),
    )
    assert route(summary, {}, s) == {"theme"}


def test_subscription_events_set_replace_and_cancel_on_the_partnership() -> None:
    p = register_partnership(CTX, display_name="P1").result
    agency = next(iter(p.agencies))
    p = subscribe(p, CTX, agency_id=agency, themes=(Theme.NEGLECT, Theme.NEGLECT)).result
    assert p.subscriptions[agency].themes == (Theme.NEGLECT,)
    p = subscribe(p, CTX, agency_id=agency, forums=(CDOP,)).result
    assert p.subscriptions[agency] == Subscription(agency_id=agency, forums=(CDOP,))
    assert route(FINDING, p.routing, p.subscriptions) == {agency}
    p = unsubscribe(p, CTX, agency_id=agency).result
    assert p.subscriptions == {}
    assert route(FINDING, p.routing, p.subscriptions) == set()


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"agency_id": "nobody", "everything": True}, "unknown_agency"),
        ({"forums": ("no-such-forum",)}, "unknown_forum"),
        ({}, "empty_subscription"),
    ],
)
def test_subscribe_refuses_unknown_agencies_forums_and_empty(fields: dict[str, object], code: str) -> None:
    p = register_partnership(CTX, display_name="P1").result
    args: dict[str, object] = {"agency_id": next(iter(p.agencies)), **fields}
    with pytest.raises(DomainError) as e:
        subscribe(p, CTX, **args)  # type: ignore[arg-type]
    assert e.value.code == code


def test_unsubscribe_without_subscription_is_refused() -> None:
    p = register_partnership(CTX, display_name="P1").result
    with pytest.raises(DomainError) as e:
        unsubscribe(p, CTX, agency_id=next(iter(p.agencies)))
    assert e.value.code == "no_subscription"



def test_an_action_reaches_only_its_owner_even_against_subscriptions_to_everything() -> None:
    action = EventSummary(
        kind=LearningKind.ACTION_AGREED, owner_agency_id="nhs", source_kind=SourceKind.THEMATIC_AUDIT,
        themes=(Theme.NEGLECT,),
    )
    everyone = subs(
        Subscription(agency_id="police", everything=True), Subscription(agency_id="school", everything=True)
    )
    assert route(action, {}, everyone) == {"nhs"}


def test_each_delivery_names_the_rule_that_caused_it() -> None:
    s = subs(
        Subscription(agency_id="all", everything=True),
        Subscription(agency_id="theme", themes=(Theme.NEGLECT, Theme.SAFER_SLEEPING)),
        Subscription(agency_id="kind", source_kinds=(SourceKind.CHILD_DEATH_REVIEW,)),
        Subscription(agency_id="forum", forums=(CDOP,)),
        Subscription(agency_id="other", themes=(Theme.NEGLECT,)),
    )
    assert route_reasons(FINDING, ROUTED, s) == {
        "all": "subscribed:everything",
        "theme": "subscribed:theme=safer_sleeping",
        "kind": "subscribed:source_kind=child_death_review",
        "forum": f"point_of_dissemination:{CDOP}",
    }
    made = EventSummary(kind=LearningKind.RECOMMENDATION_MADE, source_kind=SourceKind.CHILD_DEATH_REVIEW,
                        themes=(Theme.SAFER_SLEEPING,), addressed_to=("theme", "police", "partnership"))
    # Addressed wins over a matching subscription; the partnership itself has no feed.
    assert route_reasons(made, {}, s)["theme"] == "addressed_to"
    assert route_reasons(made, {}, s)["police"] == "addressed_to"
    assert "partnership" not in route_reasons(made, {}, s)
    action = EventSummary(kind=LearningKind.ACTION_AGREED, owner_agency_id="nhs", themes=(Theme.SAFER_SLEEPING,))
    assert route_reasons(action, {}, s) == {"nhs": "owner"}
