"""Real processes for the fault tests: gunicorn with the repository's gunicorn.conf.py, the
`flask` command, and a small browser (cookies, CSRF tokens, forms and files) over HTTP."""

import http.cookiejar
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path

from tests.faults.pgcluster import free_port

ROOT = Path(__file__).resolve().parents[2]


def portal_env(tmp_path: Path, database_url: str, **extra: str) -> dict:
    """The environment of a production-like portal process (plain http: no Secure cookie)."""
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "PORTAL_INSTANCE": str(tmp_path / "instance"),
        "PORTAL_UPLOAD_FOLDER": str(tmp_path / "uploads"),
        "SECRET_KEY": "fault-tests",
        "PORTAL_SECURE_COOKIES": "0",
        "PORTAL_SCHEDULER": "off",
        "PORTAL_DEFAULT_LOCALE": "en",
        "MAIL_SERVER": "",
        **extra,
    }


def wait_for(predicate, seconds: float, every: float = 0.1):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    return None


def stop(process: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    if process.poll() is None:
        process.send_signal(sig)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


class Gunicorn:
    """gunicorn -c gunicorn.conf.py on a free port; `app` overrides the WSGI app (a test's
    wrapper around the portal's)."""

    def __init__(self, tmp_path: Path, env: dict, *, workers: int = 2, app: str | None = None):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = tmp_path / f"gunicorn-{self.port}.log"
        self._log = open(self.log_path, "wb")  # noqa: SIM115 - closed in stop()
        command = [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py"]
        command += ["--workers", str(workers), "--bind", f"127.0.0.1:{self.port}"]
        if app:
            command.append(app)
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT
        )
        if not wait_for(self._answers, 60, every=0.2):
            self.stop()
            raise RuntimeError(f"gunicorn did not start:\n{self.log()}")

    def _answers(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.base}/login", timeout=2) as response:  # noqa: S310
                return response.status == 200
        except OSError:
            return False

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        stop(self.process, signal.SIGINT)  # gunicorn's quick shutdown: tests need no grace
        self._log.close()


@dataclass
class Answer:
    status: int
    body: str
    headers: dict

    def json(self):
        return json.loads(self.body)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """One person's browser: keeps the session cookie, never follows redirects."""

    def __init__(self, base: str, language: str = "en"):
        self.base = base
        self.language = language
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect()
        )

    def request(self, method, path, *, data=None, headers=None, timeout=30) -> Answer:
        headers = {"Accept-Language": self.language, **(headers or {})}
        request = urllib.request.Request(  # noqa: S310 - http to the test server
            self.base + path, data=data, method=method, headers=headers
        )
        try:
            with self.opener.open(request, timeout=timeout) as response:
                return Answer(
                    response.status, response.read().decode("utf-8", "replace"), response.headers
                )
        except urllib.error.HTTPError as error:
            return Answer(error.code, error.read().decode("utf-8", "replace"), error.headers)

    def get(self, path, **kwargs) -> Answer:
        return self.request("GET", path, **kwargs)

    def post(self, path, fields: dict, files: dict | None = None, **kwargs) -> Answer:
        """A form post; `files` maps a field name to (file name, bytes, content type)."""
        boundary = uuid.uuid4().hex
        parts = []
        for name, value in fields.items():
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
            )
        for name, (filename, content, content_type) in (files or {}).items():
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                f'filename="{filename}"\r\nContent-Type: {content_type}\r\n\r\n'.encode()
                + content
                + b"\r\n"
            )
        parts.append(f"--{boundary}--\r\n".encode())
        headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
        return self.request("POST", path, data=b"".join(parts), headers=headers, **kwargs)

    def csrf_token(self, path: str = "/login") -> str:
        page = self.get(path).body
        tag = re.search(r'<input[^>]*name="csrf_token"[^>]*>', page).group(0)
        return re.search(r'value="([^"]+)"', tag).group(1)

    def sign_in(self, username: str, password: str) -> None:
        answer = self.post(
            "/login",
            {"csrf_token": self.csrf_token(), "username": username, "password": password},
        )
        assert answer.status == 302, answer.body[:2000]
