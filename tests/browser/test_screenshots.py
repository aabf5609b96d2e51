"""The screenshot script starts the way the README shows it (a plain script, outside pytest)."""

import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).with_name("screenshots.py")


def test_the_screenshot_script_starts_as_a_plain_script():
    result = subprocess.run([sys.executable, str(SCRIPT), "--help"], capture_output=True, text=True, timeout=60,
                            cwd=SCRIPT.parents[2])
    assert result.returncode == 0, result.stderr
    assert "usage:" in result.stdout and "--user" in result.stdout
