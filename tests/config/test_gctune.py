"""config/gctune.py: the collector of a serving process leaves startup's heap alone."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from config import gctune
from tests.config.test_settings import PG_URL
from tests.config.test_settings import run as settings_run


def test_thresholds_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GC_THRESHOLDS", raising=False)
    assert gctune.thresholds_from_env() == (10000, 20, 20)
    monkeypatch.setenv("GC_THRESHOLDS", " 5000, 10,30 ")
    assert gctune.thresholds_from_env() == (5000, 10, 30)
    monkeypatch.setenv("GC_THRESHOLDS", "OFF")
    assert gctune.thresholds_from_env() is None


@pytest.mark.parametrize("text", ["", "1,2", "a,b,c", "0,10,10", "1,2,3,4", "-5,1,1"])
def test_a_bad_setting_is_refused_by_name(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    monkeypatch.setenv("GC_THRESHOLDS", text)
    with pytest.raises(ImproperlyConfigured, match="GC_THRESHOLDS"):
        gctune.thresholds_from_env()


def test_the_asgi_application_freezes_its_startup_heap() -> None:
    """A fresh process that loads the application as a server does."""
    probe = (
        "import gc, config.asgi;"
        "print(*gc.get_threshold(), gc.get_freeze_count() > 100_000, sep=',')"
    )

    def run(thresholds: str) -> str:
        done = settings_run(["-c", probe], {"DATABASE_URL": PG_URL, "GC_THRESHOLDS": thresholds})
        assert done.returncode == 0, done.stderr
        return done.stdout.strip().splitlines()[-1]

    assert run("12000,30,40") == "12000,30,40,True"
    assert run("off") == "700,10,10,False"  # Python's own defaults, nothing frozen
