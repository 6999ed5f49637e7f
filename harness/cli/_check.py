"""`chat-conformance check FILE`: judge one captured answer offline, streaming it from disk."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from ..cases import Expect, Step
from ..errors import UsageError
from ..importers import open_capture
from ..validators import Finding, Severity, judge_exchange
from ._clients import clients_option, selected_clients
from ._errors import EXIT_FINDINGS, EXIT_OK, handle_input_errors

__all__ = ["check"]


def _load_request(path: Path | None) -> dict | None:
    if path is None:
        return None
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"--request {path}: cannot read: {exc.strerror}") from None
    except ValueError as exc:
        raise UsageError(f"--request {path}: not JSON ({exc})") from None
    if not isinstance(value, dict):
        raise UsageError(f"--request {path}: a request body is a JSON object")
    return value


def _status_expectation(text: str) -> int | str:
    if text.isdigit() and 100 <= int(text) <= 599:
        return int(text)
    if len(text) == 3 and text[0] in "12345" and text[1:] == "xx":
        return text
    raise UsageError(f"--expect-status {text!r}: give a status such as 200 or a class such as 2xx or 4xx")


def _print_text(file: Path, kind: str, assumed: list[str], judged: list[tuple[str, list[Finding], list]]) -> None:
    click.echo(f"{file} ({kind})")
    for note in assumed:
        click.echo(f"  assumed: {note}")
    for step, findings, outcomes in judged:
        if len(judged) > 1:
            click.echo(f"  {step}:")
        if not findings:
            click.echo("    no findings")
        for finding in sorted(findings, key=lambda f: -f.severity):
            where = f" [{finding.location}]" if str(finding.location) else ""
            count = f" (×{finding.count})" if finding.count > 1 else ""
            click.echo(f"    {finding.severity}: {finding.rule}: {finding.message}{count}{where}")
            if finding.evidence:
                click.echo(f"      evidence: {finding.evidence}")
        if outcomes:
            click.echo("    clients:")
        for outcome in outcomes:
            click.echo(f"      {outcome.name} {outcome.version or ''}: {outcome.outcome}: {outcome.detail}")


@click.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--request", "request_path", type=click.Path(path_type=Path), help="The JSON request body that was sent (tools, tool_choice, n… sharpen the verdict).")
@click.option("--profile", type=click.Choice(["openai", "vertex"]), default="openai", show_default=True, help="Schema profile the answer is judged by.")
@click.option(
    "--expect-status",
    default=None,
    help="The status the answer should have (200, 2xx, 4xx…). Default: 4xx when --request is not a valid OpenAI request, else 2xx.",
)
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--fail-on", type=click.Choice(["error", "warning"]), default="error", show_default=True)
@clients_option
@handle_input_errors
def check(file: Path, request_path: Path | None, profile: str, expect_status: str | None, output_format: str, fail_on: str, clients_choice: str) -> None:
    """Judge one captured answer: a `curl -i` capture, a bare SSE or JSON body, or a recording
    (ours, or a vcrpy or go-vcr cassette, a vcrpy text dump, documentation examples).

    A capture or a bare body is read as a stream, so any size works. Whatever the body holds (HTML,
    a JSON array, a truncated stream) is judged; exit 2 only when FILE cannot be read or is none of
    these forms.
    """
    from ..validators import ClientPanel, client_note, profile_schemas  # the client layer and jsonschema: only when judging

    request = _load_request(request_path)
    expectation_note = None
    if expect_status is None:
        issues = profile_schemas("openai").request(request) if request is not None else []
        expect_status = "4xx" if issues else "2xx"
        if issues:
            expectation_note = f"the request is not a valid OpenAI request ({issues[0].pointer or '/'}: {issues[0].message}), so a 4xx is expected"
    status = _status_expectation(expect_status)
    capture = open_capture(file)
    assumed = list(capture.assumed) + ([expectation_note] if expectation_note else [])
    if request is None and not all(isinstance(exchange.request.json(), dict) for exchange in capture.exchanges):
        # A recording holds the request of each exchange; only a bare answer leaves it to assume.
        assumed.append("without --request the tools the answer names count as declared, and streaming is read from the content type")
    names = selected_clients(clients_choice)
    panel = None
    if names:
        from ..clients import ClientRunner

        panel = ClientPanel(ClientRunner(), list(names))
    judged: list[tuple[str, list[Finding], list]] = []
    for exchange in capture.exchanges:
        sent = request if request is not None else exchange.request.json()
        stream = bool(sent.get("stream")) if isinstance(sent, dict) else capture.kind == "sse"
        step = Step(name=exchange.step, body=sent or {"stream": stream}, expect=Expect(status=status, streamed=None))
        response = exchange.response
        chunks = None
        if capture.path is not None:
            if response is not None and response.content_type == "text/event-stream" and 200 <= response.status < 300:
                chunks = capture.body  # judged as it is read: constant memory
                if request is None:
                    step = Step(name=step.name, body={**step.body, "stream": True}, expect=step.expect)
            else:
                response.chunks = list(capture.body())
        judgement = judge_exchange(exchange, step, request=sent, profile=profile, chunks=chunks, clients=panel)
        judged.append((exchange.step, judgement.findings, judgement.clients))
    if panel is not None:
        panel.runner.close()
    threshold = Severity.parse(fail_on)
    if output_format == "json":
        click.echo(
            json.dumps(
                {
                    "file": str(file),
                    "form": capture.kind,
                    "profile": profile,
                    "assumed": assumed,
                    "exchanges": [
                        {"step": step, "findings": [f.to_json() for f in findings], "clients": [client_note(o).to_json() for o in outcomes]}
                        for step, findings, outcomes in judged
                    ],
                },
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        _print_text(file, capture.kind, assumed, judged)
    failed = any(f.severity >= threshold for _, findings, _ in judged for f in findings)
    sys.exit(EXIT_FINDINGS if failed else EXIT_OK)
