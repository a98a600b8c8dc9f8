from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("effects", "0001_initial"),
        ("orgs", "0004_rename_gmc_to_centre"),
    ]

    operations = [migrations.RenameField("report", "gmc", "centre")]
