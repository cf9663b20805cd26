"""template.yaml, read once for everyone who needs the stack's shape outside AWS.

The local stack (tables, routes, rules, queues, event sources, schedules) and the tests (tables
and queues under moto, handlers by their logical id) both come through here, so neither can drift
from what `sam deploy` creates.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yaml"
ACCOUNT = "000000000000"
REGION = "eu-west-1"

_SHORT_TAGS = {
    "Ref": "Ref",
    "Condition": "Condition",
    "GetAtt": "Fn::GetAtt",
    "Sub": "Fn::Sub",
    "Join": "Fn::Join",
    "Select": "Fn::Select",
    "Split": "Fn::Split",
    "If": "Fn::If",
    "Not": "Fn::Not",
    "Equals": "Fn::Equals",
    "And": "Fn::And",
    "Or": "Fn::Or",
    "GetAZs": "Fn::GetAZs",
    "ImportValue": "Fn::ImportValue",
    "FindInMap": "Fn::FindInMap",
    "Base64": "Fn::Base64",
}


class _CfnLoader(yaml.SafeLoader):
    """YAML with CloudFormation's short-form tags turned into their long form."""


def _construct_tag(loader: yaml.SafeLoader, tag_suffix: str, node: yaml.Node) -> dict[str, Any]:
    key = _SHORT_TAGS[tag_suffix]
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
        if key == "Fn::GetAtt":
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    return {key: value}


_CfnLoader.add_multi_constructor("!", _construct_tag)


@cache
def load(path: Path = TEMPLATE) -> dict[str, Any]:
    with path.open(encoding="utf-8") as fh:
        data: dict[str, Any] = yaml.load(fh, Loader=_CfnLoader)  # noqa: S506 - SafeLoader subclass
    return data


@dataclass(frozen=True)
class FunctionSpec:
    logical_id: str
    code_uri: Path
    handler: str
    timeout: int
    environment: dict[str, str]
    events: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class Route:
    method: str  # GET, POST, … or ANY
    path: str  # /webhooks/{provider}
    function: str

    @property
    def regex(self) -> re.Pattern[str]:
        pattern = re.sub(r"\\\{(\w+)\\\+\\\}", r"(?P<\1>.+)", re.escape(self.path))
        pattern = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", pattern)
        # a greedy path (``{proxy+}``) takes any character, a newline too, as API Gateway's does
        return re.compile(f"^{pattern}\\Z", re.DOTALL)

    @property
    def route_key(self) -> str:
        return f"{self.method} {self.path}"


@dataclass(frozen=True)
class RuleTarget:
    target_id: str
    arn: str
    logical_id: str  # the function or queue it delivers to
    kind: str  # "function" or "queue"
    max_retries: int
    max_age_seconds: int
    dead_letter_arn: str | None
    message_group_id: str | None


@dataclass(frozen=True)
class Rule:
    logical_id: str
    bus_name: str
    pattern: dict[str, Any]
    targets: tuple[RuleTarget, ...]


@dataclass(frozen=True)
class QueueSpec:
    logical_id: str
    name: str
    fifo: bool
    visibility_timeout: int
    dead_letter_arn: str | None
    max_receive_count: int | None
    delay_seconds: int = 0  # the queue's DelaySeconds: a message that gives none waits this long


@dataclass(frozen=True)
class QueueEventSource:
    function: str
    queue_logical_id: str
    batch_size: int
    report_batch_item_failures: bool


@dataclass(frozen=True)
class Schedule:
    function: str
    name: str
    expression: str  # rate(…), cron(…) or at(…)
    timezone: str
    payload: Any  # the template's Input (a JSON string), or None
    kind: str = "scheduler"  # "scheduler" (EventBridge Scheduler) or "rule" (SAM's Schedule event)
    enabled: bool = True
    max_retries: int = 185
    dead_letter_arn: str | None = None


class Stack:
    """template.yaml with its intrinsic functions resolved for one environment.

    ``queue_url`` turns a queue name into the URL the environment uses (moto's, or the local
    stack's own SQS endpoint).
    """

    def __init__(
        self,
        parameters: Mapping[str, str] | None = None,
        *,
        queue_url: Callable[[str], str] | None = None,
        template: dict[str, Any] | None = None,
        account: str = ACCOUNT,
        region: str = REGION,
    ) -> None:
        self.template = template if template is not None else load()
        self.account = account
        self.region = region
        self.parameters: dict[str, str] = {
            name: str(spec.get("Default", "")) for name, spec in self.template.get("Parameters", {}).items()
        }
        self.parameters.update(parameters or {})
        self._queue_url = queue_url or (lambda name: f"https://sqs.{region}.amazonaws.com/{account}/{name}")

    # ----------------------------------------------------------------------------- resolution
    @property
    def resources(self) -> dict[str, dict[str, Any]]:
        resources: dict[str, dict[str, Any]] = self.template["Resources"]
        return resources

    def physical_name(self, logical_id: str) -> str:
        resource = self.resources[logical_id]
        props = resource.get("Properties", {})
        for key in (
            "TableName",
            "QueueName",
            "Name",
            "FunctionName",
            "TopicName",
            "LayerName",
            "LogGroupName",
        ):
            if key in props:
                return str(self.resolve(props[key]))
        return logical_id

    def arn(self, logical_id: str) -> str:
        kind = self.resources[logical_id]["Type"]
        name = self.physical_name(logical_id)
        prefix = f"{self.region}:{self.account}"
        arns = {
            "AWS::DynamoDB::Table": f"arn:aws:dynamodb:{prefix}:table/{name}",
            "AWS::SQS::Queue": f"arn:aws:sqs:{prefix}:{name}",
            "AWS::Events::EventBus": f"arn:aws:events:{prefix}:event-bus/{name}",
            "AWS::Events::Rule": f"arn:aws:events:{prefix}:rule/{name}",
            "AWS::Serverless::Function": f"arn:aws:lambda:{prefix}:function:{name}",
            "AWS::SNS::Topic": f"arn:aws:sns:{prefix}:{name}",
        }
        return arns.get(kind, f"arn:aws:local:{prefix}:{logical_id}")

    def ref(self, name: str) -> str:
        if name in self.parameters:
            return self.parameters[name]
        pseudo = {"AWS::Region": self.region, "AWS::AccountId": self.account, "AWS::StackName": "kring"}
        if name in pseudo:
            return pseudo[name]
        kind = self.resources[name]["Type"]
        if kind == "AWS::SQS::Queue":
            return self._queue_url(self.physical_name(name))
        if kind in ("AWS::SNS::Topic",):
            return self.arn(name)
        return self.physical_name(name)

    def get_att(self, logical_id: str, attribute: str) -> str:
        if attribute == "Arn":
            return self.arn(logical_id)
        if attribute in ("QueueName", "Name"):
            return self.physical_name(logical_id)
        if attribute == "QueueUrl":
            return self.ref(logical_id)
        raise KeyError(f"{logical_id}.{attribute}")

    def resolve(self, value: Any) -> Any:  # noqa: PLR0911 - one branch per intrinsic
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, arg),) = value.items()
            if key == "Ref":
                return self.ref(arg)
            if key == "Fn::GetAtt":
                logical_id, attribute = arg if isinstance(arg, list) else arg.split(".", 1)
                return self.get_att(logical_id, attribute)
            if key == "Fn::Sub":
                text, extra = (arg, {}) if isinstance(arg, str) else (arg[0], self.resolve(arg[1]))
                return re.sub(r"\$\{([^}]+)\}", lambda m: self._sub_var(m.group(1), extra), text)
            if key == "Fn::Join":
                sep, items = arg
                return sep.join(str(self.resolve(i)) for i in items)
            if key == "Fn::If":
                condition, yes, no = arg
                return self.resolve(yes if self.condition(condition) else no)
        return {k: self.resolve(v) for k, v in value.items()}

    def _sub_var(self, name: str, extra: Mapping[str, Any]) -> str:
        if name in extra:
            return str(extra[name])
        if "." in name:
            logical_id, attribute = name.split(".", 1)
            return self.get_att(logical_id, attribute)
        return self.ref(name)

    def condition(self, name: str) -> bool:
        return bool(self._evaluate(self.template.get("Conditions", {})[name]))

    def _evaluate(self, expr: Any) -> Any:
        if isinstance(expr, dict) and len(expr) == 1:
            ((key, arg),) = expr.items()
            if key == "Fn::Not":
                return not self._evaluate(arg[0])
            if key == "Fn::Equals":
                return self._evaluate(arg[0]) == self._evaluate(arg[1])
            if key == "Condition":
                return self.condition(arg)
        return self.resolve(expr)

    # ----------------------------------------------------------------------------- the shape
    def tables(self) -> list[dict[str, Any]]:
        """CreateTable arguments for every table (TTL separately: :meth:`table_ttls`)."""
        out = []
        for logical_id, resource in self.resources.items():
            if resource["Type"] != "AWS::DynamoDB::Table":
                continue
            props = self.resolve(resource["Properties"])
            spec: dict[str, Any] = {
                "TableName": props["TableName"],
                "AttributeDefinitions": props["AttributeDefinitions"],
                "KeySchema": props["KeySchema"],
                "BillingMode": props.get("BillingMode", "PAY_PER_REQUEST"),
            }
            if props.get("GlobalSecondaryIndexes"):
                spec["GlobalSecondaryIndexes"] = props["GlobalSecondaryIndexes"]
            out.append(spec)
            del logical_id
        return out

    def table_ttls(self) -> dict[str, str]:
        out = {}
        for resource in self.resources.values():
            if resource["Type"] == "AWS::DynamoDB::Table":
                props = self.resolve(resource["Properties"])
                ttl = props.get("TimeToLiveSpecification")
                if ttl and ttl.get("Enabled"):
                    out[props["TableName"]] = ttl["AttributeName"]
        return out

    def functions(self) -> dict[str, FunctionSpec]:
        globals_fn = self.template.get("Globals", {}).get("Function", {})
        global_env = self.resolve(globals_fn.get("Environment", {}).get("Variables", {}))
        out = {}
        for logical_id, resource in self.resources.items():
            if resource["Type"] != "AWS::Serverless::Function":
                continue
            props = resource["Properties"]
            env = dict(global_env)
            env.update(self.resolve(props.get("Environment", {}).get("Variables", {})))
            out[logical_id] = FunctionSpec(
                logical_id=logical_id,
                code_uri=ROOT / props["CodeUri"],
                handler=props["Handler"],
                timeout=int(props.get("Timeout", globals_fn.get("Timeout", 3))),
                environment={k: str(v) for k, v in env.items()},
                events=props.get("Events", {}),
            )
        return out

    def routes(self) -> list[Route]:
        routes = []
        for spec in self.functions().values():
            for event in spec.events.values():
                if event["Type"] == "HttpApi":
                    props = event["Properties"]
                    routes.append(Route(props["Method"].upper(), props["Path"], spec.logical_id))
        # Most specific first, as API Gateway selects: a greedy {proxy+} last, literal segments
        # before parameters, longer before shorter, and an exact method before ANY on one path.
        return sorted(
            routes,
            key=lambda r: (
                r.path.count("+}"),
                r.path.count("{"),
                -r.path.count("/"),
                r.path,
                r.method == "ANY",
            ),
        )

    def queues(self) -> dict[str, QueueSpec]:
        out = {}
        for logical_id, resource in self.resources.items():
            if resource["Type"] != "AWS::SQS::Queue":
                continue
            props = self.resolve(resource.get("Properties", {}))
            redrive = props.get("RedrivePolicy") or {}
            out[logical_id] = QueueSpec(
                logical_id=logical_id,
                name=props["QueueName"],
                fifo=bool(props.get("FifoQueue", False)),
                visibility_timeout=int(props.get("VisibilityTimeout", 30)),
                dead_letter_arn=redrive.get("deadLetterTargetArn"),
                max_receive_count=int(redrive["maxReceiveCount"]) if redrive else None,
                delay_seconds=int(props.get("DelaySeconds", 0)),
            )
        return out

    def queue_event_sources(self) -> list[QueueEventSource]:
        out = []
        for spec in self.functions().values():
            for event in spec.events.values():
                if event["Type"] != "SQS":
                    continue
                props = event["Properties"]
                queue_arn = props["Queue"]
                logical_id = queue_arn["Fn::GetAtt"][0]
                out.append(
                    QueueEventSource(
                        function=spec.logical_id,
                        queue_logical_id=logical_id,
                        batch_size=int(props.get("BatchSize", 10)),
                        report_batch_item_failures="ReportBatchItemFailures"
                        in props.get("FunctionResponseTypes", []),
                    )
                )
        return out

    def _logical_id_of_arn(self, arn: str) -> str:
        for logical_id in self.resources:
            try:
                if self.arn(logical_id) == arn:
                    return logical_id
            except KeyError:
                continue
        raise KeyError(arn)

    def rules(self) -> list[Rule]:
        out = []
        for logical_id, resource in self.resources.items():
            if resource["Type"] != "AWS::Events::Rule":
                continue
            props = self.resolve(resource["Properties"])
            targets = []
            for target in props.get("Targets", []):
                target_logical = self._logical_id_of_arn(target["Arn"])
                kind = "queue" if self.resources[target_logical]["Type"] == "AWS::SQS::Queue" else "function"
                retry = target.get("RetryPolicy", {})
                targets.append(
                    RuleTarget(
                        target_id=target["Id"],
                        arn=target["Arn"],
                        logical_id=target_logical,
                        kind=kind,
                        max_retries=int(retry.get("MaximumRetryAttempts", 185)),
                        max_age_seconds=int(retry.get("MaximumEventAgeInSeconds", 86400)),
                        dead_letter_arn=(target.get("DeadLetterConfig") or {}).get("Arn"),
                        message_group_id=(target.get("SqsParameters") or {}).get("MessageGroupId"),
                    )
                )
            out.append(
                Rule(logical_id, props.get("EventBusName", "default"), props["EventPattern"], tuple(targets))
            )
        # Functions' own EventBridgeRule events (SAM shorthand) are rules too.
        for spec in self.functions().values():
            for name, event in spec.events.items():
                if event["Type"] != "EventBridgeRule":
                    continue
                props = self.resolve(event["Properties"])
                retry = props.get("RetryPolicy", {})
                target = RuleTarget(
                    target_id=name,
                    arn=self.arn(spec.logical_id),
                    logical_id=spec.logical_id,
                    kind="function",
                    max_retries=int(retry.get("MaximumRetryAttempts", 185)),
                    max_age_seconds=int(retry.get("MaximumEventAgeInSeconds", 86400)),
                    dead_letter_arn=(props.get("DeadLetterConfig") or {}).get("Arn"),
                    message_group_id=None,
                )
                out.append(
                    Rule(
                        f"{spec.logical_id}{name}",
                        props.get("EventBusName", "default"),
                        props["Pattern"],
                        (target,),
                    )
                )
        return out

    def schedules(self) -> list[Schedule]:
        """SAM's ``Schedule`` (an EventBridge rule) and ``ScheduleV2`` (EventBridge Scheduler)
        function events, and ``AWS::Scheduler::Schedule`` resources that target a function."""
        out = []
        for spec in self.functions().values():
            for name, event in spec.events.items():
                if event["Type"] not in ("Schedule", "ScheduleV2"):
                    continue
                props = self.resolve(event["Properties"])
                out.append(
                    Schedule(
                        function=spec.logical_id,
                        name=props.get("Name", f"{spec.logical_id}{name}"),
                        expression=props["ScheduleExpression"]
                        if "ScheduleExpression" in props
                        else props["Schedule"],
                        timezone=props.get("ScheduleExpressionTimezone", "UTC"),
                        payload=props.get("Input"),
                        kind="scheduler" if event["Type"] == "ScheduleV2" else "rule",
                        enabled=props.get("State", "ENABLED") == "ENABLED" and props.get("Enabled", True),
                        max_retries=int((props.get("RetryPolicy") or {}).get("MaximumRetryAttempts", 185)),
                        dead_letter_arn=(props.get("DeadLetterConfig") or {}).get("Arn"),
                    )
                )
        for logical_id, resource in self.resources.items():
            if resource["Type"] != "AWS::Scheduler::Schedule":
                continue
            props = self.resolve(resource["Properties"])
            target = props["Target"]
            function = self._logical_id_of_arn(target["Arn"])
            if self.resources[function]["Type"] != "AWS::Serverless::Function":
                continue
            out.append(
                Schedule(
                    function=function,
                    name=props.get("Name", logical_id),
                    expression=props["ScheduleExpression"],
                    timezone=props.get("ScheduleExpressionTimezone", "UTC"),
                    payload=target.get("Input"),
                    enabled=props.get("State", "ENABLED") == "ENABLED",
                    max_retries=int((target.get("RetryPolicy") or {}).get("MaximumRetryAttempts", 185)),
                    dead_letter_arn=(target.get("DeadLetterConfig") or {}).get("Arn"),
                )
            )
        return out


def load_handler(spec: FunctionSpec) -> Callable[..., Any]:
    """Import ``<CodeUri>/<module>.py`` under a name of its own and return its handler."""
    module_name, _, attribute = spec.handler.rpartition(".")
    unique = f"kring_fn_{spec.logical_id}_{module_name}"
    module: ModuleType | None = sys.modules.get(unique)
    if module is None:
        path = spec.code_uri / f"{module_name.replace('.', '/')}.py"
        loader_spec = importlib.util.spec_from_file_location(unique, path)
        if loader_spec is None or loader_spec.loader is None:
            raise ImportError(f"cannot load {path}")
        module = importlib.util.module_from_spec(loader_spec)
        sys.modules[unique] = module
        loader_spec.loader.exec_module(module)
    handler: Callable[..., Any] = getattr(module, attribute)
    return handler
