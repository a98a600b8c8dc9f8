from django_tasks import task

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
