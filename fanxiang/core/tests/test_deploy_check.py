"""``manage.py check --deploy`` passes with production settings, and only axes.W006 is silenced."""

from __future__ import annotations

import os
import secrets
import string
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

BASE_DIR = Path(__file__).resolve().parents[3]
HOST = "fanxiang.example.gov.cn"


def random_secret_key(length: int = 60) -> str:
    alphabet = string.ascii_letters + string.digits + "!@#%^&*(-_=+)"
    return "".join(secrets.choice(alphabet) for _ in range(length))


def run_deploy_check(tmp_path: Path, **overrides: str) -> subprocess.CompletedProcess:
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
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_deploy_check_passes_in_production(tmp_path):
    result = run_deploy_check(tmp_path)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "no issues" in output
    assert "(1 silenced)" in output  # axes.W006 and nothing else


def test_only_axes_w006_is_silenced():
    assert settings.SILENCED_SYSTEM_CHECKS == ["axes.W006"]


@pytest.mark.parametrize(
    ("overrides", "check_id"),
    [
        ({"FANXIANG_SECRET_KEY": "too-short-key"}, "security.W009"),
        ({"FANXIANG_DEBUG": "1"}, "security.W018"),
        ({"FANXIANG_SSL_REDIRECT": "0"}, "security.W008"),
    ],
)
def test_deploy_check_catches_weak_settings(tmp_path, overrides, check_id):
    result = run_deploy_check(tmp_path, **overrides)
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert check_id in output


def test_production_refuses_to_start_without_secret_key(tmp_path):
    result = run_deploy_check(tmp_path, FANXIANG_SECRET_KEY="")
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "FANXIANG_SECRET_KEY" in output
