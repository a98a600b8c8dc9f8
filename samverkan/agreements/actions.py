"""Agreements: drafting, signing with a document, principle checklist, expiry."""

import datetime
import hashlib
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from samverkan.accounts.models import User
from samverkan.collaborations.actions import require_coordinator
from samverkan.collaborations.models import Collaboration
from samverkan.orgs.models import Organisation

from .models import Agreement, AgreementDocument, AgreementPrinciple, PrincipleAnswer

# What may be uploaded as an agreement document: by extension and by the file's own bytes.
ALLOWED_DOCUMENTS = {
    ".pdf": ("application/pdf", b"%PDF"),
    ".docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        b"PK\x03\x04",
    ),
    ".odt": ("application/vnd.oasis.opendocument.text", b"PK\x03\x04"),
}
MAX_DOCUMENT_BYTES = 20 * 1024 * 1024

Status = Agreement.Status


@dataclass
class AgreementData:
    kind: str
    title: str
    parties: list[Organisation] = field(default_factory=list)
    valid_from: datetime.date | None = None
    valid_to: datetime.date | None = None
    responsible: User | None = None
    terms: str = ""


def _validate(collaboration: Collaboration, data: AgreementData) -> None:
    errors: dict[str, list[str]] = {}
    if data.valid_from and data.valid_to and data.valid_to < data.valid_from:
        errors["valid_to"] = [_("The agreement ends before it starts.")]
    members = set(collaboration.parties.values_list("organisation_id", flat=True))
    outsiders = [o.name for o in data.parties if o.pk not in members]
    if outsiders:
        errors["parties"] = [
            _("Not parties to the collaboration: %(names)s") % {"names": ", ".join(outsiders)}
        ]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def do_save_agreement(
    collaboration: Collaboration,
    actor: User,
    data: AgreementData,
    *,
    agreement: Agreement | None = None,
    expected_version: int | None = None,
) -> Agreement:
    require_coordinator(actor)
    _validate(collaboration, data)
    if agreement is None:
        agreement = Agreement(collaboration=collaboration)
    else:
        agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
        agreement.check_version(expected_version)
        agreement.version += 1
    for name in ["kind", "title", "valid_from", "valid_to", "terms"]:
        setattr(agreement, name, getattr(data, name))
    agreement.responsible = data.responsible or agreement.responsible or actor
    agreement.full_clean(exclude=["collaboration", "responsible"])
    agreement.save()
    agreement.parties.set(data.parties)
    return agreement


@transaction.atomic
def do_change_agreement_status(
    agreement: Agreement,
    actor: User,
    status: str,
    *,
    signed_on: datetime.date | None = None,
    expected_version: int | None = None,
) -> Agreement:
    """Move the agreement on; signing needs a signing date, two parties and a document."""
    require_coordinator(actor)
    if status not in Status.values:
        raise ValidationError({"status": [_("Unknown status.")]})
    agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
    agreement.check_version(expected_version)
    if status not in agreement.allowed_transitions():
        raise ValidationError(
            _("An agreement that is “%(current)s” cannot become “%(target)s”.")
            % {"current": agreement.get_status_display(), "target": Status(status).label}
        )
    if status == Status.SIGNED:
        agreement.signed_on = signed_on
        problems = agreement.signing_blockers()
        if problems:
            raise ValidationError(problems)
        agreement.signed_on = signed_on
    agreement.status = status
    agreement.version += 1
    agreement.save(update_fields=["status", "signed_on", "version", "updated_at"])
    return agreement


def _check_upload(upload: UploadedFile) -> tuple[str, str]:
    name = upload.name or ""
    suffix = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""
    if suffix not in ALLOWED_DOCUMENTS:
        raise ValidationError(
            {"file": [_("Upload a PDF, Word (.docx) or OpenDocument (.odt) file.")]}
        )
    if upload.size is None or upload.size > MAX_DOCUMENT_BYTES:
        raise ValidationError(
            {
                "file": [
                    _("The file is larger than %(size)s.")
                    % {"size": filesizeformat(MAX_DOCUMENT_BYTES)}
                ]
            }
        )
    if upload.size == 0:
        raise ValidationError({"file": [_("The file is empty.")]})
    content_type, magic = ALLOWED_DOCUMENTS[suffix]
    upload.seek(0)
    if upload.read(len(magic)) != magic:
        raise ValidationError({"file": [_("The file's content does not match its type.")]})
    upload.seek(0)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return content_type, digest.hexdigest()


@transaction.atomic
def do_upload_agreement_document(
    agreement: Agreement, actor: User, upload: UploadedFile
) -> AgreementDocument:
    """Store a new version of the document; earlier versions are kept."""
    require_coordinator(actor)
    content_type, sha256 = _check_upload(upload)
    agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
    latest = agreement.documents.aggregate(n=Max("number"))["n"] or 0
    return AgreementDocument.objects.create(
        agreement=agreement,
        number=latest + 1,
        file=upload,
        original_name=(upload.name or "document")[:255],
        content_type=content_type,
        size=upload.size or 0,
        sha256=sha256,
        uploaded_by=actor,
    )


@transaction.atomic
def do_answer_principles(
    agreement: Agreement,
    actor: User,
    answers: dict[str, tuple[str, str]],
    *,
    justifications: dict[str, str] | None = None,
) -> list[PrincipleAnswer]:
    """Answer the checklist: principle slug -> (yes/no/na, comment); all at once.

    A "no" is recorded as it is, so that the agreement page tells the truth; whether it
    may still be signed is the principle's rule (``blocks_signing``), checked when signing.
    """
    require_coordinator(actor)
    justifications = justifications or {}
    principles = {p.slug: p for p in AgreementPrinciple.objects.all()}
    unknown = set(answers) - set(principles)
    if unknown:
        raise ValidationError(
            {"principles": [_("Unknown principle: %(ids)s") % {"ids": ", ".join(sorted(unknown))}]}
        )
    valid = set(PrincipleAnswer.Answer.values)
    saved = []
    for slug, (answer, comment) in answers.items():
        if answer not in valid:
            raise ValidationError({"principles": [_("Answer yes, no or not applicable.")]})
        justification = justifications.get(slug, "") if answer == PrincipleAnswer.Answer.NO else ""
        row, _created = PrincipleAnswer.objects.update_or_create(
            agreement=agreement,
            principle=principles[slug],
            defaults={"answer": answer, "comment": comment, "justification": justification},
        )
        saved.append(row)
    return saved
