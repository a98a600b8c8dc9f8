from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("register", "0002_trigram_indexes"),
        ("orgs", "0004_rename_gmc_to_centre"),
    ]

    operations = [migrations.RenameField("registerentry", "gmcs", "centres")]
