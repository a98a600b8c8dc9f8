from django_tasks import task


@task()
def build_report(report_id: int) -> str:
    """Build a queued effects report (PDF or Excel) in the worker."""
    from .actions import run_report

    return run_report(report_id)
