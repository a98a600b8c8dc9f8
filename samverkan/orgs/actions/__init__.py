"""Every change to the industry network: atomic, permission-checked, recorded.

simple_history keeps a row per change with the acting user (the request's, through its
middleware); where an action changes records the person did not edit themselves (a merge,
an import) it also says why, as the history's change reason.

One module per part of the network: organisations (and memberships), contacts,
interactions (and events), merging, import_jobs; common holds the shared checks. Every
name is re-exported here, so `from samverkan.orgs import actions` keeps working.
"""

# The errors the actions raise, as callers have always found them here.
from django.core.exceptions import PermissionDenied, ValidationError

from .common import require_network_writer
from .contacts import ContactData, do_save_contact
from .import_jobs import (
    STALE_PREVIEW,
    do_cancel_import,
    do_confirm_import,
    do_start_import,
    import_progress,
    run_import,
)
from .interactions import (
    EventData,
    InteractionData,
    do_add_event_participant,
    do_log_interaction,
    do_remove_event_participant,
    do_save_event,
)
from .merging import (
    MergeResult,
    do_merge_organisations,
    merge_preview,
    merge_previews,
    merge_records,
    record_label,
    referring_fields,
)
from .organisations import (
    OrganisationData,
    clean_organisation_number,
    do_add_membership,
    do_remove_membership,
    do_save_organisation,
    identifier_conflicts,
)

__all__ = [
    "STALE_PREVIEW",
    "ContactData",
    "EventData",
    "InteractionData",
    "MergeResult",
    "OrganisationData",
    "PermissionDenied",
    "ValidationError",
    "clean_organisation_number",
    "do_add_event_participant",
    "do_add_membership",
    "do_cancel_import",
    "do_confirm_import",
    "do_log_interaction",
    "do_merge_organisations",
    "do_remove_event_participant",
    "do_remove_membership",
    "do_save_contact",
    "do_save_event",
    "do_save_organisation",
    "do_start_import",
    "identifier_conflicts",
    "import_progress",
    "merge_preview",
    "merge_previews",
    "merge_records",
    "record_label",
    "referring_fields",
    "require_network_writer",
    "run_import",
]
