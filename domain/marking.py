"""The protective marking a partnership prints on every document it sends round.

The Government Security Classifications Policy's tier for partnership papers is OFFICIAL;
papers naming agencies, practice or cases carry the OFFICIAL-SENSITIVE handling caveat, with
a descriptor when they hold personal data. A closed list: a marking is not a place for free
text, and a typo in it would be printed on every page of every pack.
"""

from __future__ import annotations

from typing import Literal

ProtectiveMarking = Literal["OFFICIAL", "OFFICIAL-SENSITIVE", "OFFICIAL-SENSITIVE PERSONAL"]

DEFAULT_MARKING: ProtectiveMarking = "OFFICIAL-SENSITIVE"
"""Until the partnership sets another: most partnership papers name agencies and practice."""
