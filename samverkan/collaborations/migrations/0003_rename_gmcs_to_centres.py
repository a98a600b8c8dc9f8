from django.db import migrations

OLD_ROLE, NEW_ROLE = "gms_party", "infrastructure_party"


def forwards(apps, schema_editor):
    for name in ("CollaborationParty", "HistoricalCollaborationParty"):
        apps.get_model("collaborations", name).objects.filter(role=OLD_ROLE).update(role=NEW_ROLE)
    Collaboration = apps.get_model("collaborations", "Collaboration")
    for collaboration in Collaboration.objects.only("hidden_register_fields"):
        if "gmcs" not in collaboration.hidden_register_fields:
            continue
        collaboration.hidden_register_fields = [
            "centres" if f == "gmcs" else f for f in collaboration.hidden_register_fields
        ]
        collaboration.save(update_fields=["hidden_register_fields"])


def backwards(apps, schema_editor):
    for name in ("CollaborationParty", "HistoricalCollaborationParty"):
        apps.get_model("collaborations", name).objects.filter(role=NEW_ROLE).update(role=OLD_ROLE)


class Migration(migrations.Migration):
    dependencies = [
        ("collaborations", "0002_collaboration_hidden_register_fields_and_more"),
        ("orgs", "0004_rename_gmc_to_centre"),
    ]

    operations = [
        migrations.RenameField("collaboration", "gmcs", "centres"),
        migrations.RunPython(forwards, backwards),
    ]
