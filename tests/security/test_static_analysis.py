"""The static checks stay on: ruff's security rules (S) cover the app code, and it is clean
under them; the dependency audit's exceptions each give their reason."""

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APP_CODE = ["app.py", "portal", "campaigns"]


def test_security_rules_are_selected_for_the_app_code():
    lint = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["ruff"]["lint"]
    assert "S" in lint["select"]
    assert [rule for rule in lint["ignore"] if rule.startswith("S")] == ["S101"]
    for pattern, rules in lint.get("per-file-ignores", {}).items():
        if any(rule.startswith("S") for rule in rules):
            assert pattern.startswith(("tests/", "bench/")), pattern


def test_the_app_code_is_clean_under_the_security_rules():
    ruff = Path(sys.executable).with_name("ruff")
    run = subprocess.run(
        [str(ruff), "check", "--select", "S", "--no-cache", *APP_CODE],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stdout


def test_every_audit_exception_gives_its_reason():
    for line in (ROOT / ".ci/pip-audit-ignore.txt").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            vuln_id, _hash, reason = line.partition("#")
            assert vuln_id.strip() and len(reason.strip()) > 10, line
