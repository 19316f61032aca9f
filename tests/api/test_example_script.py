"""docs/api_example.py runs the article's VMotion against a live server, as an instructor would."""

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PASSWORD, vm_named

pytestmark = pytest.mark.django_db(transaction=True)
SCRIPT = Path(__file__).resolve().parents[2] / "docs" / "api_example.py"


def test_the_documented_example_migrates_the_vm(live_server, lab, runner_thread):
    before = (lab.clock_speed, lab.clock_paused)
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--url", live_server.url, "--user", "alice", "--password", PASSWORD],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Pre-copy round 1" in result.stdout
    assert "now runs on esx02.lab.local" in result.stdout and "it did not reboot" in result.stdout
    assert vm_named(lab, "W2K8-Web01").host.name == "esx02.lab.local"
    lab.refresh_from_db()
    assert (lab.clock_speed, lab.clock_paused) == before != (10, False), "the script puts the lab's clock back"
