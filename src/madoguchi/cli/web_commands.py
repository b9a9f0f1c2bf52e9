"""``madoguchi demo``, ``madoguchi serve`` and ``madoguchi manage``: the Django shell from the command line."""

from __future__ import annotations

import argparse
import os
import sys

from madoguchi.cli import CommandError

# gunicorn's default access log line (its request line and referer without query string, see
# madoguchi.web.project.serverlog) plus the time the request spent in the application, in microseconds
# (`madoguchi bench load` reads it to tell time in the application from time spent waiting for a worker).
ACCESS_LOG_FORMAT = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(D)s'


def register(sub) -> None:
    demo = sub.add_parser("demo", help="set up the sample municipality on SQLite and serve it on 127.0.0.1")
    demo.add_argument("--port", type=int, default=8000)
    demo.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    demo.add_argument("--no-serve", action="store_true", help="set up the database and accounts, then exit")
    demo.add_argument(
        "--card-agent-port", type=int, default=8791, help="port of the built-in card agent (virtual cards)"
    )
    demo.add_argument("--no-card-agent", action="store_true", help="do not start the built-in card agent")
    demo.add_argument(
        "--preentry",
        action="store_true",
        help="also start the public pre-entry profile (its own database) on --preentry-port and connect the counter to it",
    )
    demo.add_argument("--preentry-port", type=int, default=8001)
    demo.set_defaults(func=demo_command)

    serve = sub.add_parser(
        "serve", help="run the production server (gunicorn; settings from the environment)"
    )
    serve.add_argument("--bind", default=os.environ.get("MADOGUCHI_BIND", "127.0.0.1:8000"))
    # Many single-threaded workers: a request holds the GIL for most of its time, and a second thread in the
    # process makes every database round trip wait for it (docs/decisions/0010-server-processes.md).
    serve.add_argument(
        "--workers", type=int, default=int(os.environ.get("MADOGUCHI_WORKERS", str(default_workers())))
    )
    serve.add_argument("--threads", type=int, default=int(os.environ.get("MADOGUCHI_THREADS", "1")))
    serve.add_argument("--migrate", action="store_true", help="apply database migrations before serving")
    serve.add_argument(
        "--profile",
        choices=["counter", "preentry"],
        default=os.environ.get("MADOGUCHI_PROFILE", "counter"),
        help="counter (staff, closed network) or preentry (the public pre-entry site: own database, no counter data)",
    )
    serve.set_defaults(func=serve_command)

    manage = sub.add_parser("manage", help="run a Django management command (migrate, createsuperuser, …)")
    manage.add_argument("args", nargs=argparse.REMAINDER, help="the Django command and its options")
    manage.set_defaults(func=manage_command)


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "madoguchi.web.project.settings")
    if not os.environ.get("DATABASE_URL"):
        # The embedded SQLite database lives in MADOGUCHI_HOME; make sure the folder exists.
        from pathlib import Path

        Path(os.environ.get("MADOGUCHI_HOME", "var")).mkdir(mode=0o700, parents=True, exist_ok=True)
    import django

    django.setup()
    private_sqlite_files()


def private_sqlite_files() -> None:
    """SQLite database files (and their -wal/-shm, which SQLite creates with the database's mode) are
    readable by their owner only: created 0600 before the first connection, narrowed if they exist."""
    from django.conf import settings

    for db in settings.DATABASES.values():
        name = str(db.get("NAME") or "")
        if (
            db.get("ENGINE") != "django.db.backends.sqlite3"
            or not name
            or name.startswith((":memory:", "file:"))
        ):
            continue
        os.close(os.open(name, os.O_WRONLY | os.O_CREAT, 0o600))
        for path in (name, name + "-wal", name + "-shm"):
            if os.path.exists(path):
                os.chmod(path, 0o600)


def default_workers() -> int:
    """Four single-threaded workers per core (8 on the 2-core reference machine), at most 32."""
    return min(32, 4 * (os.cpu_count() or 1))


def _check_catalog() -> None:
    from django.conf import settings

    from madoguchi.catalog import CatalogError, load_catalog

    try:
        load_catalog(settings.CATALOG_PATH)
    except CatalogError as exc:
        raise CommandError(f"the catalog at {settings.CATALOG_PATH} has errors:\n{exc}", 1) from None


def demo_command(args) -> int:
    os.environ.setdefault("MADOGUCHI_HOME", "var")
    if not args.no_serve and not args.no_card_agent:
        _demo_card_agent_env(args)
    if not args.no_serve and getattr(args, "preentry", False):
        _demo_preentry_env(args)
    if "DATABASE_URL" in os.environ and not os.environ["DATABASE_URL"].startswith("sqlite"):
        print("note: DATABASE_URL is set; the demo uses it instead of SQLite", file=sys.stderr)
    _setup_django()
    from django.conf import settings
    from django.core.management import call_command

    _check_catalog()
    call_command("migrate", interactive=False, verbosity=0)
    call_command("madoguchi_demo_data")
    demo_drop_folders()
    db = settings.DATABASES["default"]
    print(f"database: {db['NAME']} ({db['ENGINE'].rsplit('.', 1)[-1]})")
    if args.no_serve:
        return 0
    if not args.no_card_agent:
        _start_demo_card_agent(args)
    if getattr(args, "preentry", False):
        _start_demo_preentry(args)
    else:
        print("pre-entry (public side): rerun with --preentry, or see docs/resident.md")
    _start_demo_worker()
    print(f"serving http://{args.host}:{args.port}/  (Ctrl+C to stop)")
    return _run_server(f"{args.host}:{args.port}", workers=2, threads=4)


def demo_drop_folders() -> list:
    """The demo's core systems are folders; make them so the first finished case arrives, not an error."""
    from madoguchi.delivery.plugins import FileDrop
    from madoguchi.delivery.registry import get_plugin
    from madoguchi.web.counter.services import current_catalog

    made = []
    for target in current_catalog().delivery_targets.values():
        plugin = get_plugin(target.plugin)(target.id, target.options)
        if isinstance(plugin, FileDrop):
            plugin.directory.mkdir(parents=True, exist_ok=True)
            made.append(plugin.directory)
    return made


def _start_demo_worker() -> None:
    """The delivery worker beside the demo server, so finished cases reach the demo's drop folders."""
    import atexit
    import subprocess

    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    child = subprocess.Popen([sys.executable, "-m", "madoguchi", "worker"], env=env)
    parent = os.getpid()
    atexit.register(lambda: os.getpid() == parent and child.poll() is None and child.terminate())
    home = os.path.abspath(os.environ["MADOGUCHI_HOME"])
    print(f"delivery worker: running; CSV files for the core systems arrive in {home}/kikan/")


def _demo_preentry_env(args) -> None:
    """Share one API key between the counter and the demo's pre-entry profile (before settings are read)."""
    import secrets
    from pathlib import Path

    from madoguchi.privacy import write_private_file

    home = Path(os.environ["MADOGUCHI_HOME"]).resolve()
    home.mkdir(parents=True, exist_ok=True)
    key_file = home / "preentry_api_key"
    if not key_file.exists():
        write_private_file(key_file, secrets.token_urlsafe(32))
    os.environ.setdefault("MADOGUCHI_PREENTRY_API_KEY", key_file.read_text().strip())
    os.environ.setdefault("MADOGUCHI_PREENTRY_URL", f"http://127.0.0.1:{args.preentry_port}")


# What the demo's public pre-entry process may inherit from the counter's environment: nothing secret of the
# counter (its secret key, encryption key, card agent token, database) and not its home folder.
_PREENTRY_SHARED = (
    "MADOGUCHI_PREENTRY_API_KEY",  # the one secret the two sides share by design
    "MADOGUCHI_PREENTRY_KEY",
    "MADOGUCHI_CATALOG",
    "MADOGUCHI_ALLOWED_HOSTS",
    "MADOGUCHI_CSRF_TRUSTED_ORIGINS",
    "MADOGUCHI_HTTPS",
    "MADOGUCHI_DEBUG",
    "MADOGUCHI_LOG_LEVEL",
)


def preentry_child_env(environ, counter_home) -> dict[str, str]:
    """The demo's pre-entry process environment: its own home (``<counter home>/preentry``) with its own
    secret key, the system's variables, and of madoguchi's only what the public side needs."""
    import secrets
    from pathlib import Path

    from madoguchi.privacy import write_private_file

    home = Path(counter_home).resolve() / "preentry"
    home.mkdir(parents=True, exist_ok=True)
    home.chmod(0o700)
    secret_file = home / "preentry_secret_key"
    if not secret_file.exists():
        write_private_file(secret_file, secrets.token_urlsafe(50))
    env = {
        k: v
        for k, v in environ.items()
        if not k.startswith(("MADOGUCHI_", "DJANGO_", "DATABASE_URL")) or k in _PREENTRY_SHARED
    }
    env["MADOGUCHI_HOME"] = str(home)
    env["MADOGUCHI_SECRET_KEY"] = secret_file.read_text().strip()
    return env


def _start_demo_preentry(args) -> None:
    """The public pre-entry profile as a child process: own settings, own home, own SQLite file and keys."""
    import atexit
    import subprocess

    env = preentry_child_env(os.environ, os.environ["MADOGUCHI_HOME"])
    child = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "madoguchi",
            "serve",
            "--profile",
            "preentry",
            "--migrate",
            "--workers",
            "1",
            "--bind",
            f"{args.host}:{args.preentry_port}",
        ],
        env=env,
        cwd=env["MADOGUCHI_HOME"],
    )
    parent = os.getpid()
    # gunicorn workers are forks of this process and run atexit handlers too: only the master stops the child.
    atexit.register(lambda: os.getpid() == parent and child.poll() is None and child.terminate())
    print(
        f"pre-entry (public side): http://{args.host}:{args.preentry_port}/  — the counter takes codes from it"
    )


def _demo_card_agent_env(args) -> None:
    """Pair the server and the built-in card agent (token, CSP origin, the virtual cards' test CA) before
    Django reads its settings and before gunicorn forks its workers."""
    import secrets
    from pathlib import Path

    from madoguchi.card.builder import virtual_hierarchy
    from madoguchi.card.signature import CA_KEY_ENV, key_file_text

    home = Path(os.environ["MADOGUCHI_HOME"]).resolve()
    home.mkdir(parents=True, exist_ok=True)
    agent_origin = f"http://127.0.0.1:{args.card_agent_port}"
    os.environ.setdefault("MADOGUCHI_CARD_AGENT_TOKEN", secrets.token_urlsafe(24))
    os.environ["MADOGUCHI_CARD_AGENT_URL"] = agent_origin  # the demo's own agent, started below
    h = virtual_hierarchy()
    ca = home / "card-test-ca.pem"
    ca.write_text(key_file_text(h.ca.public_key(), h.ca_key_id, "virtual test CA of this demo run"))
    os.environ[CA_KEY_ENV] = str(ca)
    os.environ["MADOGUCHI_CARD_TEST_MODE"] = "1"


def _start_demo_card_agent(args) -> None:
    from madoguchi.card import transport
    from madoguchi.card.agent import AgentConfig, CardAgent, serve_in_thread
    from madoguchi.card.builder import virtual_hierarchy
    from madoguchi.card.errors import CardError

    agent = CardAgent(transport.create("virtual", {"card": "demo"}), virtual_hierarchy().trust_store())
    config = AgentConfig(
        token=os.environ["MADOGUCHI_CARD_AGENT_TOKEN"],
        origin=f"http://{args.host}:{args.port}",
        port=args.card_agent_port,
    )
    try:
        serve_in_thread(agent, config)
    except (OSError, CardError) as exc:
        print(
            f"note: the card agent did not start ({exc}); 「カードを読み取る」 will not work", file=sys.stderr
        )
        return
    print(f"card agent: http://127.0.0.1:{config.port} with the virtual card 'demo' (PIN 1234)")


def serve_refusals(environ, profile: str) -> list[str]:
    """What `madoguchi serve` refuses to start without: no key is made up beside the database in production
    (the demo keeps its generated keys in its own home)."""
    problems = []
    if not environ.get("MADOGUCHI_SECRET_KEY"):
        problems.append("MADOGUCHI_SECRET_KEY must be set for production (see docs/operations.md)")
    if profile == "counter" and not environ.get("MADOGUCHI_ENCRYPTION_KEY"):
        problems.append(
            "MADOGUCHI_ENCRYPTION_KEY must be set for production: the 個人番号 and card readings are encrypted "
            "with it (see docs/registry.md); a key file beside the database is not used by serve"
        )
    return problems


DEBUG_WARNING = """
******************************************************************************
WARNING: MADOGUCHI_DEBUG=1 — debug mode is ON. Error pages show settings,
source code and request data (residents' personal data). Never use it on a
server that real residents' data or a network other than loopback reaches.
******************************************************************************
"""


def serve_command(args) -> int:
    profile = getattr(args, "profile", "counter")
    problems = serve_refusals(os.environ, profile)
    if problems:
        raise CommandError("\n".join(problems))
    if os.environ.get("MADOGUCHI_DEBUG") == "1":
        print(DEBUG_WARNING, file=sys.stderr)
    if profile == "preentry":
        # The public profile: its own settings (no counter apps), see docs/resident.md.
        os.environ["DJANGO_SETTINGS_MODULE"] = "madoguchi.web.project.settings_preentry"
        if not os.environ.get("MADOGUCHI_PREENTRY_KEY"):
            print(
                "note: MADOGUCHI_PREENTRY_KEY is not set; residents' answers are sealed with a key derived from "
                "MADOGUCHI_SECRET_KEY (set a separate key in production, see docs/resident.md)",
                file=sys.stderr,
            )
        if not os.environ.get("MADOGUCHI_PREENTRY_API_KEY"):
            print(
                "note: MADOGUCHI_PREENTRY_API_KEY is not set; the counter cannot take submissions",
                file=sys.stderr,
            )
    else:
        from madoguchi.card.address import card_agent_notes

        for note in card_agent_notes(os.environ):
            print(f"note: {note}", file=sys.stderr)
    _setup_django()
    _check_catalog()
    if args.migrate:
        from django.core.management import call_command

        call_command("migrate", interactive=False, verbosity=1)
    return _run_server(args.bind, workers=args.workers, threads=args.threads)


def sqlite_database():
    """The SQLite database file the settings name, or None for another engine (Django set up)."""
    from django.conf import settings

    db = settings.DATABASES["default"]
    return db["NAME"] if db["ENGINE"].endswith("sqlite3") and str(db["NAME"]) != ":memory:" else None


_SERVER_LOCK = []  # the descriptor of the shared lock: kept open for the life of the server process


def _run_server(bind: str, workers: int, threads: int) -> int:
    from madoguchi.cli import sqlite_guard

    database = sqlite_database()
    if database is not None:
        try:
            _SERVER_LOCK.append(sqlite_guard.hold_for_server(database))
        except sqlite_guard.Busy as exc:
            raise CommandError(str(exc)) from None
    if os.name != "posix":  # gunicorn is POSIX-only; Windows counter PCs get Django's threaded server
        from django.core.management import call_command

        call_command("runserver", bind, use_reloader=False)
        return 0
    from gunicorn.app.base import BaseApplication

    from madoguchi.web.project.slowclients import BufferedBodies
    from madoguchi.web.project.warmup import prepare_server_process
    from madoguchi.web.project.wsgi import application

    prepare_server_process()
    # `threads` application slots per process, plus connection threads that only wait for slow bodies.
    app = BufferedBodies(
        application, slots=threads, body_seconds=float(os.environ.get("MADOGUCHI_BODY_SECONDS", "20"))
    )
    pool = threads + int(os.environ.get("MADOGUCHI_CONNECTION_THREADS", "8"))

    class Server(BaseApplication):
        def load_config(self):
            options = {
                "bind": bind,
                "workers": workers,
                "threads": pool,
                "worker_class": "gthread",
                "accesslog": os.environ.get("MADOGUCHI_ACCESS_LOG", "-"),
                "access_log_format": ACCESS_LOG_FORMAT,
                # No query string, referer query or 個人番号 in any line gunicorn writes (issue #13).
                "logger_class": "madoguchi.web.project.serverlog.MaskingLogger",
                "timeout": 60,
                # Bounded request heads: gunicorn waits 5 s for a first byte, then these sizes hold.
                "limit_request_line": 8190,
                "limit_request_fields": 100,
                "limit_request_field_size": 8190,
                "graceful_timeout": 10,
                "keepalive": int(os.environ.get("MADOGUCHI_KEEPALIVE", "2")),
            }
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self):
            return app

    Server().run()
    return 0


def manage_command(args) -> int:
    _setup_django()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["madoguchi manage", *args.args])
    return 0
