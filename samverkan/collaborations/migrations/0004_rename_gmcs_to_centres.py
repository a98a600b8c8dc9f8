from django.db import migrations

OLD_ROLE, NEW_ROLE = "gms_party", "infrastructure_party"


def forwards(apps, schema_editor):
    for name in ("CollaborationParty", "HistoricalCollaborationParty"):
        apps.get_model("collaborations", name).objects.filter(role=OLD_ROLE).update(role=NEW_ROLE)
    Collaboration = apps.get_model("collaborations", "Collaboration")
    for collaboration in Collaboration.objects.only("withheld_register_fields"):
        withheld = collaboration.withheld_register_fields or {}
        if "gmcs" not in withheld:
            continue
        withheld["centres"] = withheld.pop("gmcs")
        collaboration.save(update_fields=["withheld_register_fields"])


def backwards(apps, schema_editor):
    for name in ("CollaborationParty", "HistoricalCollaborationParty"):
        apps.get_model("collaborations", name).objects.filter(role=NEW_ROLE).update(role=OLD_ROLE)


class Migration(migrations.Migration):
    dependencies = [
        ("collaborations", "0003_gates_links_withheld_fields"),
        ("orgs", "0004_rename_gmc_to_centre"),
    ]

    operations = [
        migrations.RenameField("collaboration", "gmcs", "centres"),
        migrations.RunPython(forwards, backwards),
    ]
