# ruff: noqa: S310, S603  # a local script: it starts its own processes and calls 127.0.0.1
"""Load and faults on 127.0.0.1: nothing acknowledged is lost, no e-mail is sent twice.

Starts a throwaway PostgreSQL, gunicorn with several workers, the task worker and a small
SMTP server of its own; sends mixed public traffic from concurrent clients (register
pages and searches, the API, inquiries with an Idempotency-Key, retried on failure as a
well-behaved client would); in the middle restarts PostgreSQL, and stalls, stops and
restarts the SMTP server. Then it waits for the outbox to drain and prints requests,
errors by kind, acknowledged versus stored inquiries and e-mails sent.

    make loadtest                    # DURATION=150 CLIENTS=10 WORKERS=4 by default

Only ever binds 127.0.0.1; every process it starts is stopped at the end.
"""

import collections
import contextlib
import email.header
import json
import os
import random
import shutil
import signal
import socket
import socketserver
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")
DURATION = int(os.environ.get("DURATION", "150"))
CLIENTS = int(os.environ.get("CLIENTS", "10"))
WORKERS = int(os.environ.get("WORKERS", "4"))
HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


# --- A small SMTP server that can be stopped, stalled and restarted ----------------------


class Mailbox:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.received: collections.Counter[tuple[str, str]] = collections.Counter()
        self.mode = "up"  # up, stalled, down


MAILBOX = Mailbox()


class SmtpHandler(socketserver.StreamRequestHandler):
    timeout = 120

    def reply(self, line: str) -> None:
        self.wfile.write((line + "\r\n").encode())

    def handle(self) -> None:
        if MAILBOX.mode == "stalled":
            # Accept the connection and never answer: the sender must time out.
            while MAILBOX.mode == "stalled":
                time.sleep(0.2)
            return
        self.reply("220 loadtest ESMTP")
        recipients: list[str] = []
        while True:
            line = self.rfile.readline().decode(errors="replace").strip()
            if not line:
                return
            verb = line.split(" ", 1)[0].upper()
            if verb in {"HELO", "EHLO"}:
                self.reply("250 loadtest")
            elif verb == "MAIL":
                recipients = []
                self.reply("250 OK")
            elif verb == "RCPT":
                recipients.append(line.split(":", 1)[1].strip().strip("<>"))
                self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                subject = ""
                while True:
                    data = self.rfile.readline().decode(errors="replace")
                    if data in {".\r\n", ".\n", ""}:
                        break
                    if data.lower().startswith("subject:") and not subject:
                        # Non-ASCII subjects arrive encoded (=?utf-8?...?=).
                        raw = data.split(":", 1)[1].strip()
                        subject = str(email.header.make_header(email.header.decode_header(raw)))
                with MAILBOX.lock:
                    for rcpt in recipients:
                        MAILBOX.received[(rcpt, subject)] += 1
                self.reply("250 OK queued")
            elif verb == "QUIT":
                self.reply("221 Bye")
                return
            else:
                self.reply("250 OK")


class SmtpServer:
    def __init__(self, port: int) -> None:
        self.port = port
        self.server: socketserver.ThreadingTCPServer | None = None

    def start(self) -> None:
        socketserver.ThreadingTCPServer.allow_reuse_address = True
        self.server = socketserver.ThreadingTCPServer((HOST, self.port), SmtpHandler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        MAILBOX.mode = "up"

    def stop(self) -> None:
        MAILBOX.mode = "down"
        if self.server:
            self.server.shutdown()
            self.server.server_close()
            self.server = None


# --- PostgreSQL -------------------------------------------------------------------------


class Postgres:
    def __init__(self) -> None:
        bins = sorted(Path("/usr/lib/postgresql").glob("*/bin"))
        if not bins:
            sys.exit("PostgreSQL is not installed (Debian's postgresql package).")
        self.bin = bins[-1]
        self.tmp = Path(tempfile.mkdtemp(prefix="samverkan-load-pg."))
        self.port = free_port()
        if os.getuid() == 0:
            shutil.chown(self.tmp, "postgres")

    def run(self, *args: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if os.getuid() == 0 else []
        subprocess.run([*prefix, *args], check=True, stdout=subprocess.DEVNULL)

    def ctl(self, action: str) -> None:
        options = f"-c listen_addresses={HOST} -p {self.port} -k {self.tmp} -c max_connections=100"
        self.run(
            str(self.bin / "pg_ctl"), "-D", str(self.tmp / "data"), "-l",
            str(self.tmp / "server.log"), "-w", "-m", "fast", "-o", options, action,
        )  # fmt: skip

    def start(self) -> str:
        self.run(
            str(self.bin / "initdb"), "-D", str(self.tmp / "data"), "-U", "postgres",
            "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8",
        )  # fmt: skip
        self.ctl("start")
        self.run(str(self.bin / "createdb"), "-h", HOST, "-p", str(self.port), "-U", "postgres",
                 "samverkan")  # fmt: skip
        return f"postgres://postgres@{HOST}:{self.port}/samverkan"

    def cleanup(self) -> None:
        with contextlib.suppress(Exception):
            self.run(str(self.bin / "pg_ctl"), "-D", str(self.tmp / "data"), "-m", "immediate",
                     "stop")  # fmt: skip
        shutil.rmtree(self.tmp, ignore_errors=True)


# --- Clients ----------------------------------------------------------------------------


class Results:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.requests = 0
        self.kinds: collections.Counter[str] = collections.Counter()
        self.acknowledged: list[str] = []
        self.retries = 0

    def count(self, kind: str) -> None:
        with self.lock:
            self.requests += 1
            self.kinds[kind] += 1


RESULTS = Results()
WORDS = ["genom", "sekvensering", "cancer", "nyfödda", "data", "avtal", "pilot", "diagnostik"]


def request(base: str, method: str, path: str, body: dict[str, Any] | None = None,
            headers: dict[str, str] | None = None) -> tuple[int, bytes]:  # fmt: skip
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, method=method)
    req.add_header("Accept-Language", random.choice(["sv", "en"]))  # noqa: S311
    if data is not None:
        req.add_header("Content-Type", "application/json")
    for key, value in (headers or {}).items():
        req.add_header(key, value)
    try:
        with urllib.request.urlopen(req, timeout=30) as response:
            status, content = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, content = error.code, error.read()
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError) as error:
        reason = getattr(error, "reason", error)
        RESULTS.count(f"connection error ({type(reason).__name__})")
        return 0, b""
    RESULTS.count(str(status))
    return status, content


def submit(base: str, client: int, n: int) -> None:
    """An inquiry, retried with the same key until it is acknowledged (at most a minute)."""
    key = str(uuid.uuid4())
    body = {
        "organisation_name": f"Lastbolag {client} AB",
        "foreign_identifier": f"LOAD-{client}",
        "country": "DK",
        "contact_name": "Ada Lind",
        "contact_email": f"client{client}@load.example",
        "title": f"Belastning {client}-{n}",
        "description": "Vi vill testa snabb helgenomsekvensering för nyfödda.",
        "kinds": ["research"],
        "operations_in_sweden": True,
        "consent": True,
    }
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        status, content = request(base, "POST", "/api/v1/inquiries", body,
                                  {"Idempotency-Key": key})  # fmt: skip
        if status in {200, 201}:
            with RESULTS.lock:
                RESULTS.acknowledged.append(json.loads(content)["reference"])
            return
        if status == 422:
            print("refused:", content[:300].decode(errors="replace"), flush=True)
            return
        with RESULTS.lock:
            RESULTS.retries += 1
        time.sleep(1)


def client_loop(base: str, client: int, stop: threading.Event) -> None:
    rng = random.Random(client)  # noqa: S311
    n = 0
    while not stop.is_set():
        choice = rng.random()
        if choice < 0.3:
            request(base, "GET", "/register/")
        elif choice < 0.55:
            request(base, "GET", f"/register/?q={urllib.request.quote(rng.choice(WORDS))}")
        elif choice < 0.7:
            request(base, "GET", "/api/v1/register/collaborations")
        elif choice < 0.8:
            request(base, "GET", "/needs/")
        else:
            n += 1
            submit(base, client, n)
        time.sleep(rng.uniform(0.05, 0.3))


# --- The run ----------------------------------------------------------------------------


class Supervised:
    """A process started again whenever it exits, as systemd's Restart=always would: the
    task worker exits when its database connection is lost (a PostgreSQL restart)."""

    def __init__(self, command: list[str], env: dict[str, str]) -> None:
        self.command, self.env, self.restarts = command, env, 0
        self.stopping = threading.Event()
        self.process = subprocess.Popen(command, cwd=ROOT, env=env)
        threading.Thread(target=self.watch, daemon=True).start()

    def watch(self) -> None:
        while not self.stopping.is_set():
            if self.process.poll() is not None and not self.stopping.is_set():
                self.restarts += 1
                log(f"worker exited ({self.process.returncode}); starting it again")
                time.sleep(2)
                self.process = subprocess.Popen(self.command, cwd=ROOT, env=self.env)
            time.sleep(1)

    def stop(self) -> None:
        self.stopping.set()
        self.process.send_signal(signal.SIGTERM)
        with contextlib.suppress(Exception):
            self.process.wait(timeout=20)


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)  # fmt: skip


def query(env: dict[str, str], code: str) -> Any:
    out = subprocess.run(
        [PY, "manage.py", "shell", "-c", code], cwd=ROOT, env=env, check=True,
        capture_output=True, text=True,
    )  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    pg = Postgres()
    processes: list[subprocess.Popen[bytes]] = []
    supervisors: list[Supervised] = []
    smtp = SmtpServer(free_port())
    var = Path(tempfile.mkdtemp(prefix="samverkan-load-var."))
    try:
        database_url = pg.start()
        web_port = free_port()
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "CONN_MAX_AGE": "60",
            "DEBUG": "0",
            "SECRET_KEY": "load-test-only",
            "ALLOWED_HOSTS": HOST,
            "SAMVERKAN_VAR_DIR": str(var),
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": HOST,
            "EMAIL_PORT": str(smtp.port),
            "EMAIL_TIMEOUT": "5",
            # A claim older than this belongs to a worker that died mid-send.
            "EMAIL_CLAIM_TIMEOUT": "30",
            "EMAIL_MAX_ATTEMPTS": "50",
            "INTAKE_RATE_LIMIT": "100000/h",
            "LOG_LEVEL": "ERROR",
        }
        env.pop("SAMVERKAN_TESTING", None)
        log(f"PostgreSQL on {HOST}:{pg.port}; migrating and loading the reference data")
        manage(env, "migrate", "-v", "0")
        manage(env, "load_reference")
        # The periodic sweep and the outbox sweep, as in production.
        manage(env, "start_schedules")
        smtp.start()
        log(f"SMTP on {HOST}:{smtp.port}; gunicorn ({WORKERS} workers) on {HOST}:{web_port}")
        processes.append(subprocess.Popen(
            [str(ROOT / ".venv/bin/gunicorn"), "samverkan.wsgi", "--workers", str(WORKERS),
             "--bind", f"{HOST}:{web_port}", "--timeout", "60", "--log-level", "error"],
            cwd=ROOT, env=env,
        ))  # fmt: skip
        worker = Supervised([PY, "manage.py", "db_worker", "--queue-name", "*"], env)
        supervisors.append(worker)
        base = f"http://{HOST}:{web_port}"
        for _ in range(60):
            if request(base, "GET", "/register/")[0] == 200:
                break
            time.sleep(1)
        RESULTS.requests, RESULTS.kinds = 0, collections.Counter()

        stop = threading.Event()
        clients = [
            threading.Thread(target=client_loop, args=(base, i, stop)) for i in range(CLIENTS)
        ]
        started = time.monotonic()
        log(f"{CLIENTS} clients for {DURATION} s")
        for thread in clients:
            thread.start()

        def at(fraction: float) -> None:
            time.sleep(max(0.0, started + DURATION * fraction - time.monotonic()))

        at(0.2)
        log("SMTP stalled (accepts, never answers)")
        MAILBOX.mode = "stalled"
        at(0.35)
        log("SMTP stopped")
        smtp.stop()
        at(0.45)
        log("PostgreSQL restarting")
        pg.ctl("restart")
        log("PostgreSQL back")
        at(0.6)
        log("SMTP restarted")
        smtp.start()
        at(1.0)
        stop.set()
        for thread in clients:
            thread.join()
        log("clients stopped; waiting for the outbox to drain")

        # Retries wait with back-off (minutes); bring those due later forward, as time
        # passing would, so the run stays bounded.
        drain_code = (
            "import json; from django.utils import timezone; "
            "from django_tasks_db.models import DBTaskResult; "
            "from samverkan.core.models import OutboundEmail as E; "
            "DBTaskResult.objects.filter(status='READY').update(run_after=timezone.now()); "
            "print(json.dumps(dict(pending=E.objects.exclude(status__in=['sent','failed'])"
            ".count())))"
        )
        for _ in range(40):
            if query(env, drain_code)["pending"] == 0:
                break
            time.sleep(3)

        stored = query(
            env,
            "import json; from samverkan.inquiries.models import Inquiry; "
            "print(json.dumps(list(Inquiry.objects.values_list('reference', flat=True))))",
        )
        worker_restarts = worker.restarts
        emails = query(
            env,
            "import json; from samverkan.core.models import OutboundEmail as E; "
            "print(json.dumps([[e.to, e.subject, e.status] for e in E.objects.all()]))",
        )
    finally:
        for supervisor in supervisors:
            supervisor.stop()
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            with contextlib.suppress(Exception):
                process.wait(timeout=20)
        smtp.stop()
        pg.cleanup()
        shutil.rmtree(var, ignore_errors=True)

    acknowledged = RESULTS.acknowledged
    sent = [(to, subject) for to, subject, status in emails if status == "sent"]
    outbox = collections.Counter((to, subject) for to, subject, _ in emails)
    received = MAILBOX.received
    print("\n== Results")
    print(f"requests: {RESULTS.requests} in {DURATION} s from {CLIENTS} clients")
    for kind, n in sorted(RESULTS.kinds.items()):
        print(f"  {kind}: {n}")
    print(f"inquiry retries by clients: {RESULTS.retries}")
    print(f"worker restarts (exited on its own): {worker_restarts}")
    duplicates_ack = len(acknowledged) - len(set(acknowledged))
    print(
        f"inquiries acknowledged: {len(set(acknowledged))}, stored: {len(stored)}, "
        f"stored once each: {len(stored) == len(set(stored))}, "
        f"equal: {set(acknowledged) == set(stored)} (repeat acknowledgements: {duplicates_ack})"
    )
    status_counts = collections.Counter(status for _, _, status in emails)
    print(f"e-mails in the outbox: {len(emails)} {dict(status_counts)}")
    twice = [key for key, n in received.items() if n > outbox.get(key, 0)]
    missing = [key for key in sent if received.get(key, 0) == 0]
    print(
        f"e-mails received by the SMTP server: {sum(received.values())}; "
        f"sent more than once: {len(twice)}; marked sent but not received: {len(missing)}"
    )
    ok = set(acknowledged) == set(stored) and len(stored) == len(set(stored))
    ok = ok and not twice and not missing and status_counts.get("sent", 0) == len(emails)
    print("RESULT:", "OK" if ok else "PROBLEM")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
