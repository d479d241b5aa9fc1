"""Partnership reference data: framework seeding, agencies, forums, meetings, routing."""

from __future__ import annotations

from datetime import date

import pytest

from domain.errors import InvalidInput, NotFound, RuleViolation
from domain.framework import (
    ARLF,
    BOARD,
    DEFAULT_AGENCIES,
    DEFAULT_FORUMS,
    DEFAULT_SOURCES,
    EXECUTIVE,
    PARTNERSHIP_AGENCY,
    SCPF,
    Sector,
    SourceKind,
)
from domain.partnership import (
    PartnershipRegistered,
    Routing,
    add_agency,
    add_forum,
    partnership_uuid,
    register_partnership,
    register_webhook,
    schedule_meeting,
    set_routing,
)
from tests.unit.builders import PARTNERSHIP_ID, POLICE, ctx, partnership

# --- registration ---------------------------------------------------------


def test_registration_identifies_the_partnership_by_its_slug() -> None:
    p = partnership(rapid_review_starts_from="notification")
    assert p.id == partnership_uuid(PARTNERSHIP_ID)
    assert p.id != partnership_uuid("another-partnership")
    assert p.partnership_id == PARTNERSHIP_ID
    assert p.name == "St Helens Safeguarding Children Partnership"
    assert p.rapid_review_starts_from == "notification"


def test_registration_seeds_the_framework_forums() -> None:
    p = partnership(meetings=False)
    assert {f: p.forums[f].name for f in p.forums} == {f.forum_id: f.name for f in DEFAULT_FORUMS}
    assert all(forum.meetings == () for forum in p.forums.values())


def test_registration_seeds_the_framework_agencies() -> None:
    p = partnership()
    assert {a.agency_id: (a.name, a.sector) for a in p.agencies.values()} == {
        a.agency_id: (a.name, a.sector) for a in DEFAULT_AGENCIES
    }


def test_registration_seeds_routing_for_every_source_kind_from_the_table() -> None:
    p = partnership()
    # The stored routing itself: the only routing there is.
    assert set(p.routing) == set(SourceKind)
    for kind, defaults in DEFAULT_SOURCES.items():
        assert p.routing[kind] == Routing(
            points_of_dissemination=defaults.points_of_dissemination,
            sign_off_forum=defaults.sign_off_forum,
        )


def test_registration_without_defaults_seeds_nothing() -> None:
    c = register_partnership(ctx(), display_name="Bare", with_framework_defaults=False)
    assert [type(e) for e in c.events] == [PartnershipRegistered]
    assert (c.result.forums, c.result.agencies, c.result.routing) == ({}, {}, {})


def test_registration_events_are_numbered_from_one_on_the_partnership() -> None:
    c = register_partnership(ctx(), display_name="St Helens")
    assert isinstance(c.events[0], PartnershipRegistered)
    assert [e.originator_version for e in c.events] == list(range(1, len(c.events) + 1))
    assert {e.originator_id for e in c.events} == {partnership_uuid(PARTNERSHIP_ID)}
    assert c.result.version == len(c.events)


def test_a_kind_the_partnership_has_not_routed_has_no_routing() -> None:
    p = partnership(with_framework_defaults=False)
    with pytest.raises(RuleViolation) as e:
        p.routing_for(SourceKind.CHILD_DEATH_REVIEW)
    assert (e.value.code, e.value.field, e.value.status) == ("source_kind_not_routed", "kind", 409)
    assert "child_death_review" in e.value.message


# --- agencies -------------------------------------------------------------


def test_an_agency_can_be_added() -> None:
    p = add_agency(
        partnership(), ctx(), agency_id="nwas", display_name="North West Ambulance", sector=Sector.HEALTH
    ).result
    assert p.agency("nwas").sector is Sector.HEALTH


def test_a_duplicate_agency_is_refused() -> None:
    with pytest.raises(RuleViolation) as e:
        add_agency(partnership(), ctx(), agency_id=POLICE, display_name="Police again", sector=Sector.POLICE)
    assert (e.value.code, e.value.field) == ("agency_exists", "agency_id")


def test_the_partnership_itself_is_not_an_agency_id() -> None:
    with pytest.raises(InvalidInput) as e:
        add_agency(
            partnership(), ctx(), agency_id=PARTNERSHIP_AGENCY, display_name="Us", sector=Sector.PARTNERSHIP
        )
    assert e.value.code == "reserved_id"
    assert e.value.status == 422


def test_an_unknown_agency_is_not_found() -> None:
    with pytest.raises(NotFound) as e:
        partnership().agency("nobody", "owner")
    assert (e.value.code, e.value.field, e.value.status) == ("unknown_agency", "owner", 404)


def test_a_webhook_is_registered_and_cleared_for_a_known_agency() -> None:
    p = register_webhook(partnership(), ctx(), agency_id=POLICE, webhook_url="https://police/h").result
    assert p.agency(POLICE).webhook_url == "https://police/h"
    p = register_webhook(p, ctx(), agency_id=POLICE, webhook_url=None).result
    assert p.agency(POLICE).webhook_url is None


def test_a_webhook_for_an_unknown_agency_is_refused() -> None:
    with pytest.raises(NotFound):
        register_webhook(partnership(), ctx(), agency_id="nobody", webhook_url="https://x")


# --- forums and meetings --------------------------------------------------


def test_a_forum_can_be_added() -> None:
    p = add_forum(partnership(), ctx(), forum_id="neglect-subgroup", display_name="Neglect").result
    assert p.forum("neglect-subgroup").name == "Neglect"


def test_a_duplicate_forum_is_refused() -> None:
    with pytest.raises(RuleViolation) as e:
        add_forum(partnership(), ctx(), forum_id=BOARD, display_name="Board again")
    assert (e.value.code, e.value.field) == ("forum_exists", "forum_id")


def test_meetings_are_scheduled_and_the_next_one_found() -> None:
    p = partnership(meetings=False)
    for d in (date(2025, 5, 1), date(2025, 3, 6), date(2025, 4, 3)):
        p = schedule_meeting(p, ctx(), forum_id=ARLF, meets_on=d).result
    assert p.forum(ARLF).meetings == (date(2025, 3, 6), date(2025, 4, 3), date(2025, 5, 1))
    assert p.next_meeting(ARLF, date(2025, 3, 7)) == date(2025, 4, 3)
    assert p.next_meeting(ARLF, date(2025, 4, 3)) == date(2025, 4, 3)
    assert p.next_meeting(ARLF, date(2025, 5, 2)) is None


def test_a_forum_cannot_meet_twice_on_one_day() -> None:
    p = schedule_meeting(partnership(meetings=False), ctx(), forum_id=ARLF, meets_on=date(2025, 3, 6)).result
    with pytest.raises(RuleViolation) as e:
        schedule_meeting(p, ctx(), forum_id=ARLF, meets_on=date(2025, 3, 6))
    assert e.value.code == "meeting_exists"


def test_a_meeting_of_an_unknown_forum_is_refused() -> None:
    with pytest.raises(NotFound) as e:
        schedule_meeting(partnership(), ctx(), forum_id="nowhere", meets_on=date(2025, 3, 6))
    assert e.value.code == "unknown_forum"


# --- routing --------------------------------------------------------------


def test_routing_can_be_overridden_with_known_forums() -> None:
    p = set_routing(
        partnership(),
        ctx(),
        source_kind=SourceKind.THEMATIC_AUDIT,
        points_of_dissemination=(SCPF, EXECUTIVE),
        sign_off_forum=EXECUTIVE,
    ).result
    assert p.routing_for(SourceKind.THEMATIC_AUDIT) == Routing(
        points_of_dissemination=(SCPF, EXECUTIVE), sign_off_forum=EXECUTIVE
    )
    # Other kinds keep their routing.
    assert p.routing_for(SourceKind.SINGLE_AGENCY_AUDIT).sign_off_forum == ARLF


def test_routing_must_disseminate_to_known_forums() -> None:
    with pytest.raises(NotFound) as e:
        set_routing(
            partnership(),
            ctx(),
            source_kind=SourceKind.THEMATIC_AUDIT,
            points_of_dissemination=(ARLF, "nowhere"),
            sign_off_forum=ARLF,
        )
    assert (e.value.code, e.value.field) == ("unknown_forum", "points_of_dissemination[1]")


def test_routing_must_be_signed_off_by_a_known_forum() -> None:
    with pytest.raises(NotFound) as e:
        set_routing(
            partnership(),
            ctx(),
            source_kind=SourceKind.THEMATIC_AUDIT,
            points_of_dissemination=(ARLF,),
            sign_off_forum="nowhere",
        )
    assert (e.value.code, e.value.field) == ("unknown_forum", "sign_off_forum")


def test_routing_must_disseminate_somewhere() -> None:
    with pytest.raises(InvalidInput) as e:
        set_routing(
            partnership(),
            ctx(),
            source_kind=SourceKind.THEMATIC_AUDIT,
            points_of_dissemination=(),
            sign_off_forum=ARLF,
        )
    assert e.value.code == "no_dissemination"
