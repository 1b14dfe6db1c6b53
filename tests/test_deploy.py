"""deploy/compose.yaml: it parses, and what it runs exists (no Docker engine here to start it)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import yaml

from app.cli import build_parser
from app.settings import Settings

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"


def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    return data


def test_deploy_compose_has_every_part() -> None:
    services = compose()["services"]
    assert set(services) == {"postgres", "redis", "balancer", "server-a", "server-b", "worker-1", "worker-2"}
    for name in ("server-a", "server-b", "worker-1", "worker-2"):
        env = services[name]["environment"]
        assert env["SECONDEAR_DATABASE_URL"].startswith("postgresql+psycopg://")
        assert env["SECONDEAR_REDIS_URL"].startswith("redis://redis:")


def test_deploy_commands_and_settings_exist() -> None:
    services = compose()["services"]
    fields = set(Settings.model_fields)
    for name, service in services.items():
        if service.get("image", "").startswith("secondear"):
            argv = service["command"]
            assert argv[0] == "secondear", name
            # argparse exits on an unknown command or option: the compose file drifted from the CLI.
            build_parser(argv[1:]).parse_args(argv[1:])
            for key in service["environment"]:
                assert key.startswith("SECONDEAR_") and key[10:].lower() in fields, f"{name}: {key}"
    assert shlex.join(services["redis"]["command"]).startswith("redis-server")


def test_deploy_balancer_routes_audio_by_call_id_and_the_rest_to_either_server() -> None:
    conf = (DEPLOY / "nginx.conf").read_text()
    assert "hash $call_key consistent" in conf
    keyed = re.findall(r"^\s*~(\S+)\s+\$id;", conf, re.MULTILINE)
    # Only the audio sockets need the call's process; events are relayed and requests forwarded.
    assert keyed == ["^/ws/calls/(?<id>[A-Za-z0-9]+)/audio$"]
    assert re.search(r"default\s+\$request_id;", conf)
    assert {"server-a:8000", "server-b:8000"} <= set(re.findall(r"server (\S+:\d+)", conf))
    mounted = compose()["services"]["balancer"]["volumes"][0].split(":")[0]
    assert (DEPLOY / mounted).resolve() == DEPLOY / "nginx.conf"
