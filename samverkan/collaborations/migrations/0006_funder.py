"""Research funders become reference data: each application points at a funder row, or at
none for a funder the pack does not list (named on the application)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# The funders the code used to offer; a pack loaded afterwards sets their names and sources.
KNOWN = {"vinnova": "Vinnova", "vr": "Vetenskapsrådet", "horizon_europe": "EU Horizon Europe"}


def to_rows(apps, schema_editor):
    Funder = apps.get_model("collaborations", "Funder")
    for model_name in ("FundingApplication", "HistoricalFundingApplication"):
        model = apps.get_model("collaborations", model_name)
        for slug in (
            model.objects.exclude(funder="other").values_list("funder", flat=True).distinct()
        ):
            funder, _ = Funder.objects.get_or_create(
                slug=slug, defaults={"name": KNOWN.get(slug, slug)}
            )
            model.objects.filter(funder=slug).update(funder_ref=funder)


def to_slugs(apps, schema_editor):
    for model_name in ("FundingApplication", "HistoricalFundingApplication"):
        model = apps.get_model("collaborations", model_name)
        model.objects.filter(funder_ref__isnull=True).update(funder="other")
        for row in model.objects.filter(funder_ref__isnull=False).values("pk", "funder_ref__slug"):
            model.objects.filter(pk=row["pk"]).update(funder=row["funder_ref__slug"])


class Migration(migrations.Migration):
    dependencies = [
        ("collaborations", "0005_alter_collaboration_centres_and_more"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Funder",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "source",
                    models.CharField(
                        blank=True,
                        help_text="Where this fact comes from.",
                        max_length=300,
                        verbose_name="source",
                    ),
                ),
                (
                    "assumed",
                    models.BooleanField(
                        default=False,
                        help_text="Not found in the sources: an assumption the infrastructure must confirm.",
                        verbose_name="assumed",
                    ),
                ),
                (
                    "confirmed_at",
                    models.DateTimeField(
                        blank=True, editable=False, null=True, verbose_name="confirmed"
                    ),
                ),
                ("slug", models.SlugField(unique=True, verbose_name="identifier")),
                ("name", models.CharField(max_length=200, verbose_name="name")),
                ("order", models.PositiveSmallIntegerField(default=0, verbose_name="order")),
                (
                    "confirmed_by",
                    models.ForeignKey(
                        blank=True,
                        editable=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="confirmed by",
                    ),
                ),
            ],
            options={
                "verbose_name": "research funder",
                "verbose_name_plural": "research funders",
                "ordering": ["order", "name"],
            },
        ),
        migrations.AddField(
            model_name="fundingapplication",
            name="funder_ref",
            field=models.ForeignKey(
                blank=True,
                help_text="Empty for a funder the reference data does not list: name it below.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="applications",
                to="collaborations.funder",
                verbose_name="funder",
            ),
        ),
        migrations.AddField(
            model_name="historicalfundingapplication",
            name="funder_ref",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                help_text="Empty for a funder the reference data does not list: name it below.",
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="collaborations.funder",
                verbose_name="funder",
            ),
        ),
        migrations.RunPython(to_rows, to_slugs),
        migrations.RemoveField(model_name="fundingapplication", name="funder"),
        migrations.RemoveField(model_name="historicalfundingapplication", name="funder"),
        migrations.RenameField(
            model_name="fundingapplication", old_name="funder_ref", new_name="funder"
        ),
        migrations.RenameField(
            model_name="historicalfundingapplication", old_name="funder_ref", new_name="funder"
        ),
    ]
