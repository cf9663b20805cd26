"""template.yaml: cfn-lint with the serverless rules, and the promises the design makes of it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from infra.local.template import TEMPLATE, Stack

ROOT = Path(__file__).resolve().parents[2]


def test_cfn_lint_with_serverless_rules_passes() -> None:
    result = subprocess.run(  # noqa: S603
        [
            str(Path(sys.executable).with_name("cfn-lint")),
            "-a",
            "cfn_lint_serverless.rules",
            "--",
            str(TEMPLATE),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_rule_target_retries_and_has_a_dead_letter_queue_with_an_alarm() -> None:
    stack = Stack({"PublicBaseUrl": "https://go.example.com"})
    alarmed = {
        r["Properties"]["Dimensions"][0]["Value"]["Fn::GetAtt"][0]
        for r in stack.resources.values()
        if r["Type"] == "AWS::CloudWatch::Alarm"
        and r["Properties"].get("Dimensions")  # a metric-filter alarm has none
        and isinstance(r["Properties"]["Dimensions"][0]["Value"], dict)  # a queue's, not a Kring metric's
    }
    rules = stack.rules()
    assert rules
    for rule in rules:
        for target in rule.targets:
            assert target.dead_letter_arn, f"{rule.logical_id} → {target.target_id} has no DLQ"
            assert target.max_retries > 0
            dlq = stack._logical_id_of_arn(target.dead_letter_arn)
            assert dlq in alarmed, f"{dlq} has no alarm"
    for queue in stack.queues().values():
        if queue.dead_letter_arn:
            assert stack._logical_id_of_arn(queue.dead_letter_arn) in alarmed


def test_every_function_handler_exists() -> None:
    for spec in Stack({"PublicBaseUrl": "https://go.example.com"}).functions().values():
        module, _, attribute = spec.handler.rpartition(".")
        source = (spec.code_uri / f"{module}.py").read_text()
        assert f"def {attribute}(" in source, spec.logical_id


def test_layer_requirements_match_the_project_dependencies() -> None:
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    layer = [
        line.strip()
        for line in (ROOT / "shared" / "requirements.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert sorted(d for d in project if not d.startswith("boto3")) == sorted(layer)


def test_lever_s_eu_host_reaches_every_function_that_calls_lever() -> None:
    """An EU Lever account is on api.eu.lever.co: the fetches and the postings poll both go there."""
    for host in ("api.lever.co", "api.eu.lever.co"):
        functions = Stack({"PublicBaseUrl": "https://go.example.com", "LeverApiHost": host}).functions()
        assert functions["AtsFetchFunction"].environment["LEVER_API_URL"] == f"https://{host}/v1"
        assert (
            functions["JobPollerFunction"].environment["LEVER_POSTINGS_URL"] == f"https://{host}/v0/postings"
        )
