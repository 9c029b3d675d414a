"""`csj sandbox` refuses bad flags and a taken port clearly, before starting anything."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from flask import Flask

from syndication.cli import main
from tests.conftest import EXAMPLE_CONFIG


def _run(*args: str):
    return CliRunner().invoke(main, ["--config", str(EXAMPLE_CONFIG), "sandbox", *args])


def test_sandbox_refuses_a_taken_port(serve):
    url = serve(Flask("other"))
    result = _run("--bind", url.removeprefix("http://"))
    assert result.exit_code == 1 and "already in use" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["--fault", "draft/add=explode"], "kind must be", id="bad-fault-kind"),
        pytest.param(["--fault", "draft/add"], "ENDPOINT=KIND", id="fault-without-kind"),
        pytest.param(
            ["--fault", "draft/add=drop@nobody"], "unknown account", id="fault-unknown-account"
        ),
        pytest.param(["--publish-status", "7"], "0<=x<=6", id="publish-status-7"),
        pytest.param(["--fail-idx", "a,b"], "article indexes", id="fail-idx-not-numbers"),
        pytest.param(["--publish-delay", "-1"], "0<=x<=86400", id="negative-delay"),
    ],
)
def test_sandbox_refuses_bad_flags(args, message):
    result = _run(*args)
    assert result.exit_code == 2 and message in result.output


def test_sandbox_refuses_a_bad_delay_in_the_config(tmp_path):
    text = EXAMPLE_CONFIG.read_text("utf-8").replace("publish_delay = 5.0", "publish_delay = -1.0")
    path = tmp_path / "config.toml"
    path.write_text(text, "utf-8")
    result = CliRunner().invoke(main, ["--config", str(path), "sandbox"])
    assert result.exit_code == 1 and "sandbox.publish_delay" in result.output


def test_sandbox_help_lists_the_fault_syntax():
    result = _run("--help")
    assert result.exit_code == 0 and "ENDPOINT=KIND" in result.output


def test_run_refuses_clearly_when_the_sandbox_port_is_taken(serve, tmp_path):
    import socket

    taken = serve(Flask("other")).removeprefix("http://")
    text = EXAMPLE_CONFIG.read_text("utf-8").replace('bind = "127.0.0.1:8090"', f'bind = "{taken}"')
    path = tmp_path / "config.toml"
    path.write_text(text, "utf-8")
    with socket.socket() as probe:  # a port free right now, for the webhook
        probe.bind(("127.0.0.1", 0))
        free = f"127.0.0.1:{probe.getsockname()[1]}"
    result = CliRunner().invoke(main, ["--config", str(path), "run", "--bind", free])
    assert result.exit_code == 1 and f"sandbox: {taken} is already in use" in result.output
