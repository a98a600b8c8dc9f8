from django_tasks import task


@task()
def run_import_job(job_id: int) -> str:
    """Import a confirmed file of organisations and contacts in the worker."""
    from .actions import run_import

    return run_import(job_id)
