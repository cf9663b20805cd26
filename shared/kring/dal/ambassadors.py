"""Ambassador items: the profile with its list and eligibility index entries.

The profile item is in the admin list (gsi1) always, and in the fan-out's sparse eligibility
index (gsi2) only while the ambassador may be given share links — so the fan-out finds its
candidates with one Query and never reads an ineligible profile.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kring.dal import keys
from kring.dal.items import deserialize, serialize
from kring.models.ambassador import Ambassador

ENTITY = "ambassador"


def to_item(ambassador: Ambassador) -> dict[str, Any]:
    item: dict[str, Any] = {
        **keys.ambassador(ambassador.id),
        **keys.ambassador_list_entry(ambassador.id),
        "entity": ENTITY,
        **ambassador.model_dump(mode="json"),
    }
    if ambassador.eligible_to_share:
        item.update(keys.eligible_entry(ambassador.id))
    return serialize(item)


def from_item(item: Mapping[str, Any]) -> Ambassador:
    data = deserialize(item)
    fields = Ambassador.model_fields
    return Ambassador.model_validate({k: v for k, v in data.items() if k in fields})
