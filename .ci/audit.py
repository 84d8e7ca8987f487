"""The dependency audit of CI: pip-audit over the project's environment, with the known
exceptions of .ci/pip-audit-ignore.txt (each with its reason).

pip-audit asks PyPI for each installed version's known vulnerabilities. Where that answer cannot
be had (a network that reaches only the package index, as on this project's machines, answers
"not found" for every version), pip-audit reports nothing and exits 0: this script does not take
that for a pass. For each dependency pip-audit could not audit, it reads PyPI's project page
(which lists the vulnerabilities of the latest release): a dependency installed at its latest
version is audited that way; any other is listed as NOT AUDITED.

Exit status: 1 for any vulnerability not in the ignore file (or an ignore line without a
reason); 0 otherwise. Dependencies left unaudited are printed loudly; with AUDIT_REQUIRED=1
they fail the run too (use it where the vulnerability database is reachable).
"""

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from importlib import metadata
from pathlib import Path

IGNORE_FILE = Path(__file__).with_name("pip-audit-ignore.txt")
PROJECT_JSON = "https://pypi.org/pypi/{name}/json"


def ignored() -> dict[str, str]:
    """Vulnerability id -> reason, from the ignore file ('ID  # reason', '#' lines are notes)."""
    found = {}
    for number, line in enumerate(IGNORE_FILE.read_text().splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        vuln_id, _hash, reason = line.partition("#")
        if not reason.strip():
            sys.exit(f"{IGNORE_FILE.name}:{number}: an exception needs its reason after '#'")
        found[vuln_id.strip()] = reason.strip()
    return found


def pip_audit(skip: dict[str, str]) -> dict:
    command = [sys.executable, "-m", "pip_audit", "--format", "json", "--progress-spinner", "off"]
    command += ["--skip-editable"]
    for vuln_id in skip:
        command += ["--ignore-vuln", vuln_id]
    run = subprocess.run(command, capture_output=True, text=True, timeout=600)  # noqa: S603
    try:
        return json.loads(run.stdout)
    except json.JSONDecodeError:
        sys.stderr.write(run.stderr)
        return {"dependencies": [], "error": run.stderr.strip().splitlines()[-1:]}


def latest_release_vulns(name: str, version: str) -> list[dict] | None:
    """The known vulnerabilities of `name` if `version` is its latest release; None if that
    cannot be told (an older version, or PyPI not reachable)."""
    try:
        with urllib.request.urlopen(PROJECT_JSON.format(name=name), timeout=30) as answer:  # noqa: S310
            project = json.load(answer)
    except (urllib.error.URLError, TimeoutError, json.JSONDecodeError):
        return None
    if project["info"]["version"] != version:
        return None
    return [v for v in project.get("vulnerabilities", []) if not v.get("withdrawn")]


def main() -> int:
    skip = ignored()
    report = pip_audit(skip)
    findings, unaudited = [], []
    for dependency in report["dependencies"]:
        name = dependency["name"]
        for vuln in dependency.get("vulns", []):
            findings.append(
                f"{name} {dependency['version']}: {vuln['id']} (fixed in {vuln.get('fix_versions')})"
            )
        if "skip_reason" in dependency:
            if "editable" in dependency["skip_reason"]:  # the portal itself
                continue
            try:
                version = metadata.version(name)
            except metadata.PackageNotFoundError:
                unaudited.append(f"{name}: {dependency['skip_reason']}")
                continue
            vulns = latest_release_vulns(name, version)
            if vulns is None:
                unaudited.append(f"{name} {version}")
                continue
            for vuln in vulns:
                ids = {vuln["id"], *vuln.get("aliases", [])}
                if not ids & skip.keys():
                    findings.append(
                        f"{name} {version}: {vuln['id']} (fixed in {vuln.get('fixed_in')})"
                    )
    if report.get("error"):
        unaudited.append(f"pip-audit did not run: {report['error']}")
    audited = len(report["dependencies"]) - len(unaudited)
    print(
        f"dependency audit: {audited} audited, {len(unaudited)} not audited, "
        f"{len(findings)} vulnerabilities, {len(skip)} known exceptions"
    )
    for vuln_id, reason in skip.items():
        print(f"  known exception {vuln_id}: {reason}")
    if unaudited:
        print("  NOT AUDITED (no vulnerability data for the installed version from here):")
        for line in unaudited:
            print(f"    {line}")
    for line in findings:
        print(f"  VULNERABLE {line}")
    if findings:
        return 1
    if unaudited and os.environ.get("AUDIT_REQUIRED") == "1":
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
