"""The README's "who may do what" table is exactly what `manage.py policy_table` prints from commons.policy.POLICY,
so a new action cannot land without its row in the documentation."""

from io import StringIO
from pathlib import Path

from django.core.management import call_command

from commons.policy import POLICY

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_readme_prints_the_policy_table_the_command_prints():
    out = StringIO()
    call_command("policy_table", stdout=out)
    printed = out.getvalue().strip()
    assert printed in README.read_text(), "regenerate the README table with `manage.py policy_table`"
    rows = [line.split(" | ")[0].lstrip("| ") for line in printed.splitlines()[2:] if line.startswith("| ")]
    assert rows == list(POLICY)
