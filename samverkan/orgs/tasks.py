from django_tasks import task

from .actions import run_import


@task()
def run_import_job(job_id: int) -> str:
    """Import a confirmed file of organisations and contacts in the worker."""
    return run_import(job_id)
