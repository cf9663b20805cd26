"""The local stack's commands and set-up: `dlq list` / `dlq redrive` (locally and in AWS), the
signing helper, the kept secrets, and the environment the functions get."""

from __future__ import annotations

import hashlib
import hmac
import json
import shlex
from pathlib import Path

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from infra.local.__main__ import main
from infra.local.dlq import redrive_aws
from infra.local.functions import merged_environment
from infra.local.settings import LocalSettings, kept_secrets
from infra.local.stack import function_environment, queue_store, template_stack
from infra.local.template import REGION, FunctionSpec

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> LocalSettings:
    for name in ("KRING_ADMIN_TOKEN", "KRING_WEBHOOK_SECRET_GREENHOUSE", "KRING_PUBLIC_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("KRING_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("KRING_PORT", "3999")
    return LocalSettings()


@pytest.fixture
def fanout_dlq(settings: LocalSettings) -> str:
    stack = template_stack(settings)
    store = queue_store(settings, stack)
    dlq = stack.queues()["FanoutDLQ"].name
    store.send(dlq, '{"vacancy_id": "greenhouse-1", "page": 2}', group_id="fanout")
    store.close()
    return dlq


def test_dlq_list_shows_each_dead_letter_queue_with_what_it_holds(
    settings: LocalSettings, fanout_dlq: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["dlq", "list"]) == 0
    out = capsys.readouterr().out
    assert f"{fanout_dlq}: 1 message(s)" in out
    assert '{"vacancy_id": "greenhouse-1", "page": 2}' in out
    assert "kring-local-vacancy-published-dlq: 0 message(s)" in out


def test_dlq_redrive_puts_a_queues_dead_letters_back_on_its_source(
    settings: LocalSettings, fanout_dlq: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["dlq", "redrive", "--queue", fanout_dlq]) == 0
    assert f"{fanout_dlq}: 1 message(s) put back" in capsys.readouterr().out
    stack = template_stack(settings)
    store = queue_store(settings, stack)
    try:
        assert store.messages(fanout_dlq) == []
        [back] = store.messages(stack.queues()["FanoutQueue"].name)
        assert back.body == '{"vacancy_id": "greenhouse-1", "page": 2}'
        assert back.group_id == "fanout"
    finally:
        store.close()


def test_dlq_redrive_of_an_unknown_queue_says_so(
    settings: LocalSettings, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["dlq", "redrive", "--queue", "kring-local-fanout.fifo"]) == 1
    assert "not a dead-letter queue" in capsys.readouterr().err


def test_help_explains_the_commands(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["dlq", "--help"])
    out = capsys.readouterr().out
    assert "--queue-url" in out
    assert "message-move task" in out


def test_sign_prints_a_curl_whose_signature_verifies(
    settings: LocalSettings, capsys: pytest.CaptureFixture[str]
) -> None:
    sample = ROOT / "events" / "http" / "greenhouse_job_post_published.json"
    assert main(["sign", "greenhouse", str(sample)]) == 0
    words = shlex.split(capsys.readouterr().out)
    assert words[:4] == ["curl", "-s", "-X", "POST"]
    assert words[4] == "http://127.0.0.1:3999/webhooks/greenhouse"
    body = words[words.index("--data-binary") + 1].encode()
    assert body == json.loads(sample.read_text())["body"].encode()
    signature = next(w for w in words if w.startswith("Signature: ")).removeprefix("Signature: sha256 ")
    secret = kept_secrets(settings)["webhook-secret-greenhouse"]
    assert signature == hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    assert any(w.startswith("Greenhouse-Event-ID: ") for w in words)


def test_secrets_are_made_once_and_kept_and_the_environment_wins(
    settings: LocalSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = kept_secrets(settings)
    assert kept_secrets(LocalSettings()) == first
    assert (settings.data_dir / "secrets.json").stat().st_mode & 0o777 == 0o600

    monkeypatch.setenv("KRING_ADMIN_TOKEN", "given")
    again = kept_secrets(LocalSettings())
    assert again["admin-token"] == "given"
    assert again["webhook-secret-greenhouse"] == first["webhook-secret-greenhouse"]


def test_every_ats_gets_its_own_webhook_secret_and_api_key_and_the_environment_wins(
    settings: LocalSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from infra.local.settings import PROVIDERS

    monkeypatch.setenv("KRING_WEBHOOK_SECRET_LEVER", "lever-given")
    kept = kept_secrets(LocalSettings())
    webhook_secrets = {p: kept[f"webhook-secret-{p}"] for p in PROVIDERS}
    assert webhook_secrets["lever"] == "lever-given"
    assert len(set(webhook_secrets.values())) == len(PROVIDERS)  # none shared
    assert all(kept[f"ats-api-key-{p}"] for p in PROVIDERS)
    assert kept["identity-hash-key"] not in (kept["visitor-hash-key"], kept["admin-token"])


def test_the_functions_get_the_templates_environment_pointed_at_the_local_stack(
    settings: LocalSettings,
) -> None:
    stack = template_stack(settings)
    env = function_environment(stack, settings, {"admin-token": "t", "webhook-secret-greenhouse": "s"}, 4000)
    assert "SECRETS_SSM_PATH" not in env
    assert env["KRING_ADMIN_TOKEN"] == "t"
    assert env["KRING_WEBHOOK_SECRET_GREENHOUSE"] == "s"
    assert env["AWS_ENDPOINT_URL_DYNAMODB"] == "http://127.0.0.1:4000"
    assert env["AWS_ENDPOINT_URL_EVENTBRIDGE"] == env["AWS_ENDPOINT_URL_SQS"] == "http://127.0.0.1:4000"
    assert env["FANOUT_QUEUE_URL"] == "http://127.0.0.1:4000/000000000000/kring-local-fanout.fifo"
    assert env["PUBLIC_BASE_URL"] == "http://127.0.0.1:3999"
    assert env["TABLE_NAME"] == "kring-local"
    assert env["GREENHOUSE_BOARD_TOKEN"] == "kring-demo"
    assert env["LEVER_API_URL"] == f"{settings.ats_api_url}/lever"  # the local fake, never the internet
    assert env["LEVER_POSTINGS_URL"] == f"{settings.ats_api_url}/lever-postings"


def test_two_functions_that_disagree_on_a_variable_stop_the_stack() -> None:
    def spec(name: str, value: str) -> FunctionSpec:
        return FunctionSpec(name, ROOT, "app.handler", 3, {"TABLE_NAME": value})

    with pytest.raises(RuntimeError, match="disagree on TABLE_NAME"):
        merged_environment({"A": spec("A", "one"), "B": spec("B", "two")})


def test_aws_redrive_of_a_queue_dlq_starts_sqs_message_move_task() -> None:
    sqs = boto3.client("sqs", region_name=REGION)
    dlq_url = "https://sqs.eu-west-1.amazonaws.com/123456789012/kring-prod-fanout-dlq.fifo"
    dlq_arn = "arn:aws:sqs:eu-west-1:123456789012:kring-prod-fanout-dlq.fifo"
    with Stubber(sqs) as stub:
        stub.add_response(
            "get_queue_attributes",
            {"Attributes": {"QueueArn": dlq_arn}},
            {"QueueUrl": dlq_url, "AttributeNames": ["QueueArn"]},
        )
        stub.add_response("start_message_move_task", {"TaskHandle": "task-1"}, {"SourceArn": dlq_arn})
        assert redrive_aws(dlq_url, None, None, sqs=sqs) == f"message move task task-1 started from {dlq_arn}"
        stub.assert_no_pending_responses()


@mock_aws
def test_aws_redrive_of_a_rule_dlq_puts_its_events_back_on_the_bus_and_deletes_them() -> None:
    sqs = boto3.client("sqs", region_name=REGION)
    events = boto3.client("events", region_name=REGION)
    dlq_url = sqs.create_queue(QueueName="rule-dlq")["QueueUrl"]
    target_url = sqs.create_queue(QueueName="target")["QueueUrl"]
    target_arn = sqs.get_queue_attributes(QueueUrl=target_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    events.create_event_bus(Name="kring-prod")
    events.put_rule(
        Name="published", EventBusName="kring-prod", EventPattern=json.dumps({"source": ["kring.ats"]})
    )
    events.put_targets(Rule="published", EventBusName="kring-prod", Targets=[{"Id": "q", "Arn": target_arn}])
    parked = {
        "version": "0",
        "id": "e-1",
        "detail-type": "VacancyPublished",
        "source": "kring.ats",
        "account": "123456789012",
        "time": "2026-11-30T08:00:00Z",
        "region": REGION,
        "resources": [],
        "detail": {"vacancy_id": "greenhouse-1"},
    }
    sqs.send_message(QueueUrl=dlq_url, MessageBody=json.dumps(parked))

    assert redrive_aws(dlq_url, None, "kring-prod") == "1 events put back on kring-prod"

    assert "Messages" not in sqs.receive_message(QueueUrl=dlq_url)
    [delivered] = sqs.receive_message(QueueUrl=target_url)["Messages"]
    assert json.loads(delivered["Body"])["detail"] == {"vacancy_id": "greenhouse-1"}


def test_without_java_the_stack_says_what_to_install_and_exits_non_zero(
    settings: LocalSettings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("infra.local.dynamodb_local.shutil.which", lambda name: None)
    assert main([]) == 2
    assert "Java 17 or newer is needed" in capsys.readouterr().err
