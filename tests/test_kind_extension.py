"""A fourth endpoint kind, added in this one file: a config file using it loads, `list` shows it,
a case for it runs against a local server, and the request goes to the kind's own URL.

The kind is shaped like Azure OpenAI: its own URL scheme
(`{base_url}/openai/deployments/{deployment}/chat/completions?api-version=...`) and a required
setting that no built-in kind has (`deployment`). Nothing in harness/ names it, so a place that
still enumerated the kinds (a schema enum, a click.Choice, a table keyed by kind) fails here.

The kind is defined inside a fixture and unregistered afterwards: defined at module level it
would be registered when pytest collects this file, and every other test would see four kinds.
"""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from harness.cli import cli
from harness.endpoints import (
    EndpointKind,
    KindSetting,
    chat_completions_url,
    endpoint_kinds,
    load_config,
    unregister_kind,
)
from harness.errors import CaseError, ConfigError

from .conftest import REPO
from .servers import Reply, ScriptedServer, completion

API_VERSION = "2024-10-21"
DEPLOYMENT = "gpt-4o-mini"


def _segment(value: str) -> None:
    if not re.fullmatch(r"[A-Za-z0-9._-]+", value):
        raise ValueError(f"{value!r} is not a deployment name (letters, digits, '.', '_' and '-')")


@pytest.fixture(scope="module")
def azure_kind():
    class AzureOpenAI(EndpointKind):
        name = "azure-openai"
        description = "Azure OpenAI: a model deployment under {base_url}/openai/deployments/"
        required = ("base_url", "deployment")
        settings = {
            "deployment": KindSetting("the deployment's name", example=DEPLOYMENT, check=_segment),
            "azure_api_version": KindSetting("the api-version query parameter", example=API_VERSION),
        }

        def build_url(self, endpoint, overrides):
            version = endpoint.settings.get("azure_api_version", API_VERSION)
            base = endpoint.base_url.rstrip("/")
            return f"{base}/openai/deployments/{endpoint.settings['deployment']}/chat/completions?api-version={version}"

    yield AzureOpenAI
    unregister_kind("azure-openai")


def _config(tmp_path: Path, base_url: str, extra: str = "") -> Path:
    path = tmp_path / "chat-conformance.yaml"
    path.write_text(
        textwrap.dedent(
            f"""\
            endpoints:
              my-azure:
                kind: azure-openai
                base_url: {base_url}
                deployment: {DEPLOYMENT}
                model: {DEPLOYMENT}
            """
        )
        + extra
    )
    return path


CASE = """\
id: {id}
title: plain chat
source: {{document: test, section: a fourth kind}}
feature: chat.basic
applies_to: [{kind}]
steps:
  - name: chat
    request:
      body: {{model: "{{model}}", messages: [{{role: user, content: hi}}]}}
"""


def test_the_kind_is_registered_beside_the_built_in_ones(azure_kind) -> None:
    assert list(endpoint_kinds()) == ["vertex", "vertex-endpoint", "openai-compatible", "azure-openai"]
    assert isinstance(endpoint_kinds()["azure-openai"], azure_kind)
    with pytest.raises(TypeError):
        endpoint_kinds()["azure-openai"] = endpoint_kinds()["vertex"]  # type: ignore[index]


def test_a_config_file_using_the_kind_loads(tmp_path: Path, azure_kind) -> None:
    endpoint = load_config(_config(tmp_path, "http://127.0.0.1:9/"), environ={})["my-azure"]
    assert (endpoint.kind, dict(endpoint.settings), endpoint.auth.type, endpoint.effective_profile) == (
        "azure-openai", {"deployment": DEPLOYMENT}, "none", "openai"
    )
    assert chat_completions_url(endpoint) == (
        f"http://127.0.0.1:9/openai/deployments/{DEPLOYMENT}/chat/completions?api-version={API_VERSION}"
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda text: text.replace(f"    deployment: {DEPLOYMENT}\n", ""),
            f"2: endpoints.my-azure: kind azure-openai needs `deployment`; add e.g. `deployment: {DEPLOYMENT}`",
        ),
        (
            lambda text: text.replace("kind: azure-openai", "kind: azure-openia"),
            "3: endpoints.my-azure.kind: unknown kind 'azure-openia' (did you mean azure-openai?); "
            "use one of vertex, vertex-endpoint, openai-compatible, azure-openai",
        ),
        (
            lambda text: text.replace(f"deployment: {DEPLOYMENT}", "deployment: a/b"),
            "5: endpoints.my-azure.deployment: 'a/b' is not a deployment name (letters, digits, '.', '_' and '-')",
        ),
        (
            lambda text: text + "    project: p\n",
            "7: endpoints.my-azure: key 'project' only applies to kind vertex and vertex-endpoint, not azure-openai; "
            "remove it or change `kind`",
        ),
    ],
    ids=["missing-own-setting", "typo-in-kind", "bad-setting-value", "vertex-field"],
)
def test_config_mistakes_name_file_line_and_fix(tmp_path: Path, azure_kind, change, message: str) -> None:
    path = _config(tmp_path, "http://127.0.0.1:9/")
    path.write_text(change(path.read_text()))
    with pytest.raises(ConfigError) as caught:
        load_config(path, environ={})
    assert str(caught.value) == f"{path}:{message}"


def test_list_shows_the_kind_and_an_endpoint_of_it(tmp_path: Path, azure_kind) -> None:
    config = _config(tmp_path, "http://127.0.0.1:9")
    runner = CliRunner()
    endpoints = runner.invoke(cli, ["list", "endpoints", "--config", str(config)])
    assert endpoints.exit_code == 0, endpoints.output
    row = next(line for line in endpoints.output.splitlines() if "my-azure" in line)
    assert "azure-openai" in row
    assert f"http://127.0.0.1:9/openai/deployments/{DEPLOYMENT}/chat/completions?api-version={API_VERSION}" in row
    kinds = runner.invoke(cli, ["list", "kinds"])
    row = next(line for line in kinds.output.splitlines() if "azure-openai" in line)
    assert "base_url, deployment" in row and "Azure OpenAI" in row
    # --kind's choices and help come from the registry when the command runs.
    help_text = " ".join(runner.invoke(cli, ["run", "--help"]).output.split())
    assert "openai-compatible|azure-openai]" in help_text
    assert "azure-openai: Azure OpenAI: a model deployment" in help_text


def _run(tmp_path: Path, *args: str) -> tuple[int, str, dict]:
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli, ["run", "--mode", "live", "--cases", str(tmp_path / "cases"), "--no-bundled-cases", "--report-dir", str(out), *args]
    )
    report = json.loads((out / "report.json").read_text()) if (out / "report.json").is_file() else {}
    return result.exit_code, result.output, report


def test_a_case_for_the_kind_runs_against_a_local_server_at_the_kinds_url(tmp_path: Path, azure_kind) -> None:
    (tmp_path / "cases").mkdir()
    (tmp_path / "cases" / "azure.yaml").write_text(CASE.format(id="azure-chat", kind="azure-openai"))
    (tmp_path / "cases" / "other.yaml").write_text(CASE.format(id="other-chat", kind="openai-compatible"))
    with ScriptedServer(lambda request: Reply.json(completion(model=DEPLOYMENT))) as server:
        config = _config(tmp_path, server.url)
        code, output, report = _run(tmp_path, "--config", str(config), "--endpoint", "my-azure")
    assert code == 0, output
    (request,) = server.received  # the case for another kind sent nothing
    assert request.path == f"/openai/deployments/{DEPLOYMENT}/chat/completions?api-version={API_VERSION}"
    assert request.json()["model"] == DEPLOYMENT
    verdicts = {r["case"]: (r["verdict"], r.get("skip_reason")) for r in report["results"]}
    assert verdicts == {"azure-chat": ("pass", None), "other-chat": ("skip", "not-applicable")}
    assert report["endpoints"] == [
        {
            "name": "my-azure",
            "kind": "azure-openai",
            "profile": "openai",
            "model": DEPLOYMENT,
            "url": f"{server.url}/openai/deployments/{DEPLOYMENT}/chat/completions?api-version={API_VERSION}",
        }
    ]
    # report.schema.json does not enumerate kinds, so the new one reports without a schema change.
    schema = json.loads((REPO / "schemas" / "report.schema.json").read_text())
    jsonschema.Draft202012Validator(schema).validate(report)


def test_ad_hoc_flags_describe_an_endpoint_of_the_kind(tmp_path: Path, azure_kind) -> None:
    (tmp_path / "cases").mkdir()
    (tmp_path / "cases" / "azure.yaml").write_text(CASE.format(id="azure-chat", kind="azure-openai"))
    with ScriptedServer(lambda request: Reply.json(completion())) as server:
        args = ("--kind", "azure-openai", "--base-url", server.url, "--model", "m", "--setting", "deployment=other",
                "--setting", "azure_api_version=2025-01-01")  # fmt: skip
        code, output, _ = _run(tmp_path, *args)
        assert code == 0, output
        assert [r.path for r in server.received] == ["/openai/deployments/other/chat/completions?api-version=2025-01-01"]
        code, output, _ = _run(tmp_path, "--kind", "azure-openai", "--base-url", server.url, "--setting", "deploymnet=x")
    assert code == 2
    assert "--setting deploymnet: kind azure-openai has no setting 'deploymnet' (did you mean deployment?)" in output


def test_a_case_file_with_a_typo_in_the_kind_names_file_line_and_the_close_match(tmp_path: Path, azure_kind) -> None:
    from harness.cases import load_case_file

    path = tmp_path / "azure.yaml"
    path.write_text(CASE.format(id="azure-chat", kind="azure-opena"))
    with pytest.raises(CaseError) as caught:
        load_case_file(path, known_rules=())
    assert str(caught.value) == (
        f"{path}:5: applies_to/0: unknown kind 'azure-opena' (did you mean azure-openai?); "
        "use one of vertex, vertex-endpoint, openai-compatible, azure-openai"
    )


def test_a_second_kind_with_a_taken_name_fails_when_it_is_defined() -> None:
    with pytest.raises(ValueError, match=r"endpoint kind 'vertex' registered twice \(harness\.endpoints\.kinds\.vertex\.Vertex and "):

        class Impostor(EndpointKind):
            name = "vertex"
            description = "not the real one"

    assert type(endpoint_kinds()["vertex"]).__module__ == "harness.endpoints.kinds.vertex"
