"""The reliability tests' fixtures: a branch, a superuser's token, a quiet HTTP client."""

from tests.reliability.conftest import _quiet_http_client, branch, superuser_token

__all__ = ["_quiet_http_client", "branch", "superuser_token"]
