from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("register", "0003_register_by_default"),
        ("orgs", "0004_rename_gmc_to_centre"),
    ]

    operations = [migrations.RenameField("registerentry", "gmcs", "centres")]
