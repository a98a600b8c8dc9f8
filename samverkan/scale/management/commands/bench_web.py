"""Measure the running platform with wrk: the driver behind `make bench`.

Run by scripts/bench.sh against gunicorn on 127.0.0.1; it refuses any other host. Queries
per request are counted in this process with Django's test client on the same database;
throughput and latency come from wrk over the network.
"""

import csv
import io
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext

from samverkan.accounts.models import Role, User
from samverkan.collaborations.models import Collaboration
from samverkan.effects import cache as effects_cache
from samverkan.effects.indicators import compute_all
from samverkan.inquiries.models import Inquiry
from samverkan.orgs import actions as org_actions
from samverkan.orgs.importing import COLUMNS
from samverkan.orgs.models import Contact, ImportJob, Organisation
from samverkan.register import cache as register_cache

# Reports the figures wrk keeps, as one JSON line after its own output.
WRK_REPORT = """
done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.status + summary.errors.timeout
  io.write(string.format(
    'BENCH {"requests": %d, "seconds": %f, "p50_us": %d, "p95_us": %d, "errors": %d}\\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50),
    latency:percentile(95), errors))
end
"""
WRK_POST = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = %s
"""
INTAKE = {
    "organisation_name": "Bench Genomik ApS",
    "foreign_identifier": "DK12345678",
    "country": "DK",
    "contact_name": "Ada Lind",
    "contact_email": "ada@bench.example",
    "title": "Pilotstudie om helgenomsekvensering",
    "description": "Vi vill utvärdera snabb helgenomsekvensering för sällsynta diagnoser "
    "tillsammans med infrastrukturen.",
    "kinds": ["pilot"],
    "consent": True,
}


class Command(BaseCommand):
    help = "Measure pages and API lists with wrk against a local server (make bench)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--base", required=True)
        parser.add_argument("--duration", type=int, default=5)
        parser.add_argument("--seed-file", required=True)
        parser.add_argument("--gunicorn-pid", type=int, required=True)
        parser.add_argument("--worker-pid", type=int, required=True)
        parser.add_argument("--output", required=True)
        parser.add_argument("--import-rows", type=int, default=100_000)

    def handle(self, *args: Any, **options: Any) -> None:
        base = options["base"].rstrip("/")
        if urlsplit(base).hostname not in ("127.0.0.1", "localhost"):
            raise CommandError("The benchmark only runs against 127.0.0.1.")
        self.base, self.duration = base, options["duration"]
        seeded = json.loads(Path(options["seed_file"]).read_text())
        coordinator = User.objects.filter(role=Role.COORDINATOR, is_active=True).first()
        if coordinator is None:
            raise CommandError("No coordinator: load the scale data first.")
        self.cookie = _session_cookie(coordinator)
        self.client = Client()
        self.client.force_login(coordinator)
        anonymous = Client()

        _remove_imported()  # a run stopped half-way leaves its import behind
        endpoints = self.endpoints()
        floor = self.measure("floor", "/scale/floor/", anonymous, auth=False)
        results = []
        for name, path, auth, post in endpoints:
            results.append(self.measure(name, path, self.client if auth else anonymous, auth, post))
            self.stderr.write(f"  {name}: {results[-1]}")
        for row in results:
            ratio = row["rps_c8"] / floor["rps_c8"] if floor["rps_c8"] else 0
            row["floor_ratio_c8"] = round(ratio, 3)

        web_rss = _web_rss(options["gunicorn_pid"])
        compute_ms = _effects_compute_ms()
        import_s = self.import_file(coordinator, options["import_rows"])
        worker_rss = _rss_mb(options["worker_pid"], peak=True)
        _remove_imported()  # the next run measures the same data
        report = {
            "scale": {
                "inquiries": Inquiry.objects.count(),
                "collaborations": Collaboration.objects.count(),
                "organisations": Organisation.objects.count(),
                "contacts": seeded.get("contacts"),
                "interactions": seeded.get("interactions"),
            },
            "floor": {k: floor[k] for k in ("rps_c1", "rps_c8", "p50_ms_c1", "p95_ms_c8")},
            "endpoints": results,
            "import_100k_s": import_s,
            "worker_rss_mb": worker_rss,
            "web_rss_mb": web_rss,
            "seed_s": seeded.get("seconds"),
            "effects_compute_ms": compute_ms,
            "database": connection.vendor,
        }
        Path(options["output"]).write_text(json.dumps(report, indent=2))
        self.stdout.write(_table(report))

    def endpoints(self) -> list[tuple[str, str, bool, dict[str, Any] | None]]:
        large = (
            Organisation.objects.companies()
            .annotate(n=Count("inquiries"))
            .order_by("-n")
            .values_list("pk", flat=True)
            .first()
        )
        open_inquiries = Inquiry.objects.filter(status__in=Inquiry.OPEN_STATUSES).count()
        deep_queue = max(1, open_inquiries // settings.PAGE_SIZE - 2)
        deep_orgs = max(1, Organisation.objects.count() // settings.PAGE_SIZE - 2)
        inquiry = Inquiry.objects.filter(status="assessment").order_by("pk").last()
        collaboration = Collaboration.objects.filter(status="active").order_by("pk").last()
        if inquiry is None or collaboration is None:
            raise CommandError("No inquiry in assessment or active collaboration to measure.")
        return [
            ("home", "/", False, None),
            ("register_list", "/register/", False, None),
            ("register_search", "/register/?q=sekvensering", False, None),
            ("register_api", "/api/v1/register/collaborations", False, None),
            ("inquiry_queue", "/inquiries/", True, None),
            ("inquiry_queue_deep", f"/inquiries/?page={deep_queue}", True, None),
            ("inquiry", inquiry.get_absolute_url(), True, None),
            ("collaboration", collaboration.get_absolute_url(), True, None),
            ("organisation_list", "/organisations/", True, None),
            ("organisation_list_deep", f"/organisations/?page={deep_orgs}", True, None),
            ("organisation_large", f"/organisations/{large}/", True, None),
            ("effects_dashboard", "/effects/", True, None),
            # Last: what it writes would otherwise refresh the others' caches meanwhile.
            ("inquiry_submit_api", "/api/v1/inquiries", False, INTAKE),
        ]

    def measure(
        self,
        name: str,
        path: str,
        client: Client,
        auth: bool,
        post: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        # One-time work (an inquiry's stored suggestions, figures nobody asked for before, a
        # company's first inquiry storing it) is not the page's: the next one is counted.
        if post is None:
            client.get(path)
        else:
            client.post(path, post, content_type="application/json")
        with CaptureQueriesContext(connection) as queries:
            if post is None:
                response = client.get(path)
            else:
                response = client.post(path, post, content_type="application/json")
        if response.status_code >= 400:
            raise CommandError(f"{path} answered {response.status_code}")
        row: dict[str, Any] = {"name": name, "path": path, "queries": len(queries)}
        if post is None:
            # Unrecorded: every web worker builds what it caches before it is measured.
            row["first_ms"] = self.once(path, auth)
            self.wrk(path, 2, auth, None, duration=2)
        for clients in (1, 8):
            figures = self.wrk(path, clients, auth, post)
            row[f"rps_c{clients}"] = figures["rps"]
            row[f"p50_ms_c{clients}"] = figures["p50_ms"]
            row[f"p95_ms_c{clients}"] = figures["p95_ms"]
            row[f"errors_c{clients}"] = figures["errors"]
        return row

    def once(self, path: str, auth: bool) -> float:
        """Milliseconds for one request, after the caches were told the data changed."""
        register_cache.changed()
        effects_cache.changed()
        request = urllib.request.Request(self.base + path)  # noqa: S310 - a local http URL
        if auth:
            request.add_header("Cookie", f"{settings.SESSION_COOKIE_NAME}={self.cookie}")
        started = time.monotonic()
        with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310
            response.read()
        return round((time.monotonic() - started) * 1000, 1)

    def wrk(
        self,
        path: str,
        clients: int,
        auth: bool,
        post: dict[str, Any] | None,
        duration: int | None = None,
    ) -> dict[str, Any]:
        duration = duration or self.duration
        script = WRK_REPORT + (WRK_POST % json.dumps(json.dumps(post)) if post else "")
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as file:
            file.write(script)
        command = [
            shutil.which("wrk") or "wrk",
            f"-t{min(clients, 2)}",
            f"-c{clients}",
            f"-d{duration}s",
            "--timeout",
            "30s",
            "-s",
            file.name,
        ]
        if auth:
            command += ["-H", f"Cookie: {settings.SESSION_COOKIE_NAME}={self.cookie}"]
        command.append(self.base + path)
        try:
            output = subprocess.run(  # noqa: S603 - our own arguments, a local URL
                command, capture_output=True, text=True, check=True, timeout=duration + 60
            ).stdout
        finally:
            os.unlink(file.name)
        found = re.search(r"^BENCH (.*)$", output, re.MULTILINE)
        if not found:
            raise CommandError(f"wrk said: {output}")
        data = json.loads(found.group(1))
        return {
            "rps": round(data["requests"] / data["seconds"], 1),
            "p50_ms": round(data["p50_us"] / 1000, 1),
            "p95_ms": round(data["p95_us"] / 1000, 1),
            "errors": data["errors"],
        }

    def import_file(self, actor: User, rows: int) -> float | None:
        """Preview and import `rows` new organisations with a contact each, as people do."""
        if rows <= 0:
            return None
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(COLUMNS)
        stamp = int(time.time())
        for i in range(rows):
            writer.writerow(
                [f"{IMPORTED} {stamp} Nr {i} AB", "", f"B{stamp}{i:07d}", "DK", "company", "",
                 f"Person {i}", f"p{i}@import{stamp}.example", "", "", ""]
            )  # fmt: skip
        upload = SimpleUploadedFile("bench.csv", out.getvalue().encode(), "text/csv")
        del out
        started = time.monotonic()
        try:
            job = org_actions.do_start_import(actor, upload)
        except ValidationError as error:
            self.stderr.write(f"  import of {rows} rows refused: {error.messages}")
            return None
        preview_s = time.monotonic() - started
        org_actions.do_confirm_import(actor, job)
        while True:
            job.refresh_from_db()
            if job.is_finished:
                break
            if time.monotonic() - started > 600:
                raise CommandError("The import took more than ten minutes.")
            time.sleep(0.5)
        total = round(time.monotonic() - started, 1)
        self.stderr.write(
            f"  import of {rows} rows: {job.status} in {total} s (preview {preview_s:.1f} s)"
        )
        if job.status != ImportJob.Status.DONE:
            self.stderr.write(f"  the import ended {job.status}: {job.error}")
            return None
        return total


IMPORTED = "Bench import"


def _remove_imported() -> None:
    """Delete what the measured import created, with its contacts and their history.

    In SQL: the ORM would load and record the deletion of 100,000 organisations."""
    # Also the names the first version of this benchmark gave them.
    patterns = [IMPORTED + " %", "Import % Nr % AB"]
    names = "(name LIKE %s OR name LIKE %s)"
    table = connection.ops.quote_name
    organisations = table(Organisation._meta.db_table)
    ids = f"SELECT id FROM {organisations} WHERE {names}"  # noqa: S608 - our own names
    with connection.cursor() as cursor:
        for model in (Contact.history.model, Contact):
            cursor.execute(
                f"DELETE FROM {table(model._meta.db_table)} WHERE organisation_id IN ({ids})",  # noqa: S608
                patterns,
            )
        for model in (Organisation.history.model, Organisation):
            cursor.execute(f"DELETE FROM {table(model._meta.db_table)} WHERE {names}", patterns)  # noqa: S608


def _session_cookie(user: User) -> str:
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return str(session.session_key)


def _rss_mb(pid: int, peak: bool = False) -> float:
    key = "VmHWM" if peak else "VmRSS"
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def _web_rss(master: int) -> float:
    """The largest resident size among gunicorn's workers (the master's children)."""
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return max((_rss_mb(int(pid)) for pid in children), default=0.0)


def _effects_compute_ms() -> float:
    """What the worker spends computing the default dashboard over all the data."""
    filters = effects_cache.Filters.default()
    started = time.monotonic()
    compute_all(filters.scope(), filters.interval)
    return round((time.monotonic() - started) * 1000, 1)


def _table(report: dict[str, Any]) -> str:
    floor = report["floor"]
    lines = [
        f"scale: {report['scale']}",
        f"{'endpoint':<24}{'q':>4}{'rps c1':>9}{'p50 c1':>9}{'rps c8':>9}{'p95 c8':>9}"
        f"{'floor×':>8}{'first':>9}",
        f"{'floor':<24}{'':>4}{floor['rps_c1']:>9}{floor['p50_ms_c1']:>9}{floor['rps_c8']:>9}"
        f"{floor['p95_ms_c8']:>9}{'1.0':>8}",
    ]
    for row in report["endpoints"]:
        lines.append(
            f"{row['name']:<24}{row['queries']:>4}{row['rps_c1']:>9}{row['p50_ms_c1']:>9}"
            f"{row['rps_c8']:>9}{row['p95_ms_c8']:>9}{row['floor_ratio_c8']:>8}"
            f"{row.get('first_ms', ''):>9}"
        )
    lines.append(
        f"seed {report['seed_s']} s · import of 100,000 rows {report['import_100k_s']} s · "
        f"worker peak RSS {report['worker_rss_mb']} MB · web worker RSS {report['web_rss_mb']} MB"
    )
    lines.append(
        f"the worker computes the default dashboard in {report.get('effects_compute_ms')} ms"
    )
    return "\n".join(lines)
