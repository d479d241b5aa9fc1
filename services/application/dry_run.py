"""A command's rules run without recording anything: what a "check your answers" page asks.

The same path as `LearningService.execute` (the free-text screen, then the command's handler
over a unit of work) up to the commit, which never happens. A form can so refuse on its
question page what the command would refuse, with the same code, field and sentence; the
command itself is still run, and judged again, when the person confirms.
"""

from __future__ import annotations

from uuid import UUID

from domain.aggregate import Context
from domain.commands import Command
from domain.free_text import screen_free_text
from services.application.handlers import handle
from services.application.service import LearningService
from services.application.unit_of_work import UnitOfWork


def check_command(service: LearningService, ctx: Context, command: Command, target_id: UUID | None = None) -> None:
    """Returns if the command would be accepted now; raises its DomainError if not. Records nothing."""
    screen_free_text(command, service.known(ctx.partnership_id))
    handle(UnitOfWork(service.store), ctx, command, target_id)
