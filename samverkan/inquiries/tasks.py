from django_tasks import task

from .actions import do_announce_new_inquiry
from .matching import store_committee_suggestions
from .models import Inquiry


@task()
def suggest_committees_for_inquiry(inquiry_id: int) -> str:
    """Match a new inquiry's text to the committees, off the request that received it."""
    inquiry = Inquiry.objects.filter(pk=inquiry_id).first()
    if inquiry is None:
        return "gone"
    store_committee_suggestions(inquiry)
    return "stored"


@task()
def announce_new_inquiry(inquiry_id: int) -> str:
    """Notify the coordinators of a new inquiry, off the request that received it."""
    inquiry = Inquiry.objects.filter(pk=inquiry_id).first()
    if inquiry is None:
        return "gone"
    return f"notified {do_announce_new_inquiry(inquiry)}"
