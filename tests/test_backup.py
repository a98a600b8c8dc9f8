"""`manage.py backup` and `restore`: a populated database and its files, backed up,
restored into an empty database, come back equal, every record, file and history entry,
and the restore itself writes no history."""

import hashlib
import shutil
import tempfile
from pathlib import Path
from typing import Any

from django.apps import apps
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import TransactionTestCase, override_settings

from samverkan.agreements import actions as agreement_actions
from samverkan.collaborations import actions as collab
from samverkan.core.backup import EXCLUDED
from samverkan.orgs.models import Organisation
from samverkan.reference.loader import load_reference
from samverkan.test import BaseTestCase, submit_inquiry


def snapshot() -> dict[str, list[dict[str, Any]]]:
    """Every row of every table (m2m tables included), content types and permissions by
    their natural keys, since a new database numbers those itself."""
    tables: dict[str, list[dict[str, Any]]] = {}
    for model in apps.get_models(include_auto_created=True):
        label = model._meta.label_lower
        if model._meta.app_label in EXCLUDED or label in EXCLUDED:
            continue
        rows = []
        for row in model._base_manager.order_by("pk").values():
            for field in model._meta.concrete_fields:
                target = getattr(field, "related_model", None)
                value = row.get(field.attname)
                if value is not None and target is ContentType:
                    row[field.attname] = ContentType.objects.get(pk=value).natural_key()
                if value is not None and target is Permission:
                    row[field.attname] = Permission.objects.get(pk=value).natural_key()
            rows.append(row)
        if model._meta.auto_created:
            # A many-to-many link is its two ends; its own number is renumbered on load.
            rows = sorted(
                ({k: v for k, v in row.items() if k != "id"} for row in rows),
                key=lambda r: sorted(r.items()),
            )
        tables[label] = rows
    return tables


def files(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


class BackupRestoreTest(TransactionTestCase):
    def setUp(self) -> None:
        self.var = Path(tempfile.mkdtemp())
        self.addCleanup(shutil.rmtree, self.var, True)
        self.enterContext(override_settings(VAR_DIR=self.var, MEDIA_ROOT=self.var / "media"))

    def populate(self) -> None:
        load_reference()
        alice = BaseTestCase._user("alice", "coordinator")
        acme = Organisation.objects.create(name="Acme Genomik AB", kind="company", country="SE")
        skane = Organisation.objects.get(name="Region Skåne")
        submit_inquiry()
        collaboration = collab.do_create_collaboration(
            alice, collab.CollaborationData(title="Pilot", kind="pilot", summary="Ett pilot.")
        )
        collab.do_save_party(collaboration, alice, collab.PartyData(acme, "company"))
        collab.do_save_party(collaboration, alice, collab.PartyData(skane, "gms_party"))
        agreement = agreement_actions.do_save_agreement(
            collaboration,
            alice,
            agreement_actions.AgreementData(
                kind="collaboration", title="Avtal", parties=[skane, acme]
            ),
        )
        agreement_actions.do_upload_agreement_document(
            agreement, alice, SimpleUploadedFile("avtal.pdf", b"%PDF-1.4 avtalet")
        )
        imports = self.var / "imports" / "2026"
        imports.mkdir(parents=True)
        (imports / "organisationer.csv").write_text("Namn\nAcme\n")

    def test_a_restore_into_an_empty_database_gives_back_everything(self):
        self.populate()
        before, media_before = snapshot(), files(self.var / "media")
        imports_before = files(self.var / "imports")
        history = [label for label in before if ".historical" in label]
        self.assertTrue(any(before[label] for label in history))
        self.assertTrue(media_before)
        archive = self.var / "backups" / "samverkan.tar.gz"
        call_command("backup", str(archive), verbosity=0)

        # An empty database and no files.
        call_command("flush", interactive=False, verbosity=0)
        shutil.rmtree(self.var / "media")
        shutil.rmtree(self.var / "imports")
        self.assertFalse(any(rows for label, rows in snapshot().items() if label != "sites.site"))

        call_command("restore", str(archive), verbosity=0)
        after = snapshot()
        self.assertEqual(after.keys(), before.keys())
        for label in before:
            self.assertEqual(after[label], before[label], label)
        self.assertEqual(files(self.var / "media"), media_before)
        self.assertEqual(files(self.var / "imports"), imports_before)
        # New records continue after the restored ones.
        self.assertGreater(
            Organisation.objects.create(name="Ny AB", kind="company").pk,
            max(row["id"] for row in before["orgs.organisation"]),
        )

    def test_it_refuses_to_restore_over_data(self):
        self.populate()
        archive = self.var / "b.tar.gz"
        call_command("backup", str(archive), verbosity=0)
        with self.assertRaisesMessage(CommandError, "not empty"):
            call_command("restore", str(archive), verbosity=0)
