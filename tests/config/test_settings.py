"""Settings from the environment, each case in a fresh interpreter with a controlled environment.

Every subprocess gets ``DATABASE_URL``: without it the settings would start the
embedded PostgreSQL. Loading the settings never connects to the database, so the
URL need not name a running server.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
PG_URL = "postgres://postgres@127.0.0.1:5432/test"
# A real key: long and random (``check --deploy`` also wants 5+ distinct characters).
REAL_KEY = secrets.token_urlsafe(48)
METRICS = secrets.token_urlsafe(16)
DEV_KEY = "dev-only-insecure-key-never-use-in-production"

SHOW_SETTINGS = """
import json
import django
from django.conf import settings
django.setup()
names = [
    "APP_ENV", "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE", "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_SSL_REDIRECT", "SECURE_PROXY_SSL_HEADER", "SERVESTATIC_USE_FINDERS",
]
values = {name: getattr(settings, name, None) for name in names}
values["DATABASE"] = {
    key: settings.DATABASES["default"][key] for key in ("ENGINE", "HOST", "PORT", "NAME")
}
print(json.dumps(values))
"""


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run the project's Python with only the given variables (plus what Python needs)."""
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "PYTHONDONTWRITEBYTECODE": "1",
        **env,
    }
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def load_settings(env: dict[str, str]) -> dict[str, Any]:
    result = run(["-c", SHOW_SETTINGS], env)
    assert result.returncode == 0, result.stderr
    values: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return values


def refused(env: dict[str, str]) -> str:
    """The settings refuse to load; return the error output."""
    result = run(["-c", SHOW_SETTINGS], env)
    assert result.returncode != 0, result.stdout
    assert "django.core.exceptions.ImproperlyConfigured" in result.stderr, result.stderr
    return result.stderr


def test_dev_key_constant_matches_settings() -> None:
    """The refusal tests below use the development key; keep them honest if it changes."""
    from config.secret import DEV_SECRET_KEY

    assert DEV_SECRET_KEY == DEV_KEY


@pytest.mark.parametrize(
    ("case", "secret_key"),
    [
        ("missing", None),
        ("empty", ""),
        ("development key", DEV_KEY),
        ("49 characters", "k" * 49),
    ],
)
def test_production_refuses_to_start_without_a_real_secret_key(
    case: str, secret_key: str | None
) -> None:
    env = {"APP_ENV": "production", "DATABASE_URL": PG_URL}
    if secret_key is not None:
        env["SECRET_KEY"] = secret_key
    stderr = refused(env)
    assert "SECRET_KEY must be set to a random string of at least 50 characters" in stderr
    if secret_key:
        # The message names the problem; it never echoes the key.
        assert secret_key not in stderr


def test_production_loads_with_a_real_key_and_locks_down() -> None:
    values = load_settings(
        {
            "APP_ENV": "production",
            "SECRET_KEY": REAL_KEY,
            "METRICS_TOKEN": METRICS,
            "DATABASE_URL": PG_URL,
            "ALLOWED_HOSTS": "example.com, www.example.com",
        }
    )
    assert values["APP_ENV"] == "production"
    assert values["DEBUG"] is False
    assert values["SECRET_KEY"] == REAL_KEY
    assert values["ALLOWED_HOSTS"] == ["example.com", "www.example.com"]
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["CSRF_COOKIE_SECURE"] is True
    assert values["SECURE_HSTS_SECONDS"] >= 31536000
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    # Production serves collected static files, not the apps' folders.
    assert values["SERVESTATIC_USE_FINDERS"] is False
    assert values["DATABASE"] == {
        "ENGINE": "django.db.backends.postgresql",
        "HOST": "127.0.0.1",
        "PORT": 5432,
        "NAME": "test",
    }


@pytest.mark.parametrize("token", [None, "", "short"])
def test_production_refuses_to_start_with_metrics_open(token: str | None) -> None:
    env = {"APP_ENV": "production", "SECRET_KEY": REAL_KEY, "DATABASE_URL": PG_URL}
    if token is not None:
        env["METRICS_TOKEN"] = token
    stderr = refused(env)
    assert "METRICS_TOKEN must be set" in stderr


def test_production_debug_can_only_be_turned_on_explicitly() -> None:
    env = {
        "APP_ENV": "production",
        "SECRET_KEY": REAL_KEY,
        "METRICS_TOKEN": METRICS,
        "DATABASE_URL": PG_URL,
    }
    assert load_settings({**env, "DEBUG": ""})["DEBUG"] is False
    assert load_settings({**env, "DEBUG": "true"})["DEBUG"] is True


def test_development_is_the_default_and_debug_defaults_on() -> None:
    values = load_settings({"DATABASE_URL": PG_URL})
    assert values["APP_ENV"] == "development"
    assert values["DEBUG"] is True
    assert values["SECRET_KEY"] == DEV_KEY
    assert "localhost" in values["ALLOWED_HOSTS"]
    assert values["SESSION_COOKIE_SECURE"] is False
    assert values["SECURE_HSTS_SECONDS"] == 0
    assert values["SERVESTATIC_USE_FINDERS"] is True


@pytest.mark.parametrize("value", ["0", "false", "no", "off"])
def test_development_debug_can_be_turned_off(value: str) -> None:
    assert load_settings({"DATABASE_URL": PG_URL, "DEBUG": value})["DEBUG"] is False


def test_unknown_app_env_is_refused() -> None:
    stderr = refused({"APP_ENV": "staging", "DATABASE_URL": PG_URL})
    assert "APP_ENV must be 'development' or 'production'" in stderr


@pytest.mark.parametrize("app_env", ["development", "production"])
@pytest.mark.parametrize("url", ["sqlite:///db.sqlite3", "mysql://user@localhost/trainers"])
def test_a_database_other_than_postgresql_is_refused(app_env: str, url: str) -> None:
    stderr = refused(
        {"APP_ENV": app_env, "SECRET_KEY": REAL_KEY, "METRICS_TOKEN": METRICS, "DATABASE_URL": url}
    )
    assert "DATABASE_URL must name a PostgreSQL server" in stderr


SHOW_STORAGE = """
import json
import django
from django.conf import settings
django.setup()
print(json.dumps(settings.STORAGES["default"]))
"""


def test_media_storage_s3_takes_bucket_and_endpoint_from_the_environment() -> None:
    """The configuration tests/trainers/test_photo_storage_s3.py runs against moto."""
    env = {
        "DATABASE_URL": PG_URL,
        "MEDIA_STORAGE": "s3",
        "S3_BUCKET": "trainer-photos",
        "S3_ENDPOINT_URL": "http://127.0.0.1:9000",
    }
    result = run(["-c", SHOW_STORAGE], env)
    assert result.returncode == 0, result.stderr
    default = json.loads(result.stdout.strip().splitlines()[-1])
    assert default["BACKEND"] == "storages.backends.s3.S3Storage"
    options = default["OPTIONS"]
    assert (options["bucket_name"], options["endpoint_url"]) == (
        "trainer-photos",
        "http://127.0.0.1:9000",
    )
    assert options["querystring_auth"] is False
    assert options["object_parameters"] == {"CacheControl": "public, max-age=31536000, immutable"}
    local = run(["-c", SHOW_STORAGE], {"DATABASE_URL": PG_URL})
    assert json.loads(local.stdout.strip().splitlines()[-1])["BACKEND"].endswith(
        "FileSystemStorage"
    )


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"MEDIA_STORAGE": "s3"}, "MEDIA_STORAGE=s3 needs S3_BUCKET"),
        ({"MEDIA_STORAGE": "s3", "S3_BUCKET": " "}, "MEDIA_STORAGE=s3 needs S3_BUCKET"),
        ({"MEDIA_STORAGE": "ftp"}, "MEDIA_STORAGE must be local or s3"),
    ],
)
def test_a_media_storage_that_cannot_work_is_refused(env: dict[str, str], message: str) -> None:
    assert message in refused({"DATABASE_URL": PG_URL, **env})


def test_check_deploy_reports_no_issues() -> None:
    result = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        {
            "APP_ENV": "production",
            "SECRET_KEY": REAL_KEY,
            "METRICS_TOKEN": METRICS,
            "ALLOWED_HOSTS": "example.com",
            "DATABASE_URL": PG_URL,
        },
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues (0 silenced)." in output
