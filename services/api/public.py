"""The API's public shapes of aggregates: what a command's answer looks like.

Command routes are derived from their declarations, so they cannot name a response model
each; they ask this table instead. A state class with no public model of its own is
answered as it is.
"""

from __future__ import annotations

from pydantic import BaseModel

from domain.aggregate import AggregateState

ANSWER_MODELS: dict[type[AggregateState], type[BaseModel]] = {}


def answer_model(state: type[AggregateState]) -> type[BaseModel]:
    """The public model of a command's answer when it leaves an aggregate of this type."""
    return ANSWER_MODELS.get(state, state)
