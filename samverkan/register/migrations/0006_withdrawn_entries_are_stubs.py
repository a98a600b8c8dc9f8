"""A withdrawn entry keeps only its stub: the content withdrawn before this rule is no
longer public."""

from django.db import migrations


def make_stubs(apps, schema_editor):
    from samverkan.register.search import normalise

    RegisterEntry = apps.get_model("register", "RegisterEntry")
    for entry in RegisterEntry.objects.filter(state="withdrawn"):
        entry.summary = entry.parties_text = entry.companies_text = ""
        entry.start_date = entry.end_date = entry.year = None
        entry.funding = []
        entry.withheld = {}
        entry.search_document, _vocabulary = normalise([entry.title])
        entry.save()
        for related in (entry.organisations, entry.committees, entry.centres, entry.goals):
            related.clear()


class Migration(migrations.Migration):
    dependencies = [("register", "0005_alter_registerentry_centres_and_more")]

    operations = [migrations.RunPython(make_stubs, migrations.RunPython.noop)]
