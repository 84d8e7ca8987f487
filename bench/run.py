"""The city-scale benchmark (issue 7), one command:

    python -m bench.run --database sqlite|postgresql [--scale 1.0] [--seed 7] [--seconds 10]

It generates the dataset (bench.generate) or reuses the one kept for this scale, seed and
generator version (SQLite: bench/out/datasets/; PostgreSQL: a database bench_s<scale>_seed<seed>_
g<version>), copies it to a working database (bench/out/run.db or the database `bench_run`),
serves the portal with gunicorn (gunicorn.conf.py: cores x 2 + 1 workers, 2 threads each) and
drives it from separate processes with wrk (Debian package `wrk`) and curl, signed in as the
bench accounts through the real login form. In the same run it measures two ceilings: a bare
Flask "hello" app on the same gunicorn settings, and the completion export's SQL timed alone.
The results are appended to docs/PERFORMANCE.md (earlier sections are kept) and written as JSON
to bench/out/results-<time>.json. It is not part of the test suite and asserts nothing.
"""

import argparse
import csv
import io
import json
import os
import platform
import random
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from datetime import UTC, date, datetime, timedelta
from http.cookiejar import CookieJar
from pathlib import Path
from statistics import median

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.generate import GENERATOR_VERSION, PASSWORD  # noqa: E402

OUT = ROOT / "bench" / "out"
BIN = Path(sys.executable).parent
LUA = ROOT / "bench" / "wrk.lua"
REPORT = ROOT / "docs" / "PERFORMANCE.md"
RUN_DB = "bench_run"
IMPORT_ROWS = 10_000
LEDGER_ROWS = 200_000  # at scale 1.0
STATUS_CLIENTS = 16
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
TOKEN = re.compile(r'name="token"[^>]*value="([0-9a-f]{32})"')


def log(message: str) -> None:
    print(f"[bench {datetime.now():%H:%M:%S}] {message}", flush=True)


# --- The dataset ---------------------------------------------------------------------------------


def dataset_key(scale: float, seed: int) -> str:
    return f"s{scale:g}_seed{seed}_g{GENERATOR_VERSION}".replace(".", "_")


def generate_into(url: str, scale: float, seed: int) -> float:
    log(f"generating the dataset (scale {scale:g}, seed {seed}) into {url}")
    started = time.monotonic()
    subprocess.run(
        [sys.executable, "-m", "bench.generate", "--database-url", url]
        + ["--scale", str(scale), "--seed", str(seed)],
        cwd=ROOT,
        check=True,
        env=os.environ | {"PORTAL_INSTANCE": str(OUT / "instance")},
    )
    return time.monotonic() - started


def prepare_sqlite(scale: float, seed: int) -> tuple[str, float | None]:
    """The working copy bench/out/run.db of the kept dataset (generated first if missing)."""
    kept = OUT / "datasets" / f"{dataset_key(scale, seed)}.db"
    seconds = None
    if not kept.exists():
        kept.parent.mkdir(parents=True, exist_ok=True)
        partial = kept.with_suffix(".partial")
        for leftover in kept.parent.glob(partial.name + "*"):
            leftover.unlink()
        seconds = generate_into(f"sqlite:///{partial}", scale, seed)
        with sqlite3.connect(partial) as db:
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            db.execute("PRAGMA journal_mode=DELETE")
        partial.rename(kept)
    upgrade(f"sqlite:///{kept}")
    with sqlite3.connect(kept) as db:
        db.execute("ANALYZE")  # as VACUUM ANALYZE on PostgreSQL: statistics after a migration
    work = OUT / "run.db"
    for old in OUT.glob("run.db*"):
        old.unlink()
    source, target = sqlite3.connect(kept), sqlite3.connect(work)
    source.backup(target)
    source.close()
    target.close()
    return f"sqlite:///{work}", seconds


def _pg_admin(base: str):
    import psycopg

    return psycopg.connect(base.replace("+psycopg", "") + "/postgres", autocommit=True)


def prepare_postgresql(base: str, scale: float, seed: int) -> tuple[str, float | None]:
    """The working database bench_run, a copy (CREATE DATABASE … TEMPLATE) of the kept one."""
    import psycopg

    kept = f"bench_{dataset_key(scale, seed)}"
    seconds = None
    with _pg_admin(base) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (kept,)).fetchone()
        if not exists:
            partial = kept + "_partial"
            admin.execute(f'DROP DATABASE IF EXISTS "{partial}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{partial}"')
            seconds = generate_into(f"{base}/{partial}", scale, seed)
            admin.execute(f'ALTER DATABASE "{partial}" RENAME TO "{kept}"')
        upgrade(f"{base}/{kept}")
        with psycopg.connect(f"{base}/{kept}".replace("+psycopg", ""), autocommit=True) as db:
            db.execute("VACUUM ANALYZE")
        admin.execute(f'DROP DATABASE IF EXISTS "{RUN_DB}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{RUN_DB}" TEMPLATE "{kept}"')
    return f"{base}/{RUN_DB}", seconds


def upgrade(url: str) -> None:
    """Bring a kept dataset to the current schema (it may predate a migration)."""
    subprocess.run(
        [str(BIN / "flask"), "--app", "app", "db", "upgrade"],
        cwd=ROOT,
        check=True,
        env=server_env(url, 0),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def engine_for(url: str):
    from sqlalchemy import create_engine

    return create_engine(url)


# --- Serving -----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env(url: str, port: int) -> dict:
    return os.environ | {
        "DATABASE_URL": url,
        "SECRET_KEY": "bench-secret-key-not-for-production",
        "PORTAL_SECURE_COOKIES": "0",
        "PORTAL_BIND": f"127.0.0.1:{port}",
        "PORTAL_INSTANCE": str(OUT / "instance"),
        "PORTAL_UPLOAD_FOLDER": str(OUT / "instance" / "uploads"),
        "PORTAL_SCHEDULER": "off",
    }


class Server:
    """gunicorn with the repository's gunicorn.conf.py, in its own process group."""

    def __init__(self, url: str, app: str | None = None, probe: str = "/health"):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        command = [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py"] + ([app] if app else [])
        self.log = open(OUT / f"gunicorn-{app or 'portal'}.log".replace(":", "_"), "w")  # noqa: SIM115
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=server_env(url, self.port),
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.base + probe, timeout=5) as answer:  # noqa: S310
                    if answer.status == 200:
                        break
            except OSError:
                time.sleep(0.3)
        else:
            self.stop()
            raise SystemExit(f"gunicorn did not answer on {self.base}{probe}; see {self.log.name}")
        self.workers = len(self.worker_pids())

    def worker_pids(self) -> list[int]:
        import psutil

        return [p.pid for p in psutil.Process(self.process.pid).children()]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


# --- Clients -------------------------------------------------------------------------------------


class Browser:
    """A signed-in session: the login form's CSRF token, then the POST, as a person would."""

    def __init__(self, base: str, username: str):
        self.base = base
        self.username = username
        self.jar = CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        page = self.get("/login")
        token = CSRF.search(page).group(1)
        body = urllib.parse.urlencode(
            {"username": username, "password": PASSWORD, "csrf_token": token}
        ).encode()
        home = self.opener.open(base + "/login", data=body, timeout=60).read().decode()
        match = CSRF.search(home)
        if "/logout" not in home or match is None:
            raise SystemExit(f"could not sign in as {username}")
        self.csrf = match.group(1)

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=120) as answer:
            return answer.read().decode()

    def status(self, path: str) -> int:
        try:
            with self.opener.open(self.base + path, timeout=120) as answer:
                if answer.url.split("?")[0].endswith("/login"):
                    return 401
                return answer.status
        except urllib.error.HTTPError as error:
            return error.code

    @property
    def cookie(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.jar)


def wrk(
    base: str,
    lines: list[tuple],
    *,
    threads: int,
    connections: int,
    seconds: float,
    once: bool = False,
    done=None,
) -> dict:
    """Run wrk with bench/wrk.lua over `lines` (method, path, cookie, body); its numbers.

    wrk itself always runs for its whole duration, even when every thread has stopped
    (`once`): with `done`, a function polled every 0.1 s, wrk is interrupted (SIGINT, after
    which it prints its summary) as soon as `done()` is true, and the result's "seconds" is
    the time until then, not wrk's duration."""
    requests_file = OUT / "requests.tsv"
    requests_file.write_text("".join("\t".join(map(str, line)) + "\n" for line in lines))
    command = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds:g}s"]
    command += ["--timeout", "120s", "-s", str(LUA), base]
    env = os.environ | {
        "BENCH_REQUESTS": str(requests_file),
        "BENCH_THREADS": str(threads),
        "BENCH_ONCE": "1" if once else "0",
    }
    started = time.monotonic()
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True)
    finished = None
    if done is not None:
        while process.poll() is None:
            if done():
                finished = time.monotonic() - started
                process.send_signal(signal.SIGINT)
                break
            time.sleep(0.1)
    output, _ = process.communicate()
    if process.returncode != 0:
        raise subprocess.CalledProcessError(process.returncode, command, output)
    line = next(x for x in output.splitlines() if x.startswith("BENCH_JSON "))
    result = json.loads(line.removeprefix("BENCH_JSON "))
    result["seconds"] = result.pop("duration_us") / 1e6
    if finished is not None:
        result["seconds"] = finished
    result["rps"] = result["requests"] / result["seconds"] if result["seconds"] else 0.0
    for p in ("p50", "p95", "p99", "max", "mean"):
        result[f"{p}_ms"] = result.pop(f"{p}_us") / 1000
    result["connections"] = connections
    return result


def cpu_seconds(pids: list[int]) -> float:
    """CPU time (user + system) the server's workers have used so far."""
    import psutil

    total = 0.0
    for pid in pids:
        try:
            times = psutil.Process(pid).cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


def measured(server: "Server", lines: list[tuple], **options) -> dict:
    """wrk over `lines`, with the server's CPU time per answered request: unlike the wall-clock
    numbers, it hardly moves when other work shares the machine."""
    pids = server.worker_pids()
    before = cpu_seconds(pids)
    result = wrk(server.base, lines, **options)
    result["cpu_ms"] = (cpu_seconds(pids) - before) * 1000 / max(1, result["requests"])
    return result


def read_scenario(server: "Server", cookie: str, paths: list[str], seconds: float) -> dict:
    """Warm up, then one client (latency) and eight clients (throughput) over `paths`."""
    lines = [("GET", path, cookie, "") for path in paths]
    wrk(server.base, lines, threads=2, connections=4, seconds=2)
    single = measured(server, lines, threads=1, connections=1, seconds=seconds)
    many = measured(server, lines, threads=2, connections=8, seconds=seconds)
    return {"single": single, "many": many, "paths": len(paths), "load": os.getloadavg()[0]}


def bad_answers(result: dict) -> int:
    """Answers that were not 200 (or went to the login page), and socket errors or time-outs
    (wrk counts a connection the server closed mid-answer as a read error)."""
    errors = result["errors"]
    return (
        sum(n for code, n in result["statuses"].items() if code != "200")
        + result["to_login"]
        + errors["connect"]
        + errors["read"]
        + errors["write"]
        + errors["timeout"]
    )


class MemoryWatch:
    """Peak RSS growth of any gunicorn worker while a request runs (psutil, every 20 ms)."""

    def __init__(self, pids: list[int]):
        import psutil

        self.processes = [psutil.Process(pid) for pid in pids]
        self.base = {p.pid: p.memory_info().rss for p in self.processes}
        self.peak = dict(self.base)
        self.running = True
        self.thread = threading.Thread(target=self._watch, daemon=True)
        self.thread.start()

    def _watch(self):
        while self.running:
            for p in self.processes:
                try:
                    self.peak[p.pid] = max(self.peak[p.pid], p.memory_info().rss)
                except Exception:  # noqa: S112 - a worker restarted; keep watching the others
                    continue
            time.sleep(0.02)

    def stop(self) -> float:
        self.running = False
        self.thread.join()
        return max(self.peak[pid] - self.base[pid] for pid in self.base) / 2**20


def curl(args: list[str]) -> dict:
    """One request with curl; its status, time to first byte and total time."""
    out = subprocess.run(
        ["curl", "-s", "-w", "%{http_code} %{time_starttransfer} %{time_total} %{size_download}"]
        + args,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    code, first, total, size = out.split()[-4:]
    return {
        "status": int(code),
        "ttfb_s": float(first),
        "total_s": float(total),
        "bytes": int(size),
    }


# --- What to ask for -------------------------------------------------------------------------------


def facts(url: str) -> dict:
    """Campaigns, ids and refs the scenarios use, read from the working database."""
    from sqlalchemy import text

    engine = engine_for(url)
    with engine.connect() as db:

        def rows(sql, **params):
            return db.execute(text(sql), params).all()

        def one(sql, **params):
            return db.execute(text(sql), params).scalar()

        user = dict(rows("SELECT username, id FROM users WHERE username LIKE 'bench-%'"))
        agencies = dict(rows("SELECT code, id FROM agencies"))
        campaigns = rows(
            "SELECT c.code, c.id, count(i.id) AS n FROM campaigns c JOIN items i"
            " ON i.campaign_id = c.id GROUP BY c.code, c.id ORDER BY n DESC, c.code"
        )
        inspector_campaign = rows(
            "SELECT DISTINCT c.code, c.id FROM campaigns c JOIN teams t ON t.campaign_id = c.id"
            " JOIN team_members m ON m.team_id = t.id WHERE m.user_id = :u ORDER BY c.code",
            u=user["bench-inspector-1"],
        )[0]
        districts = [r[0] for r in rows("SELECT DISTINCT district_id FROM items ORDER BY 1")]
        teams = [
            r[0]
            for r in rows(
                "SELECT id FROM teams WHERE campaign_id = :c ORDER BY id", c=campaigns[0][1]
            )
        ]
        categories = [
            r[0]
            for r in rows(
                "SELECT code FROM campaign_categories WHERE campaign_id = :c ORDER BY position",
                c=campaigns[0][1],
            )
        ]
        inspector_refs = [
            r[0]
            for r in rows(
                "SELECT ref FROM items WHERE campaign_id = :c ORDER BY id",
                c=inspector_campaign[1],
            )
        ]
        result = {
            "users": user,
            "agencies": agencies,
            "campaigns": [(c, i, n) for c, i, n in campaigns],
            "inspector_campaign": inspector_campaign[0],
            "districts": districts,
            "teams": teams,
            "categories": categories,
            "inspector_refs": inspector_refs,
            "items": one("SELECT count(*) FROM items"),
            "timeline_entries": one("SELECT count(*) FROM timeline_entries"),
            "targets": one("SELECT count(*) FROM targets"),
            "teams_count": one("SELECT count(*) FROM teams"),
        }
    engine.dispose()
    return result


def list_paths(role: str, f: dict) -> list[str]:
    """The list pages a person of this role opens: filters, sorts and later pages."""
    rng = random.Random(11)
    d = f["districts"]
    police = f["agencies"]["police"]
    if role == "inspector":
        code = f["inspector_campaign"]
        return [
            "/items/",
            "/items/?status=rectifying",
            "/items/?light=red",
            "/items/?overdue=yes&sort=flagged",
            f"/items/?district={rng.choice(d)}",
            "/items/?status=verified&page=3",
            f"/campaigns/{code}/items",
            f"/campaigns/{code}/items?lead_agency={police}&sort=status",
            f"/campaigns/{code}/items?light=yellow",
            "/items/?severity=major&listing_level=city",
            "/items/?q=Enterprise+0001",
        ]
    if role == "liaison":
        return [
            "/items/",
            "/items/?status=assigned",
            "/items/?status=rectifying&sort=flagged",
            "/items/?light=red",
            "/items/?light=yellow",
            f"/items/?district={rng.choice(d)}",
            "/items/?overdue=yes&page=2",
            f"/items/?lead_agency={police}",
            f"/items/?co_agency={police}",
            "/items/?q=Problem+12",
        ]
    big = f["campaigns"][0][0]
    return [
        "/items/",
        "/items/?status=submitted",
        "/items/?light=red&sort=flagged",
        "/items/?status=verified&page=10",
        f"/campaigns/{big}/items",
        f"/campaigns/{big}/items?overdue=yes",
        f"/campaigns/{big}/items?team={rng.choice(f['teams'])}",
        f"/campaigns/{big}/items?category={rng.choice(f['categories'])}&sort=status",
        f"/campaigns/{big}/items?district={rng.choice(d)}&status=rectifying",
        "/items/?listing_level=city",
        "/items/?severity=major&sort=ref",
        "/items/?q=Enterprise+0002",
    ]


def import_file(url: str, code: str, rows: int, seed: int) -> bytes:
    """A ledger (CONTRACTS C4) of `rows` new items for campaign `code`: existing targets (by
    name, in their town) and new ones, every category, team and agency of the campaign."""
    from sqlalchemy import text

    rng = random.Random(seed)
    engine = engine_for(url)
    with engine.connect() as db:
        campaign_id = db.execute(
            text("SELECT id FROM campaigns WHERE code = :c"), {"c": code}
        ).scalar()
        categories = (
            db.execute(
                text("SELECT code FROM campaign_categories WHERE campaign_id = :c"),
                {"c": campaign_id},
            )
            .scalars()
            .all()
        )
        teams = (
            db.execute(text("SELECT name FROM teams WHERE campaign_id = :c"), {"c": campaign_id})
            .scalars()
            .all()
        )
        targets = db.execute(
            text(
                "SELECT t.name, t.credit_code, town.name_zh, district.name_zh FROM targets t"
                " JOIN regions town ON town.id = t.region_id"
                " JOIN regions district ON district.id = town.parent_id ORDER BY t.id"
            )
        ).all()
    engine.dispose()
    agencies = ["police", "env", "emergency", "transport", "market", "housing", "water"]
    deadline = (date.today() + timedelta(days=30)).isoformat()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "office_ref",
            "target",
            "credit_code",
            "district",
            "town",
            "category",
            "title",
            "description",
            "severity",
            "listing_level",
            "lead_agency",
            "co_agencies",
            "deadline",
            "team",
        ]
    )
    stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
    for n in range(rows):
        name, credit, town, district = targets[rng.randrange(len(targets))]
        if rng.random() < 0.2:
            name, credit = f"New site {stamp}-{n:05d}", ""
        lead = rng.choice(agencies)
        co = rng.choice(["", "", rng.choice([a for a in agencies if a != lead])])
        writer.writerow(
            [
                f"IMP-{stamp}-{n:05d}",
                name,
                credit or "",
                district,
                town,
                rng.choice(categories),
                f"Imported problem {n}",
                "From the district office's spreadsheet",
                rng.choice(["general", "general", "major"]),
                rng.choice(["none", "none", "none", "district"]),
                lead,
                co,
                deadline,
                rng.choice(teams),
            ]
        )
    return ("\ufeff" + out.getvalue()).encode()


# --- The scenarios ---------------------------------------------------------------------------------


def ceiling_hello(url: str, seconds: float) -> dict:
    server = Server(url, app="bench.hello:app", probe="/")
    try:
        return read_scenario(server, "", ["/"], seconds)
    finally:
        server.stop()


def ceiling_sql(url: str, code: str, repeat: int = 30) -> dict:
    """The completion export's query (by district, as the lead sees it) timed alone: compiled
    once with its values in it, then run on a plain driver connection and fetched."""
    os.environ["PORTAL_INSTANCE"] = str(OUT / "instance")
    from sqlalchemy import select

    from campaigns.campaigns.models import Campaign
    from campaigns.exports.tables import _scope
    from campaigns.figures.queries import completion_query
    from portal import clock, create_app
    from portal.accounts.models import User
    from portal.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    with app.app_context():
        lead = db.session.scalar(select(User).where(User.username == "bench-lead"))
        campaign = db.session.scalar(select(Campaign).where(Campaign.code == code))
        query = completion_query(_scope(campaign, lead), by="district", as_of=clock.today())
        sql = str(query.compile(dialect=db.engine.dialect, compile_kwargs={"literal_binds": True}))
        db.session.close()
        raw = db.engine.raw_connection()
        cursor = raw.cursor()
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            cursor.execute(sql)
            cursor.fetchall()
            times.append((time.perf_counter() - started) * 1000)
        raw.close()
        db.engine.dispose()
    times.sort()
    return {
        "p50_ms": median(times),
        "p95_ms": times[int(0.95 * (len(times) - 1))],
        "repeat": repeat,
        "sql": sql,
    }


def status_changes(server: Server, url: str, f: dict, seconds_cap: float = 90) -> dict:
    """16 liaisons' clients acknowledge (领办) distinct assigned items at once through the item
    page's form; afterwards every answered change must be in the database exactly once."""
    from sqlalchemy import text

    engine = engine_for(url)
    codes = ["police", "env", "emergency", "transport", "market", "housing", "natres", "water"]
    per_code = {}
    with engine.connect() as db:
        for code in codes:
            per_code[code] = db.execute(
                text(
                    "SELECT i.id, i.ref FROM items i WHERE i.status = 'assigned'"
                    " AND i.lead_agency_id = :a AND i.version = 1 AND NOT EXISTS"
                    " (SELECT 1 FROM transfers t WHERE t.item_id = i.id AND t.state = 'pending')"
                    " ORDER BY i.id"
                ),
                {"a": f["agencies"][code]},
            ).all()
    owners = [codes[k % len(codes)] for k in range(STATUS_CLIENTS)]
    sharing = {code: owners.count(code) for code in codes}
    each = min(150, min(len(per_code[c]) // sharing[c] for c in codes))
    browsers = {code: Browser(server.base, f"bench-liaison-{code}") for code in codes}
    lists, chosen = [], []
    for k, code in enumerate(owners):
        share = owners[:k].count(code)
        mine = per_code[code][share * each : (share + 1) * each]
        chosen += [item_id for item_id, _ in mine]
        b = browsers[code]
        body = urllib.parse.urlencode({"csrf_token": b.csrf, "version": "1", "note": ""})
        lists.append([("POST", f"/items/{ref}/acknowledge", b.cookie, body) for _, ref in mine])
    # Line n goes to thread n % 16: interleave so that thread k sends lists[k].
    lines = [lists[k][n] for n in range(each) for k in range(STATUS_CLIENTS)]
    ids = ",".join(str(i) for i in chosen)
    moved_sql = text(
        f"SELECT count(*) FROM items WHERE id IN ({ids}) AND status = 'rectifying' AND version = 2"
    )
    both = text(
        f"SELECT ({moved_sql.text}),"
        f" (SELECT count(*) FROM timeline_entries WHERE item_id IN ({ids})"
        "  AND action = 'acknowledge')"
    )
    progress = {"moved": 0, "changed": time.monotonic()}

    def all_moved() -> bool:
        """Every change is in the database, or none came for 10 s (the rest were refused)."""
        with engine.connect() as db:
            moved = db.execute(moved_sql).scalar_one()
        if moved != progress["moved"]:
            progress.update(moved=moved, changed=time.monotonic())
        return moved >= len(lines) or time.monotonic() - progress["changed"] > 10

    started = time.monotonic()
    result = wrk(
        server.base,
        lines,
        threads=STATUS_CLIENTS,
        connections=STATUS_CLIENTS,
        seconds=seconds_cap,
        once=True,
        done=all_moved,
    )
    # Throughput over the time until the last change was seen in the database (polled every
    # 0.1 s), not over wrk's whole duration.
    result["seconds"] = progress["changed"] - started
    # Changes still on their way when wrk stopped at its time limit finish first: count (in
    # one statement) until two counts a second apart agree.
    counted = None
    for _ in range(30):
        with engine.connect() as db:
            now = tuple(db.execute(both).one())
        if now == counted:
            break
        counted = now
        time.sleep(1)
    moved, entries = counted
    engine.dispose()
    answered_ok = result["statuses"].get("302", 0) - result["to_login"]
    result.update(
        {
            "sent": len(lines),
            "answered_ok": answered_ok,
            "items_moved": moved,
            "timeline_entries": entries,
            # Answered "done" but not in the database. (When wrk stops at its time limit, a
            # change still on its way is done but unanswered: moved > answered, not a loss.)
            "lost": max(0, answered_ok - moved),
            "changes_per_s": moved / result["seconds"] if result["seconds"] else 0.0,
            "load": os.getloadavg()[0],
        }
    )
    return result


def ledger_import(server: Server, url: str, code: str, lead: Browser, seed: int) -> dict:
    """Upload a 10,000-row ledger through the import page, then confirm its preview."""
    from sqlalchemy import text

    content = import_file(url, code, IMPORT_ROWS, seed)
    path = OUT / "import.csv"
    path.write_bytes(content)
    engine = engine_for(url)
    count = (
        "SELECT count(*) FROM items i JOIN campaigns c ON c.id = i.campaign_id WHERE c.code = :c"
    )
    with engine.connect() as db:
        before = db.execute(text(count), {"c": code}).scalar()
    preview = OUT / "import-preview.html"
    jar = OUT / "import-cookies.txt"  # the session holds the pending upload
    jar.unlink(missing_ok=True)
    upload = curl(
        [
            "-o",
            str(preview),
            "-b",
            lead.cookie,
            "-c",
            str(jar),
            "-F",
            f"csrf_token={lead.csrf}",
            "-F",
            f"file=@{path};type=text/csv",
            f"{server.base}/campaigns/{code}/import",
        ]
    )
    match = TOKEN.search(preview.read_text(errors="replace"))
    if upload["status"] != 200 or match is None:
        raise SystemExit(f"the import upload answered {upload['status']}; see {preview}")
    confirm = curl(
        [
            "-o",
            "/dev/null",
            "-b",
            str(jar),
            "--data-urlencode",
            f"csrf_token={lead.csrf}",
            "--data-urlencode",
            f"token={match.group(1)}",
            f"{server.base}/campaigns/{code}/import/confirm",
        ]
    )
    with engine.connect() as db:
        after = db.execute(text(count), {"c": code}).scalar()
    engine.dispose()
    return {
        "rows": IMPORT_ROWS,
        "bytes": len(content),
        "upload_s": upload["total_s"],
        "confirm_s": confirm["total_s"],
        "total_s": upload["total_s"] + confirm["total_s"],
        "confirm_status": confirm["status"],
        "imported": after - before,
        "load": os.getloadavg()[0],
    }


def ledger_export(server: Server, code: str, lead: Browser, runs: int = 2) -> dict:
    """The ledger CSV: total time, first byte, peak memory growth of the serving worker."""
    results = []
    target = OUT / "ledger.csv"
    for _ in range(runs):
        pids = server.worker_pids()
        cpu_before = cpu_seconds(pids)
        watch = MemoryWatch(pids)
        answer = curl(
            [
                "-o",
                str(target),
                "-H",
                f"Cookie: {lead.cookie}",
                f"{server.base}/campaigns/{code}/export/ledger.csv",
            ]
        )
        answer["memory_mb"] = watch.stop()
        answer["cpu_s"] = cpu_seconds(pids) - cpu_before
        with target.open(encoding="utf-8-sig", newline="") as f:
            answer["rows"] = sum(1 for _ in csv.reader(f)) - 1
        results.append(answer)
    best = min(results, key=lambda r: r["total_s"])
    return {
        "runs": results,
        "rows": best["rows"],
        "total_s": best["total_s"],
        "ttfb_s": best["ttfb_s"],
        "memory_mb": max(r["memory_mb"] for r in results),
        "cpu_s": best["cpu_s"],
        "status": best["status"],
        "load": os.getloadavg()[0],
    }


def add_ledger_campaign(url: str, rows: int, seed: int) -> str:
    out = subprocess.run(
        [sys.executable, "-m", "bench.generate", "--database-url", url]
        + ["--seed", str(seed), "--ledger-campaign", str(rows)],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
        env=os.environ | {"PORTAL_INSTANCE": str(OUT / "instance")},
    ).stdout
    return out.strip().splitlines()[-1].split()[-1]


# --- The report ----------------------------------------------------------------------------------


def machine() -> dict:
    import psutil

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "python": platform.python_version(),
    }


def git_commit() -> str:
    def git(*args):
        return subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, check=False
        ).stdout.strip()

    commit = git("rev-parse", "--short", "HEAD")
    changed = [
        line
        for line in git("status", "--porcelain", "--untracked-files=no").splitlines()
        if not line.endswith("docs/PERFORMANCE.md")
    ]
    return commit + (" (with uncommitted changes)" if changed else "")


def _ms(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:.1f}"


def _mark(ok: bool | None) -> str:
    return "" if ok is None else ("met" if ok else "**missed**")


READ_ROWS = [
    # key, scenario, role, target text, p95 limit ms, share of hello
    ("list_inspector", "item list, filters", "inspector", "p95 ≤ 50 ms; ≥ 40 % of hello", 50, 0.4),
    ("list_liaison", "item list, filters", "liaison", "p95 ≤ 50 ms; ≥ 40 % of hello", 50, 0.4),
    ("list_lead", "item list, filters", "lead", "p95 ≤ 50 ms; ≥ 40 % of hello", 50, 0.4),
    ("item_page", "item page", "inspector", "", None, None),
    ("joint_cases", "joint cases", "liaison", "p95 ≤ 50 ms", 50, None),
    ("dashboard", "dashboard", "lead", "p95 ≤ 150 ms", 150, None),
    ("completion_csv", "completion export CSV", "lead", "≤ 1 s; ≤ 3 × raw SQL", 1000, None),
    ("completion_xlsx", "completion export XLSX", "lead", "≤ 1 s; ≤ 3 × raw SQL", 1000, None),
]


def report(results: dict) -> str:
    r = results
    hello = r["scenarios"]["hello"]
    raw = r["raw_sql"]
    m = r["machine"]
    ds = r["dataset"]
    lines = [
        f"### {r['started']} · {r['database']} · scale {r['scale']:g} · seed {r['seed']}",
        "",
        f"- Command: `{r['command']}`",
        f"- Commit: {r['commit']}",
        f"- Machine: {m['cpu']}, {m['cores']} cores, {m['ram_gib']} GiB RAM, Python {m['python']}",
        f"- Load average (1/5/15 min): {' / '.join(f'{x:.2f}' for x in r['load_start'])} at the "
        f"start, {' / '.join(f'{x:.2f}' for x in r['load_end'])} at the end; CPU busy "
        f"{r['cpu_busy_before']:.0f} % in the 3 s before the run (other work on the machine)",
        f"- Dataset: {ds['campaigns']} campaigns, {ds['teams']:,} teams, {ds['targets']:,} targets, "
        f"{ds['items']:,} items, {ds['timeline_entries']:,} timeline entries; "
        + (
            f"generated in {ds['generated_s']:.0f} s"
            if ds["generated_s"] is not None
            else "kept from an earlier run"
        ),
        f"- Server: gunicorn.conf.py, {r['workers']} workers × {r['threads']} threads; load from "
        f"wrk ({r['seconds']:g} s per measurement: 1 client, then 8) and curl",
        "",
        "| scenario | role | p50 ms | p95 ms | p99 ms | req/s, 1 client | req/s, 8 clients "
        "| server CPU ms/request | not 200 or errors | target | |",
        "|---|---|--:|--:|--:|--:|--:|--:|--:|---|---|",
        f"| hello (ceiling) | – | {_ms(hello['single']['p50_ms'])} "
        f"| {_ms(hello['single']['p95_ms'])} | {_ms(hello['single']['p99_ms'])} "
        f"| {hello['single']['rps']:,.0f} | {hello['many']['rps']:,.0f} "
        f"| {hello['single']['cpu_ms']:.2f} | {bad_answers(hello['single']) + bad_answers(hello['many'])} | | |",
    ]
    for key, name, role, target, limit, share in READ_ROWS:
        s = r["scenarios"][key]
        one, many = s["single"], s["many"]
        ok = None
        if limit is not None:
            ok = one["p95_ms"] <= limit
            if key.startswith("completion"):
                ok = ok and one["p50_ms"] <= 3 * raw["p50_ms"]
            if share is not None:
                ok = ok and many["rps"] >= share * hello["many"]["rps"]
        lines.append(
            f"| {name} | {role} | {_ms(one['p50_ms'])} | {_ms(one['p95_ms'])} "
            f"| {_ms(one['p99_ms'])} | {one['rps']:,.1f} | {many['rps']:,.1f} "
            f"| {one['cpu_ms']:.1f} | {bad_answers(one) + bad_answers(many)} | {target} "
            f"| {_mark(ok)} |"
        )
    sc = r["scenarios"]
    ratios = [
        "item list throughput ÷ hello: "
        + ", ".join(
            f"{role} {sc[key]['many']['rps'] / hello['many']['rps']:.1%}"
            for key, role in (
                ("list_inspector", "inspector"),
                ("list_liaison", "liaison"),
                ("list_lead", "lead"),
            )
        ),
        "by server CPU per request (hello's ÷ the list's, less sensitive to other load): "
        + ", ".join(
            f"{role} {hello['single']['cpu_ms'] / sc[key]['single']['cpu_ms']:.1%}"
            for key, role in (
                ("list_inspector", "inspector"),
                ("list_liaison", "liaison"),
                ("list_lead", "lead"),
            )
        ),
        f"completion export p50 ÷ raw SQL p50 ({raw['p50_ms']:.1f} ms): "
        f"CSV {sc['completion_csv']['single']['p50_ms'] / raw['p50_ms']:.1f} ×, "
        f"XLSX {sc['completion_xlsx']['single']['p50_ms'] / raw['p50_ms']:.1f} ×",
    ]
    led, imp, st = r["ledger"], r["import"], r["status_changes"]
    lines += [
        "",
        "Ceilings and ratios: " + "; ".join(ratios) + ".",
        "",
        "| scenario | measured | target | |",
        "|---|---|---|---|",
        f"| ledger CSV, {led['rows']:,} rows (lead) | {led['total_s']:.1f} s in all, first byte "
        f"after {led['ttfb_s']:.2f} s, server CPU {led.get('cpu_s', 0):.1f} s, worker memory "
        f"+{led['memory_mb']:.0f} MB (status "
        f"{led['status']}) | ≤ 15 s, first byte ≤ 1 s, ≤ +100 MB "
        f"| {_mark(led['total_s'] <= 15 and led['ttfb_s'] <= 1 and led['memory_mb'] <= 100)} |",
        f"| ledger import, {imp['rows']:,} rows (lead) | {imp['total_s']:.1f} s (upload and "
        f"preview {imp['upload_s']:.1f} s, confirm {imp['confirm_s']:.1f} s); "
        f"{imp['imported']:,} items added | ≤ 15 s "
        f"| {_mark(imp['total_s'] <= 15 and imp['imported'] == imp['rows'])} |",
        f"| status changes, {STATUS_CLIENTS} clients (liaisons acknowledge) "
        f"| {st['changes_per_s']:.0f} changes/s (p50 {_ms(st['p50_ms'])} ms, p95 "
        f"{_ms(st['p95_ms'])} ms); {st['answered_ok']:,} answered done, {st['items_moved']:,} "
        f"items moved, {st['timeline_entries']:,} timeline entries, lost: {st['lost']} "
        f"| ≥ 200/s on PostgreSQL, none lost "
        f"| {_mark((st['changes_per_s'] >= 200 or r['database'] != 'postgresql') and st['lost'] == 0 and st['timeline_entries'] == st['items_moved'])} |",
        "",
    ]
    return "\n".join(lines)


def append_report(section: str) -> None:
    text = REPORT.read_text() if REPORT.exists() else "# Performance\n\n## Results\n"
    if not text.endswith("\n"):
        text += "\n"
    REPORT.write_text(text + "\n" + section)


# --- The run ---------------------------------------------------------------------------------------


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="City-scale benchmark of the portal (issue 7)")
    parser.add_argument("--database", choices=["sqlite", "postgresql"], required=True)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--seconds", type=float, default=10, help="per wrk measurement")
    parser.add_argument(
        "--postgresql",
        default=os.environ.get("BENCH_POSTGRESQL", "postgresql+psycopg://postgres@127.0.0.1:5432"),
        help="server URL without a database name",
    )
    parser.add_argument("--no-report", action="store_true", help="do not touch PERFORMANCE.md")
    args = parser.parse_args(argv)
    for tool in ("wrk", "curl"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} is needed: apt-get install {tool}")
    import psutil

    OUT.mkdir(parents=True, exist_ok=True)
    results = {
        "started": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "command": "python -m bench.run " + " ".join(argv if argv is not None else sys.argv[1:]),
        "database": args.database,
        "scale": args.scale,
        "seed": args.seed,
        "seconds": args.seconds,
        "commit": git_commit(),
        "machine": machine(),
        "cpu_busy_before": psutil.cpu_percent(interval=3),
        "load_start": os.getloadavg(),
        "scenarios": {},
    }
    log(f"load average {results['load_start']}, CPU busy {results['cpu_busy_before']} %")
    if args.database == "sqlite":
        url, generated = prepare_sqlite(args.scale, args.seed)
    else:
        url, generated = prepare_postgresql(args.postgresql, args.scale, args.seed)
    upgrade(url)
    f = facts(url)
    results["dataset"] = {
        "campaigns": len(f["campaigns"]),
        "teams": f["teams_count"],
        "targets": f["targets"],
        "items": f["items"],
        "timeline_entries": f["timeline_entries"],
        "generated_s": generated,
    }
    log(f"dataset: {results['dataset']}")

    log("ceiling: hello")
    results["scenarios"]["hello"] = ceiling_hello(url, args.seconds)
    big = f["campaigns"][0][0]
    server = Server(url)
    results["workers"] = server.workers
    results["threads"] = int(os.environ.get("PORTAL_THREADS", "2"))
    try:
        lead = Browser(server.base, "bench-lead")
        inspector = Browser(server.base, "bench-inspector-1")
        liaison = Browser(server.base, "bench-liaison-police")
        rng = random.Random(args.seed)
        refs = rng.sample(f["inspector_refs"], min(200, len(f["inspector_refs"])))
        dashboards = [f"/campaigns/{c}/dashboard" for c, _, _ in f["campaigns"][:4]]
        plan = {
            "list_inspector": (inspector, list_paths("inspector", f)),
            "list_liaison": (liaison, list_paths("liaison", f)),
            "list_lead": (lead, list_paths("lead", f)),
            "item_page": (inspector, [f"/items/{ref}" for ref in refs]),
            "joint_cases": (liaison, ["/joint-cases"]),
            "dashboard": (lead, dashboards),
            "completion_csv": (lead, [f"/campaigns/{big}/export/completion.csv?by=district"]),
            "completion_xlsx": (lead, [f"/campaigns/{big}/export/completion.xlsx?by=district"]),
        }
        for key, (browser, paths) in plan.items():
            for path in paths[:3]:
                if (code := browser.status(path)) != 200:
                    raise SystemExit(f"{path} as {browser.username} answered {code}")
            log(f"scenario: {key} ({len(paths)} pages)")
            results["scenarios"][key] = read_scenario(server, browser.cookie, paths, args.seconds)
            s = results["scenarios"][key]
            log(
                f"  p50 {s['single']['p50_ms']:.1f} ms, p95 {s['single']['p95_ms']:.1f} ms,"
                f" {s['many']['rps']:.1f} req/s with 8, CPU {s['single']['cpu_ms']:.1f} ms a request"
            )
        log("ceiling: the completion query alone")
        results["raw_sql"] = ceiling_sql(url, big)
        log(f"  p50 {results['raw_sql']['p50_ms']:.1f} ms")

        log("scenario: ledger import")
        middle = f["campaigns"][len(f["campaigns"]) // 2][0]
        results["import"] = ledger_import(server, url, middle, lead, args.seed)
        log(f"  {results['import']}")
        log("scenario: status changes")
        results["status_changes"] = status_changes(server, url, f)
        st = results["status_changes"]
        log(f"  {st['changes_per_s']:.0f}/s, lost {st['lost']}")

        rows = max(1000, round(LEDGER_ROWS * args.scale))
        log(f"scenario: ledger CSV (adding a campaign of {rows:,} items first)")
        code = add_ledger_campaign(url, rows, args.seed)
        results["ledger"] = ledger_export(server, code, lead)
        log(f"  {results['ledger']}")
    finally:
        server.stop()
    results["load_end"] = os.getloadavg()
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    (OUT / f"results-{stamp}-{args.database}.json").write_text(json.dumps(results, indent=1))
    section = report(results)
    print(section)
    if not args.no_report:
        append_report(section)
        log(f"appended to {REPORT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
