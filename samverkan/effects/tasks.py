from django_tasks import task

from .actions import run_report


@task()
def build_report(report_id: int) -> str:
    """Build a queued effects report (PDF or Excel) in the worker."""
    return run_report(report_id)
