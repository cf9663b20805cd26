"""The talent team's programme settings: one item (``keys.programme_settings``); absent means the
defaults (no other channels' costs, Europe/Amsterdam)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from kring.dal import keys
from kring.dal.items import deserialize, serialize
from kring.dal.repository import Repository
from kring.models.team import ProgrammeSettings

if TYPE_CHECKING:
    pass

ENTITY = "programme_settings"


def to_item(settings: ProgrammeSettings) -> dict[str, Any]:
    return serialize({**keys.programme_settings(), "entity": ENTITY, **settings.model_dump(mode="json")})


def from_item(item: Mapping[str, Any]) -> ProgrammeSettings:
    data = deserialize(item)
    return ProgrammeSettings.model_validate(
        {k: v for k, v in data.items() if k in ProgrammeSettings.model_fields}
    )


class ProgrammeSettingsRepository(Repository):
    def get(self) -> ProgrammeSettings:
        got = self.client.get_item(
            TableName=self.table, Key=serialize(keys.programme_settings()), ConsistentRead=True
        )
        return from_item(got["Item"]) if "Item" in got else ProgrammeSettings()

    def put(self, settings: ProgrammeSettings) -> None:
        self.client.put_item(TableName=self.table, Item=to_item(settings))
