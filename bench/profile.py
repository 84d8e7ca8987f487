"""Profile one page of the portal in-process with pyinstrument, and print its SQL with timings.

    python -m bench.profile --database-url sqlite:///bench/out/run.db --user bench-lead \\
        /campaigns/BEN001/dashboard [--repeat 5] [--sql]

Signs in through the login form (Flask's test client), requests the page once to warm up, then
`--repeat` times under the profiler. With --sql, every statement of one more request is printed
with its time, slowest first (to EXPLAIN them by hand).
"""

import argparse
import os
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.generate import PASSWORD  # noqa: E402


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--user", required=True)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--sql", action="store_true")
    parser.add_argument("path")
    args = parser.parse_args(argv)
    os.environ.setdefault("PORTAL_INSTANCE", str(ROOT / "bench" / "out" / "instance"))
    from pyinstrument import Profiler
    from sqlalchemy import event

    from portal import create_app
    from portal.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": args.database_url, "SESSION_COOKIE_SECURE": False})
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    answer = client.post(
        "/login", data={"username": args.user, "password": PASSWORD, "csrf_token": token}
    )
    assert answer.status_code == 302, answer.status_code
    first = client.get(args.path)
    print(f"{args.path}: {first.status_code}, {len(first.data):,} bytes")
    profiler = Profiler()
    started = time.perf_counter()
    with profiler:
        for _ in range(args.repeat):
            answer = client.get(args.path)
            answer.get_data()  # a streamed body is produced while it is read
            answer.close()
    print(f"{(time.perf_counter() - started) / args.repeat * 1000:.1f} ms a request")
    print(profiler.output_text(unicode=True, color=False, show_all=False))
    if args.sql:
        statements = []
        with app.app_context():
            engine = db.engine

        def before(conn, cursor, statement, parameters, context, executemany):
            conn.info["started"] = time.perf_counter()

        def after(conn, cursor, statement, parameters, context, executemany):
            spent = (time.perf_counter() - conn.info["started"]) * 1000
            statements.append((spent, statement, parameters))

        event.listen(engine, "before_cursor_execute", before)
        event.listen(engine, "after_cursor_execute", after)
        client.get(args.path).close()
        print(f"{len(statements)} statements, {sum(s[0] for s in statements):.1f} ms in all")
        for spent, statement, parameters in sorted(statements, key=lambda s: -s[0])[:15]:
            print(f"--- {spent:.1f} ms\n{statement}\n{parameters}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
