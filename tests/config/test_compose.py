"""The production shape: docker-compose.yml, the Dockerfile and .dockerignore.

Docker does not run on these machines, so the files are parsed and checked
here: the services and their order, ports, healthchecks, commands, that no
secret is written down, and that the environment compose hands the app makes
settings that load in production.
"""

from __future__ import annotations

import http.server
import json
import os
import re
import shlex
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"

SECRET_NAME = re.compile(r"SECRET|PASSWORD|PASSWD|TOKEN|_KEY$", re.IGNORECASE)
# ${NAME}, ${NAME:?message} or ${NAME:-} (empty when unset): never a written-down default.
INTERPOLATION = re.compile(r"^\$\{[A-Z_][A-Z0-9_]*(:?\?[^}]*|:-)?\}$")


# --- docker-compose.yml ------------------------------------------------------------------


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(COMPOSE_FILE.read_text())
    return data


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = compose["services"]
    return found


def interpolate(value: str, env: dict[str, str]) -> str:
    """Compose's variable substitution: $$, $VAR, ${VAR}, ${VAR:-default}, ${VAR-default},
    ${VAR:?error}, ${VAR?error}, ${VAR:+alt}; defaults may nest."""
    out: list[str] = []
    i = 0
    while i < len(value):
        char = value[i]
        if char != "$":
            out.append(char)
            i += 1
            continue
        if value.startswith("$$", i):
            out.append("$")
            i += 2
            continue
        if value.startswith("${", i):
            depth, j = 1, i + 2
            while depth:
                if value.startswith("${", j):
                    depth, j = depth + 1, j + 2
                    continue
                depth += {"{": 0, "}": -1}.get(value[j], 0)
                j += 1
            out.append(_expand(value[i + 2 : j - 1], env))
            i = j
            continue
        name = re.match(r"[A-Za-z_][A-Za-z0-9_]*", value[i + 1 :])
        assert name, f"a lone $ in {value!r}"
        out.append(env.get(name.group(0), ""))
        i += 1 + name.end()
    return "".join(out)


def _expand(expression: str, env: dict[str, str]) -> str:
    match = re.fullmatch(r"([A-Za-z_][A-Za-z0-9_]*)(?:(:?)([-?+])(.*))?", expression, re.S)
    assert match, f"unsupported substitution ${{{expression}}}"
    name, colon, operator, argument = match.groups()
    is_set = name in env and (env[name] != "" or not colon)
    if operator is None:
        return env.get(name, "")
    if operator == "-":
        return env[name] if is_set else interpolate(argument, env)
    if operator == "+":
        return interpolate(argument, env) if is_set else ""
    if not is_set:
        raise LookupError(f"{name}: {argument}")
    return env[name]


def resolved_environment(service: dict[str, Any], env: dict[str, str]) -> dict[str, str]:
    environment = service.get("environment", {})
    assert isinstance(environment, dict), "environment as a mapping, one variable a line"
    return {name: interpolate(str(value), env) for name, value in environment.items()}


def walk_strings(node: Any, path: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield from walk_strings(value, f"{path}.{key}" if path else str(key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from walk_strings(value, f"{path}[{index}]")
    elif isinstance(node, str):
        yield path, node


def test_the_default_services_and_the_replica_and_edge_profiles(
    services: dict[str, dict[str, Any]],
) -> None:
    default = {name for name, service in services.items() if not service.get("profiles")}
    assert default == {"db", "migrate", "app", "scheduler"}
    assert {name for name in services if name not in default} == {"replica", "reader", "varnish"}
    for name in ("replica", "reader"):
        assert services[name]["profiles"] == ["replica"]
    assert services["varnish"]["profiles"] == ["edge"]


def test_the_edge_runs_the_projects_vcl_in_front_of_the_app(
    services: dict[str, dict[str, Any]],
) -> None:
    varnish = services["varnish"]
    assert re.fullmatch(r"varnish:7\.\d+", varnish["image"])  # 7.1+ ships varnish-modules
    assert "./deploy/varnish/default.vcl:/etc/varnish/default.vcl:ro" in varnish["volumes"]
    vcl = (ROOT / "deploy" / "varnish" / "default.vcl").read_text()
    assert '.host = "app";' in vcl and '.port = "8000";' in vcl
    assert "app" in varnish["depends_on"]
    assert services["app"]["environment"]["CDN_PURGE_URLS"] == "${CDN_PURGE_URLS:-}"


def test_db_is_postgresql_with_a_healthcheck_and_a_named_volume(
    compose: dict[str, Any], services: dict[str, dict[str, Any]]
) -> None:
    db = services["db"]
    assert re.fullmatch(r"postgres:1[56](\.\d+)?(-[a-z0-9]+)?", db["image"])
    test = db["healthcheck"]["test"]
    assert test[0] == "CMD-SHELL"
    assert test[1].startswith("pg_isready")
    assert db["healthcheck"]["retries"] >= 3
    volume, _, target = db["volumes"][0].partition(":")
    assert target == "/var/lib/postgresql/data"
    assert volume in compose["volumes"], "a named volume, declared at the top level"
    assert "ports" not in db, "the database is not published outside the compose network"


def test_the_scheduler_runs_the_app_image_after_the_migration(
    services: dict[str, dict[str, Any]],
) -> None:
    scheduler, app = services["scheduler"], services["app"]
    assert scheduler["image"] == app["image"]
    assert scheduler["command"] == ["python", "manage.py", "run_scheduler"]
    assert scheduler["restart"] == "unless-stopped"
    assert scheduler["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert "ports" not in scheduler


def test_migrate_is_a_one_shot_of_the_app_image_after_the_database(
    services: dict[str, dict[str, Any]],
) -> None:
    migrate, app = services["migrate"], services["app"]
    assert migrate["image"] == app["image"]
    assert migrate["build"] == app["build"]
    assert migrate["command"] == ["python", "manage.py", "migrate", "--noinput"]
    assert migrate.get("restart", "no") == "no"
    assert migrate["depends_on"] == {"db": {"condition": "service_healthy"}}
    assert "ports" not in migrate


def test_app_is_built_from_the_dockerfile_and_starts_after_migrations(
    services: dict[str, dict[str, Any]],
) -> None:
    app = services["app"]
    build = app["build"]
    context = build if isinstance(build, str) else build["context"]
    dockerfile = "Dockerfile" if isinstance(build, str) else build.get("dockerfile", "Dockerfile")
    assert (ROOT / context / dockerfile).resolve() == DOCKERFILE
    assert app["depends_on"] == {
        "db": {"condition": "service_healthy"},
        "migrate": {"condition": "service_completed_successfully"},
    }
    # No command of its own: the image's CMD (uvicorn, several workers) runs.
    assert "command" not in app
    assert "entrypoint" not in app


def test_app_publishes_port_8000(services: dict[str, dict[str, Any]]) -> None:
    ports = services["app"]["ports"]
    assert len(ports) == 1
    published, _, target = str(ports[0]).rpartition(":")
    assert target == "8000"
    assert interpolate(published, {}) == "8000"
    assert interpolate(published, {"APP_PORT": "9000"}) == "9000"


def test_app_runs_several_workers_in_production(services: dict[str, dict[str, Any]]) -> None:
    env = {"SECRET_KEY": "s" * 64, "METRICS_TOKEN": "m" * 16, "POSTGRES_PASSWORD": "pw"}
    environment = resolved_environment(services["app"], env)
    assert environment["APP_ENV"] == "production"
    assert int(environment["WEB_CONCURRENCY"]) >= 2
    assert environment["ALLOWED_HOSTS"]


def test_secrets_come_from_the_environment_and_are_required(
    services: dict[str, dict[str, Any]],
) -> None:
    for name in ("migrate", "app"):
        environment = services[name]["environment"]
        assert environment["SECRET_KEY"].startswith("${SECRET_KEY:?")
        assert environment["DATABASE_URL"].startswith("${DATABASE_URL")
    assert services["db"]["environment"]["POSTGRES_PASSWORD"].startswith("${POSTGRES_PASSWORD:?")


@pytest.mark.parametrize("missing", ["SECRET_KEY", "METRICS_TOKEN", "POSTGRES_PASSWORD"])
@pytest.mark.parametrize("empty", [False, True])
def test_compose_refuses_to_start_without_a_secret(
    compose: dict[str, Any], missing: str, empty: bool
) -> None:
    """Compose interpolates the whole file first: one missing secret stops every service."""
    complete = {"SECRET_KEY": "k" * 64, "METRICS_TOKEN": "m" * 16, "POSTGRES_PASSWORD": "pw"}
    for _path, value in walk_strings(compose):
        interpolate(value, complete)
    env = {key: value for key, value in complete.items() if key != missing}
    if empty:
        env[missing] = ""
    with pytest.raises(LookupError, match=f"{missing}: set {missing}"):
        for _path, value in walk_strings(compose):
            interpolate(value, env)


def test_no_secret_is_written_in_the_compose_file(compose: dict[str, Any]) -> None:
    for path, value in walk_strings(compose):
        name = path.rsplit(".", 1)[-1]
        if SECRET_NAME.search(name):
            assert INTERPOLATION.match(value), f"{path} must come from the environment: {value!r}"
        # Passwords inside URLs (the default DATABASE_URL) are interpolated too.
        for password in re.findall(r"://[^/:@\s]+:([^@\s]+)@", value):
            assert INTERPOLATION.match(password), f"{path} has a written-down password"


def test_database_url_defaults_to_the_db_service(services: dict[str, dict[str, Any]]) -> None:
    env = {"SECRET_KEY": "k" * 64, "METRICS_TOKEN": "m" * 16, "POSTGRES_PASSWORD": "0123abcd"}
    db = resolved_environment(services["db"], env)
    url = resolved_environment(services["app"], env)["DATABASE_URL"]
    assert url == (f"postgres://{db['POSTGRES_USER']}:0123abcd@db:5432/{db['POSTGRES_DB']}")
    override = {**env, "DATABASE_URL": "postgres://u:p@elsewhere:5432/x"}
    assert resolved_environment(services["app"], override)["DATABASE_URL"] == (
        "postgres://u:p@elsewhere:5432/x"
    )


def test_the_app_environment_makes_production_settings_that_load(
    services: dict[str, dict[str, Any]],
) -> None:
    """What compose hands the app passes the production settings' own checks."""
    key = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
    environment = resolved_environment(
        services["app"], {"SECRET_KEY": key, "METRICS_TOKEN": key, "POSTGRES_PASSWORD": "pw"}
    )
    code = (
        "import json, django; from django.conf import settings; django.setup(); "
        "db = settings.DATABASES['default']; "
        "print(json.dumps([settings.DEBUG, db['HOST'], db['NAME'], settings.ALLOWED_HOSTS]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "DJANGO_SETTINGS_MODULE": "config.settings",
            **environment,
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    debug, host, name, allowed_hosts = json.loads(result.stdout.splitlines()[-1])
    assert debug is False
    assert (host, name) == ("db", "trainers")
    assert allowed_hosts


# --- the "replica" profile -----------------------------------------------------------------


def test_replica_is_a_streaming_hot_standby_cloned_from_db(
    compose: dict[str, Any], services: dict[str, dict[str, Any]]
) -> None:
    replica, db = services["replica"], services["db"]
    assert replica["image"] == db["image"], "a standby runs the primary's major version"
    assert replica["user"] == "postgres"
    script = interpolate(replica["entrypoint"][2], {"POSTGRES_PASSWORD": "pw"})
    assert replica["entrypoint"][:2] == ["sh", "-c"]
    basebackup = next(line for line in script.splitlines() if "pg_basebackup" in line).split()
    assert basebackup[basebackup.index("-h") + 1] == "db"
    assert {"-R", "-X", "stream"} <= set(basebackup)
    assert basebackup[basebackup.index("-D") + 1] == '"$PGDATA"'
    assert 'if [ ! -s "$PGDATA/PG_VERSION" ]' in script, "cloned once, then reused"
    assert script.splitlines()[-1].strip().startswith("exec postgres")
    volume, _, target = replica["volumes"][0].partition(":")
    assert volume in compose["volumes"] and volume != db["volumes"][0].partition(":")[0]
    assert target == "/var/lib/postgresql/data"
    assert replica["depends_on"] == {"db": {"condition": "service_healthy"}}
    assert "pg_is_in_recovery()" in replica["healthcheck"]["test"][1]
    assert "ports" not in replica


def test_db_accepts_replication_connections(services: dict[str, dict[str, Any]]) -> None:
    mounts = [m for m in services["db"]["volumes"] if "docker-entrypoint-initdb.d" in m]
    assert len(mounts) == 1
    source = ROOT / mounts[0].split(":")[0]
    assert "host replication all all scram-sha-256" in source.read_text()


def test_reader_is_the_app_reading_from_the_replica(services: dict[str, dict[str, Any]]) -> None:
    reader, app = services["reader"], services["app"]
    assert (reader["image"], reader["build"]) == (app["image"], app["build"])
    env = {"SECRET_KEY": "k" * 64, "METRICS_TOKEN": "m" * 16, "POSTGRES_PASSWORD": "0123abcd"}
    reader_env = resolved_environment(reader, env)
    app_env = resolved_environment(app, env)
    assert reader_env["READ_DATABASE_URL"] == "postgres://trainers:0123abcd@replica:5432/trainers"
    assert app_env["READ_DATABASE_URL"] == "", "the app itself reads the primary"
    assert reader_env["DATABASE_URL"] == app_env["DATABASE_URL"], "commands go to the primary"
    assert reader["depends_on"] == {
        "replica": {"condition": "service_healthy"},
        "migrate": {"condition": "service_completed_successfully"},
    }
    published = str(reader["ports"][0]).rpartition(":")[0]
    assert interpolate(published, {}) == "8001"


def test_workers_share_their_metrics_through_a_fresh_folder(
    services: dict[str, dict[str, Any]],
) -> None:
    for name in ("app", "reader"):
        folder = services[name]["environment"]["PROMETHEUS_MULTIPROC_DIR"]
        assert folder in services[name]["tmpfs"], "emptied at every start"


# --- Dockerfile --------------------------------------------------------------------------


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    instructions: list[tuple[str, str]] = []
    current = ""
    for raw in DOCKERFILE.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            current += line[:-1] + " "
            continue
        current += line
        keyword, _, arguments = current.partition(" ")
        instructions.append((keyword.upper(), arguments.strip()))
        current = ""
    assert not current, "the Dockerfile ends inside a continued line"
    return instructions


def only(keyword: str) -> str:
    found = [arguments for name, arguments in dockerfile_instructions() if name == keyword]
    assert len(found) == 1, f"exactly one {keyword}, found {found}"
    return found[0]


def test_dockerfile_base_image() -> None:
    froms = [arguments for name, arguments in dockerfile_instructions() if name == "FROM"]
    assert froms[-1].split()[0] == "python:3.11-slim"


def test_dockerfile_runs_uvicorn_with_several_workers() -> None:
    cmd = json.loads(only("CMD"))
    assert cmd[:2] == ["sh", "-c"], "a shell reads WEB_CONCURRENCY at run time"
    line = cmd[2]
    assert line.startswith("exec "), "exec: uvicorn is PID 1 and gets the stop signal"
    args = shlex.split(line.removeprefix("exec "))
    assert args[:2] == ["uvicorn", "config.asgi:application"]
    options = " ".join(args[2:])
    for option in (
        "--host 0.0.0.0",
        "--port 8000",
        "--workers ${WEB_CONCURRENCY:-4}",
        "--no-proxy-headers",
        "--http config.server:Bounded",
        "--timeout-keep-alive 5",
        "--no-access-log",
    ):
        assert option in options
    assert only("EXPOSE") == "8000"


def test_dockerfile_runs_as_an_unprivileged_user() -> None:
    instructions = dockerfile_instructions()
    users = [arguments for name, arguments in instructions if name == "USER"]
    assert users, "a USER instruction"
    assert users[-1].split(":")[0] not in {"root", "0"}
    names = [name for name, _ in instructions]
    assert names.index("USER") < names.index("CMD")


def test_dockerfile_installs_the_project_without_dev_extras() -> None:
    runs = [arguments for name, arguments in dockerfile_instructions() if name == "RUN"]
    installs = [run for run in runs if "pip install" in run]
    assert installs
    assert not any("[dev]" in run or "-e " in run for run in installs)
    copies = [arguments for name, arguments in dockerfile_instructions() if name == "COPY"]
    assert any("pyproject.toml" in copy for copy in copies)


def test_dockerfile_collectstatic_key_is_build_only() -> None:
    instructions = dockerfile_instructions()
    collect = [args for name, args in instructions if name == "RUN" and "collectstatic" in args]
    assert len(collect) == 1
    assert "APP_ENV=production" in collect[0]
    assert "SECRET_KEY=" in collect[0], "a dummy key for this one command"
    # Nothing that outlives the build step sets a key or a database URL.
    for name, arguments in instructions:
        if name in {"ENV", "ARG", "LABEL"}:
            assert "SECRET_KEY" not in arguments
            assert "DATABASE_URL" not in arguments


def healthcheck_command() -> list[str]:
    options, _, command = only("HEALTHCHECK").partition("CMD ")
    assert "--interval=" in options
    assert "--timeout=" in options
    parsed: list[str] = json.loads(command)
    return parsed


def test_dockerfile_healthcheck_uses_python_against_healthz() -> None:
    command = healthcheck_command()
    assert command[:2] == ["python", "-c"]
    assert "http://127.0.0.1:8000/healthz" in command[2]
    assert "curl" not in json.dumps(command)
    assert "wget" not in json.dumps(command)
    compile(command[2], "HEALTHCHECK", "exec")


def recorder(
    status: int,
) -> tuple[type[http.server.BaseHTTPRequestHandler], list[tuple[str, str | None]]]:
    """A handler that answers every GET with ``status``, and the (path, Host) it saw."""
    seen: list[tuple[str, str | None]] = []

    class Recorder(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append((self.path, self.headers.get("Host")))
            self.send_response(status)
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Recorder, seen


@pytest.mark.parametrize(
    ("allowed_hosts", "status", "expected_host", "healthy"),
    [
        ("trainers.example.com,www.example.com", 200, "trainers.example.com", True),
        (".example.com", 200, "example.com", True),
        ("*", 200, "localhost", True),
        ("", 200, "localhost", True),
        ("trainers.example.com", 503, "trainers.example.com", False),
    ],
)
def test_dockerfile_healthcheck_asks_with_an_allowed_host(
    allowed_hosts: str, status: int, expected_host: str, healthy: bool
) -> None:
    """Django rejects an unknown Host header with a 400, so the probe sends an allowed one."""
    handler, seen = recorder(status)
    server = http.server.HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        code = healthcheck_command()[2].replace(
            "127.0.0.1:8000", f"127.0.0.1:{server.server_address[1]}"
        )
        result = subprocess.run(
            [sys.executable, "-c", code],
            env={"PATH": os.environ.get("PATH", ""), "ALLOWED_HOSTS": allowed_hosts},
            capture_output=True,
            timeout=30,
            check=False,
        )
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
    assert (result.returncode == 0) is healthy, result.stderr
    assert seen == [("/healthz", expected_host)]


def test_dockerignore_keeps_local_state_and_secrets_out() -> None:
    patterns = {
        line.strip()
        for line in DOCKERIGNORE.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    for required in (".venv", ".data", ".git", ".env", ".mypy_cache", ".ruff_cache"):
        assert required in patterns
    assert "**/__pycache__" in patterns
