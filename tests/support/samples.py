"""How each kind of sample in events/ is parsed: by the folder it sits in."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from kring import events


def parse_sample(path: Path) -> Any:
    data = json.loads(path.read_text())
    kind = path.parent.name
    if kind == "eventbridge":
        return events.envelope_model(events.event_type(data["detail-type"])).model_validate(data)
    if kind == "http":
        from aws_lambda_powertools.utilities.parser.models import APIGatewayProxyEventV2Model

        return APIGatewayProxyEventV2Model.model_validate(data)
    if kind == "sqs":
        from aws_lambda_powertools.utilities.parser.models import SqsModel

        from kring.messages import parse_fanout_message, parse_link_activity_message

        batch = SqsModel.model_validate(data)
        if path.name.startswith("click_spool"):
            from kring.click_spool import parse_spooled_click

            return [parse_spooled_click(record.body) for record in batch.Records]
        if path.name.startswith("link_activity"):
            return [parse_link_activity_message(record.body) for record in batch.Records]
        if path.name.startswith("candidate_events"):
            from kring.attribution_recording import parse_message

            return [parse_message(record.body) for record in batch.Records]
        return [parse_fanout_message(record.body) for record in batch.Records]
    raise AssertionError(f"no parser for samples in events/{kind}/")
