"""``/api/rewards``: the reward ledger (admin). List every entry in order of the hire, or one
ambassador's (``?ambassador_id=``), filtered by ``?status=pending|eligible|paid|cancelled``; pay an
eligible one (``POST /api/rewards/{ambassador_id}/{reward_id}/pay``: 200 with the paid entry, also
when it was paid before; 409 when cancelled or not eligible yet; 404 when unknown)."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from kring import config
from kring.api import pagination, path_ids
from kring.api.resource_models import ListOut
from kring.api.responses import json_response
from kring.api.reward_models import RewardOut
from kring.attribution import rewards
from kring.dal import keys
from kring.roster.names import names_of

router = APIGatewayHttpRouter()  # type: ignore[no-untyped-call]  # Powertools leaves __init__ unannotated

LIST_SCOPE = "rewards"
AMBASSADOR_LIST_SCOPE = "rewards-of-ambassador"


@router.get("/rewards")
def list_rewards() -> Response[str]:
    """A page may hold fewer entries than ``limit`` when ``status`` filters it (the status is
    derived on read), and still have a ``next``."""
    event = router.current_event
    limit = pagination.page_limit(event.get_query_string_value("limit"), config.api().api_page_size)
    status = rewards.parse_status(event.get_query_string_value("status"))
    ambassador_id = rewards.parse_ambassador_filter(event.get_query_string_value("ambassador_id"))
    token = event.get_query_string_value("next")
    if ambassador_id is None:
        scope = LIST_SCOPE
        cursor = pagination.decode(token, scope, partition={keys.GSI1_PK: keys.REWARD_LIST})
    else:
        scope = AMBASSADOR_LIST_SCOPE
        cursor = pagination.decode(token, scope, partition={keys.PK: keys.ambassador(ambassador_id)["pk"]})
    page = rewards.list_rewards(limit, cursor, status=status, ambassador_id=ambassador_id)
    names = names_of(r.entry.ambassador_id for r in page.items)
    out = ListOut[RewardOut](
        items=[RewardOut.of(r, names) for r in page.items], next=pagination.encode(scope, page.cursor)
    )
    return json_response(200, out)


@router.post("/rewards/<ambassador_id>/<reward_id>/pay")
def pay_reward(ambassador_id: str, reward_id: str) -> Response[str]:
    paid = rewards.pay(path_ids.ambassador_id(ambassador_id), path_ids.reward_id(reward_id))
    return json_response(200, RewardOut.of(paid, names_of([paid.entry.ambassador_id])))
