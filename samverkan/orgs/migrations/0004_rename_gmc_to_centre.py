from django.db import migrations


class Migration(migrations.Migration):
    """Neutral names: a regional centre is what each infrastructure calls its own (GMC, hub,
    node), and an infrastructure party is one of the organisations it is made of."""

    dependencies = [
        ("orgs", "0003_importjob"),
        ("collaborations", "0002_collaboration_hidden_register_fields_and_more"),
        ("register", "0002_trigram_indexes"),
        ("effects", "0001_initial"),
    ]

    operations = [
        migrations.RenameModel("GMC", "Centre"),
        migrations.RenameField("organisation", "is_gms_party", "is_infrastructure_party"),
        migrations.RenameField("historicalorganisation", "is_gms_party", "is_infrastructure_party"),
    ]
