from django.db import migrations


class Migration(migrations.Migration):
    """Neutral names: a regional centre is what each infrastructure calls its own (GMC, hub,
    node), and an infrastructure party is one of the organisations it is made of."""

    dependencies = [
        ("orgs", "0003_importjob"),
        ("collaborations", "0003_gates_links_withheld_fields"),
        ("register", "0003_register_by_default"),
        ("effects", "0001_initial"),
    ]

    operations = [
        migrations.RenameModel("GMC", "Centre"),
        migrations.RenameField("organisation", "is_gms_party", "is_infrastructure_party"),
        migrations.RenameField("historicalorganisation", "is_gms_party", "is_infrastructure_party"),
    ]
