"""The local stack's commands and set-up: `dlq list` / `dlq redrive` (locally and in AWS), the
signing helper, the kept secrets, and the environment the functions get."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import shlex
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from botocore.stub import Stubber
from moto import mock_aws

from infra.local import running
from infra.local.__main__ import command_prefix, main
from infra.local.dlq import redrive_aws
from infra.local.functions import merged_environment
from infra.local.http import GatewayServer, Health
from infra.local.pollers import QueuePoller
from infra.local.queues import QueueStore
from infra.local.settings import KEYED_PROVIDERS, PROVIDERS, LocalSettings, kept_secrets
from infra.local.stack import function_environment, queue_store, template_stack
from infra.local.template import REGION, FunctionSpec
from kring.errors import TransientError

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> LocalSettings:
    for name in [n for n in os.environ if n.startswith("KRING_")]:
        monkeypatch.delenv(name)
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
    captured = capsys.readouterr()
    assert f"{fanout_dlq}: 1 message(s)" in captured.out
    assert '{"vacancy_id": "greenhouse-1", "page": 2}' in captured.out
    assert "kring-local-vacancy-published-dlq: 0 message(s)" in captured.out
    assert "No Kring stack is running with the data folder" in captured.err  # it lists all the same


def test_dlq_commands_with_a_data_folder_no_stack_ever_used_say_so_and_create_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """What `make dlq` did with the default folder while the stack ran with KRING_DATA_DIR: it
    made an empty queue file there and reported every queue empty."""
    monkeypatch.setenv("KRING_DATA_DIR", str(tmp_path / "elsewhere"))
    for action in ("list", "redrive"):
        assert main(["dlq", action]) == 1
        err = capsys.readouterr().err
        assert f"no Kring stack has run with the data folder {tmp_path / 'elsewhere'}" in err
        assert "KRING_DATA_DIR" in err
    assert not (tmp_path / "elsewhere").exists()


def _parked_by_the_poller(settings: LocalSettings, body: str) -> str:
    """A LinkActivityQueue message whose every receive fails in a Powertools batch handler, polled
    until the queue's redrive policy parks it; the DLQ's name."""
    stack = template_stack(settings)
    clock = [1_000.0]
    store = QueueStore(settings.data_dir / "queues.sqlite3", stack.queues(), clock=lambda: clock[0])
    queue = stack.queues()["LinkActivityQueue"]
    store.send(queue.name, body)

    def recorder(function: str, event: dict[str, Any]) -> Any:
        def record(record: Any) -> None:
            raise TransientError("could not reach DynamoDB at http://127.0.0.1:3002/")

        return process_partial_response(
            event=event, record_handler=record, processor=BatchProcessor(event_type=EventType.SQS)
        )

    [source] = [s for s in stack.queue_event_sources() if s.queue_logical_id == "LinkActivityQueue"]
    poller = QueuePoller(source, queue.name, store, recorder)
    for _ in range((queue.max_receive_count or 0) + 1):
        poller.poll_once()
        clock[0] += 3600
    store.receive(queue.name, 10, visibility_timeout=1)  # past maxReceiveCount: moved to the DLQ
    assert queue.dead_letter_arn
    store.close()
    return queue.dead_letter_arn.rsplit(":", 1)[-1]


def test_dlq_list_says_why_a_message_was_parked_and_its_last_error(
    settings: LocalSettings, capsys: pytest.CaptureFixture[str]
) -> None:
    dlq = _parked_by_the_poller(settings, '{"detail-type": "LinkClicked"}')
    assert main(["dlq", "list", "--queue", dlq]) == 0
    out = capsys.readouterr().out
    assert f"{dlq}: 1 message(s)" in out
    assert "received 5 times (maxReceiveCount 5)" in out
    assert "last error: TransientError: could not reach DynamoDB at http://127.0.0.1:3002/" in out


def test_dlq_list_shortens_a_long_body_and_shows_it_whole_on_request(
    settings: LocalSettings, capsys: pytest.CaptureFixture[str]
) -> None:
    body = json.dumps({"detail-type": "LinkClicked", "detail": {"padding": "x" * 500, "end": "the end"}})
    dlq = _parked_by_the_poller(settings, body)
    assert main(["dlq", "list", "--queue", dlq]) == 0
    out = capsys.readouterr().out
    assert "the end" not in out
    assert f"({len(body)} characters; `make dlq BODY=1`" in out
    assert main(["dlq", "list", "--queue", dlq, "--body"]) == 0
    assert f"body: {body}" in capsys.readouterr().out


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
    settings: LocalSettings, fanout_dlq: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["dlq", "redrive", "--queue", "kring-local-fanout.fifo"]) == 1
    assert "not a dead-letter queue" in capsys.readouterr().err


def test_help_explains_the_commands(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["dlq", "--help"])
    out = capsys.readouterr().out
    assert "--queue-url" in out
    assert "message-move task" in out


@pytest.fixture
def running_gateway(settings: LocalSettings) -> Iterator[LocalSettings]:
    """A stack as the commands find it: the gateway answering on KRING_PORT, the note in the data
    folder, the secrets kept there."""
    kept_secrets(settings)
    gateway = GatewayServer(("127.0.0.1", 0), [], lambda *_: None, lambda: Health("ready"))
    threading.Thread(target=gateway.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    on_its_port = settings.model_copy(update={"port": gateway.server_address[1]})
    running.announce(on_its_port)
    yield on_its_port
    running.withdraw(on_its_port)
    gateway.shutdown()
    gateway.server_close()


def test_sign_prints_a_curl_for_the_running_stack_whose_signature_verifies(
    running_gateway: LocalSettings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("KRING_PORT")  # only the data folder given: the stack's port is found
    sample = ROOT / "events" / "http" / "greenhouse_job_post_published.json"
    assert main(["sign", "greenhouse", str(sample)]) == 0
    words = shlex.split(capsys.readouterr().out)
    assert words[:4] == ["curl", "-s", "-X", "POST"]
    assert words[4] == f"{running_gateway.gateway_url}/webhooks/greenhouse"
    body = words[words.index("--data-binary") + 1].encode()
    assert body == json.loads(sample.read_text())["body"].encode()
    signature = next(w for w in words if w.startswith("Signature: ")).removeprefix("Signature: sha256 ")
    secret = json.loads((running_gateway.data_dir / "secrets.json").read_text())["webhook-secret-greenhouse"]
    assert signature == hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    assert any(w.startswith("Greenhouse-Event-ID: ") for w in words)


def test_sign_without_a_running_stack_says_so_and_makes_no_secret(
    settings: LocalSettings, capsys: pytest.CaptureFixture[str]
) -> None:
    """It used to make a new secret in ./.kring and print a curl for :3000 that no stack would accept."""
    sample = ROOT / "events" / "http" / "greenhouse_job_post_published.json"
    assert main(["sign", "greenhouse", str(sample)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""  # nothing for `| sh` to run
    assert f"No Kring stack is running with the data folder {settings.data_dir}" in captured.err
    assert "make run" in captured.err
    assert not settings.data_dir.exists()


def test_sign_for_a_stack_that_stopped_says_so(
    running_gateway: LocalSettings, capsys: pytest.CaptureFixture[str]
) -> None:
    note = running_gateway.data_dir / running.NOTE
    note.write_text(json.dumps({**json.loads(note.read_text()), "pid": 2**22 + 1}))  # no such process
    sample = ROOT / "events" / "http" / "greenhouse_job_post_published.json"
    assert main(["sign", "greenhouse", str(sample)]) == 1
    assert "is not running any more" in capsys.readouterr().err


def test_sign_on_another_port_than_the_stacks_says_which_it_serves(
    running_gateway: LocalSettings, capsys: pytest.CaptureFixture[str]
) -> None:
    sample = ROOT / "events" / "http" / "greenhouse_job_post_published.json"
    assert main(["sign", "greenhouse", str(sample)]) == 1  # KRING_PORT=3999, the stack is elsewhere
    err = capsys.readouterr().err
    assert f"serves {running_gateway.gateway_url}, not http://127.0.0.1:3999" in err


def test_dlq_redrive_puts_back_every_queue_it_can_and_says_what_it_left(
    settings: LocalSettings, capsys: pytest.CaptureFixture[str]
) -> None:
    """The job poller's DLQ (failed schedule firings) sorts first and used to stop the redrive:
    thousands of parked clicks behind it stayed parked."""
    stack = template_stack(settings)
    store = queue_store(settings, stack)
    queues = stack.queues()
    store.send(
        queues["JobPollerDLQ"].name, '{"provider": "lever"}', attributes={"ERROR_MESSAGE": "feed down"}
    )
    for n in range(3):
        store.send(queues["LinkActivityDLQ"].name, json.dumps({"click": n}))
    rule_dlq = queues["VacancyPublishedRuleDLQ"].name
    event = {"id": "e-1", "source": "kring.ats", "detail-type": "VacancyPublished", "detail": {}}
    store.send(rule_dlq, json.dumps(event), attributes={"RULE": "NoSuchRule", "RULE_TARGET": "x"})
    store.close()

    assert main(["dlq", "redrive"]) == 0
    out = capsys.readouterr().out
    assert f"{queues['LinkActivityDLQ'].name}: 3 message(s) put back" in out
    assert (
        f"{queues['JobPollerDLQ'].name}: 0 message(s) put back; 1 left parked: failed schedule firings" in out
    )
    assert f"{rule_dlq}: 0 message(s) put back; 1 left parked: no target of template.yaml" in out
    assert "3 message(s) put back, 2 left parked" in out
    store = queue_store(settings, stack)
    try:
        assert len(store.messages(queues["LinkActivityQueue"].name)) == 3
        assert len(store.messages(queues["JobPollerDLQ"].name)) == 1
    finally:
        store.close()


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


def test_every_ats_gets_its_own_webhook_secret_and_the_environment_wins(
    settings: LocalSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KRING_WEBHOOK_SECRET_LEVER", "lever-given")
    kept = kept_secrets(LocalSettings())
    webhook_secrets = {p: kept[f"webhook-secret-{p}"] for p in PROVIDERS}
    assert webhook_secrets["lever"] == "lever-given"
    assert len(set(webhook_secrets.values())) == len(PROVIDERS)  # none shared
    assert all(kept[f"ats-api-key-{p}"] for p in KEYED_PROVIDERS)  # for the local fake
    assert kept["identity-hash-key"] not in (kept["visitor-hash-key"], kept["admin-token"])


def test_by_default_every_ats_api_is_the_local_fake(settings: LocalSettings) -> None:
    env = function_environment(template_stack(settings), settings, kept_secrets(settings), 4000)
    for provider in PROVIDERS:
        assert env[f"{provider.upper()}_API_URL"] == f"{settings.ats_api_url}/{provider}"
    assert env["LEVER_POSTINGS_URL"] == f"{settings.ats_api_url}/lever-postings"
    assert env["LEVER_SITE"] == "kring-demo"  # the demo's postings on the fake


def test_vacancy_notices_gather_twenty_seconds_locally_unless_told_otherwise(
    settings: LocalSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = function_environment(template_stack(settings), settings, kept_secrets(settings), 4000)
    assert env["INSTANT_NOTICE_DELAY_SECONDS"] == "20"  # 300 in AWS: too long to watch on make run
    monkeypatch.setenv("KRING_INSTANT_DELAY_SECONDS", "0")
    given = LocalSettings()
    stack = template_stack(given)
    for function in ("MailInstantFunction", "MailSenderFunction"):
        assert stack.functions()[function].environment["INSTANT_NOTICE_DELAY_SECONDS"] == "0"


def test_an_ats_api_key_points_that_ats_at_its_real_api_with_the_key(
    settings: LocalSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """KRING_ATS_API_KEY_* was documented and ignored: the functions got a generated key, and the fake."""
    monkeypatch.setenv("KRING_ATS_API_KEY_TEAMTAILOR", "tt-real-key")
    given = LocalSettings()
    secrets = kept_secrets(given)
    env = function_environment(template_stack(given), given, secrets, 4000)
    assert env["KRING_ATS_API_KEY_TEAMTAILOR"] == "tt-real-key"
    assert env["TEAMTAILOR_API_URL"] == "https://api.teamtailor.com/v1"  # as the template gives it
    assert env["LEVER_API_URL"] == f"{given.ats_api_url}/lever"  # the others stay on the fake
    assert "tt-real-key" not in (given.data_dir / "secrets.json").read_text()  # used, not written down


def test_a_real_lever_account_site_and_eu_host(
    settings: LocalSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KRING_LEVER_SITE", "acme")
    monkeypatch.setenv("KRING_LEVER_API_HOST", "api.eu.lever.co")
    monkeypatch.setenv("KRING_ATS_API_KEY_LEVER", "lever-real-key")
    given = LocalSettings()
    env = function_environment(template_stack(given), given, kept_secrets(given), 4000)
    assert env["LEVER_SITE"] == "acme"
    assert env["LEVER_POSTINGS_URL"] == "https://api.eu.lever.co/v0/postings"
    assert env["LEVER_API_URL"] == "https://api.eu.lever.co/v1"
    assert env["KRING_ATS_API_KEY_LEVER"] == "lever-real-key"
    assert env["WORKABLE_API_URL"] == f"{given.ats_api_url}/workable"


def test_a_real_workable_account_needs_its_subdomain_and_key(
    settings: LocalSettings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("KRING_WORKABLE_SUBDOMAIN", "acme")
    assert main([]) == 2
    assert "KRING_ATS_API_KEY_WORKABLE" in capsys.readouterr().err
    monkeypatch.setenv("KRING_ATS_API_KEY_WORKABLE", "wk-real-key")
    given = LocalSettings()
    env = function_environment(template_stack(given), given, kept_secrets(given), 4000)
    assert env["WORKABLE_API_URL"] == "https://acme.workable.com/spi/v3"


def test_the_stack_will_not_listen_beyond_this_machine(
    settings: LocalSettings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("KRING_HOST", "0.0.0.0")  # noqa: S104 - refused
    assert main([]) == 2
    assert "KRING_HOST" in capsys.readouterr().err
    assert not settings.data_dir.exists()


def test_the_banner_prints_each_command_with_the_settings_in_force(tmp_path: Path) -> None:
    data = tmp_path / "kring data"
    custom = LocalSettings(port=3100, data_dir=data)
    assert command_prefix(custom) == f"KRING_DATA_DIR='{data}' KRING_PORT=3100 "
    assert command_prefix(LocalSettings(port=3000, data_dir=Path(".kring"))) == ""


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


def test_single_sign_on_is_off_locally_unless_an_issuer_and_a_client_are_given(
    settings: LocalSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = function_environment(template_stack(settings), settings, kept_secrets(settings), 4000)
    assert (env["OIDC_ISSUER"], env["OIDC_CLIENT_ID"]) == ("", "")
    assert "KRING_OIDC_CLIENT_SECRET" not in env
    monkeypatch.setenv("KRING_OIDC_ISSUER", "https://login.microsoftonline.com/tenant-id/v2.0")
    monkeypatch.setenv("KRING_OIDC_CLIENT_ID", "client-id")
    monkeypatch.setenv("KRING_OIDC_CLIENT_SECRET", "client-secret")
    given = LocalSettings()
    env = function_environment(template_stack(given), given, kept_secrets(given), 4000)
    assert env["OIDC_ISSUER"] == "https://login.microsoftonline.com/tenant-id/v2.0"
    assert (env["OIDC_CLIENT_ID"], env["KRING_OIDC_CLIENT_SECRET"]) == ("client-id", "client-secret")
    assert "client-secret" not in (given.data_dir / "secrets.json").read_text()  # used, not written down
