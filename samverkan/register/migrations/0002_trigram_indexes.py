from django.db import migrations

FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS register_entry_search_trgm ON register_registerentry "
    "USING gin (search_document gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS register_term_trgm ON register_registerterm "
    "USING gin (term gin_trgm_ops)",
]
BACKWARD = [
    "DROP INDEX IF EXISTS register_term_trgm",
    "DROP INDEX IF EXISTS register_entry_search_trgm",
]


def forward(apps, schema_editor):
    # Substring and similarity search over the register on PostgreSQL; SQLite scans.
    if schema_editor.connection.vendor == "postgresql":
        for statement in FORWARD:
            schema_editor.execute(statement)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in BACKWARD:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("register", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
