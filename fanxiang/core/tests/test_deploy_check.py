"""``manage.py check --deploy`` passes with production settings, and only axes.W006 is silenced.

One subprocess runs the real ``manage.py check --deploy`` with the production environment. The weak
variants (weak secret key, DEBUG on, SSL redirect off, no secret key) are evaluated in this process:
``fanxiang/settings.py`` is run afresh (``runpy``) with that environment, and Django's deployment
checks run under ``override_settings`` of the security-relevant values it produced. A control case (the
production environment itself) shows that this path reports none of those warnings.
"""

from __future__ import annotations

import os
import runpy
import secrets
import string
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings
from django.core import checks
from django.test import override_settings

BASE_DIR = Path(__file__).resolve().parents[3]
SETTINGS_FILE = BASE_DIR / "fanxiang" / "settings.py"
HOST = "fanxiang.example.gov.cn"
WEAK_SETTING_IDS = {"security.W009", "security.W018", "security.W008"}


def random_secret_key(length: int = 60) -> str:
    alphabet = string.ascii_letters + string.digits + "!@#%^&*(-_=+)"
    return "".join(secrets.choice(alphabet) for _ in range(length))


def production_env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("FANXIANG_", "DATABASE_URL", "REDIS_URL", "DJANGO_"))
    }
    env.update(
        FANXIANG_ENV="production",
        FANXIANG_SECRET_KEY=random_secret_key(),
        FANXIANG_ALLOWED_HOSTS=HOST,
        FANXIANG_VAR_DIR=str(tmp_path / "var"),
        DATABASE_URL=f"sqlite:///{tmp_path / 'deploy-check.sqlite3'}",
    )
    env.update(overrides)
    return env


def run_deploy_check(tmp_path: Path, **overrides: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=production_env(tmp_path, **overrides),
        capture_output=True,
        text=True,
        timeout=120,
    )


def settings_module(env: dict[str, str]) -> dict:
    """fanxiang/settings.py evaluated in a fresh namespace with exactly this environment."""
    with mock.patch.dict(os.environ, env, clear=True):
        return runpy.run_path(str(SETTINGS_FILE), run_name="fanxiang_settings_under_test")


def security_settings(module: dict) -> dict:
    """The values Django's deployment (security) checks read: no app or database setting."""
    names = {"SECRET_KEY", "SECRET_KEY_FALLBACKS", "DEBUG", "ALLOWED_HOSTS", "MIDDLEWARE", "X_FRAME_OPTIONS"}
    return {
        name: value
        for name, value in module.items()
        if name in names or name.startswith(("SECURE_", "SESSION_COOKIE_", "CSRF_"))
    }


def deploy_check_ids(env: dict[str, str]) -> set[str]:
    """Ids of the deployment-check messages at WARNING or above (the --fail-level of the real run)
    that are not silenced, with the security settings of that environment."""
    with override_settings(**security_settings(settings_module(env))):
        messages = checks.run_checks(include_deployment_checks=True)
    return {m.id for m in messages if m.level >= checks.WARNING and not m.is_silenced()}


def test_deploy_check_passes_in_production(tmp_path):
    result = run_deploy_check(tmp_path)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "no issues" in output
    assert "(1 silenced)" in output  # axes.W006 and nothing else


def test_only_axes_w006_is_silenced():
    assert settings.SILENCED_SYSTEM_CHECKS == ["axes.W006"]


def test_production_settings_raise_none_of_the_weak_setting_warnings(tmp_path):
    """The control for the in-process checks below: the production environment gives none of them."""
    assert not deploy_check_ids(production_env(tmp_path)) & WEAK_SETTING_IDS


@pytest.mark.parametrize(
    ("overrides", "check_id"),
    [
        ({"FANXIANG_SECRET_KEY": "too-short-key"}, "security.W009"),
        ({"FANXIANG_DEBUG": "1"}, "security.W018"),
        ({"FANXIANG_SSL_REDIRECT": "0"}, "security.W008"),
    ],
)
def test_deploy_check_catches_weak_settings(tmp_path, overrides, check_id):
    assert check_id in deploy_check_ids(production_env(tmp_path, **overrides))


def test_production_refuses_to_start_without_secret_key(tmp_path):
    with pytest.raises(RuntimeError, match="FANXIANG_SECRET_KEY"):
        settings_module(production_env(tmp_path, FANXIANG_SECRET_KEY=""))
