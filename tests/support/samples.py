"""How each kind of sample in events/ is parsed: by the folder it sits in."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kring import events


def parse_sample(path: Path) -> Any:
    data = json.loads(path.read_text())
    kind = path.parent.name
    if kind == "eventbridge":
        return events.parse_envelope(data, events.event_type(data["detail-type"]))
    if kind == "http":
        from aws_lambda_powertools.utilities.parser.models import APIGatewayProxyEventV2Model

        return APIGatewayProxyEventV2Model.model_validate(data)
    if kind == "sqs":
        from aws_lambda_powertools.utilities.parser.models import SqsModel

        batch = SqsModel.model_validate(data)
        parse = next(p for prefix, p in _sqs_parsers().items() if path.name.startswith(prefix))
        parsed = []
        for record in batch.Records:
            assert isinstance(record.body, str), "an SQS sample's body is the message as sent"
            parsed.append(parse(record.body))
        return parsed
    if kind == "scheduler":
        # EventBridge Scheduler sends a schedule's Input as it is (template.yaml, ScheduleV2).
        if path.name.startswith("mail_"):
            from kring.mail.planner import parse_request

            return parse_request(data)
        from kring.intake.job_feeds import parse_poll_request

        return parse_poll_request(data)
    if kind == "ses":
        # SES's events of the configuration set, as the default bus hands them to MailEventsFunction.
        from kring.mail.bounces import parse, suppressions_of

        parsed = parse(data)
        assert suppressions_of(parsed), "a sample that suppresses nothing tests nothing"
        return parsed
    raise AssertionError(f"no parser for samples in events/{kind}/")


def _sqs_parsers() -> dict[str, Callable[[str], Any]]:
    """The message parser of each SQS batch sample, by the start of its file name ("" last: the
    fan-out queue's)."""
    from kring.attribution.recorder import parse_message
    from kring.clicks.spool import parse_spooled_click
    from kring.intake.webhooks import parse_fetch_message
    from kring.programme.recorder import parse_message as parse_programme_message
    from kring.queues import (
        parse_fanout_message,
        parse_import_chunk,
        parse_link_activity_message,
        parse_mail_message,
        parse_shares_created_message,
    )

    return {
        "click_spool": parse_spooled_click,
        "link_activity": parse_link_activity_message,
        "candidate_events": parse_message,
        "programme_facts": parse_programme_message,
        "ats_fetch": parse_fetch_message,
        "ambassador_import": parse_import_chunk,
        "mail_instant": parse_shares_created_message,
        "mail": parse_mail_message,
        "": parse_fanout_message,
    }
