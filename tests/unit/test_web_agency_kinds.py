"""Every kind of learning an agency can receive has a name on its inbox, not the event's topic."""

from domain.catalogue import EVENT_CLASSES
from services.web.agency_reads import KINDS


def test_every_learning_event_is_named_on_the_inbox() -> None:
    learning = {cls.TOPIC for cls in EVENT_CLASSES if cls.LEARNING is not None}
    assert learning, "no event class is learning: the catalogue is not what this test expects"
    assert sorted(learning - set(KINDS)) == []
