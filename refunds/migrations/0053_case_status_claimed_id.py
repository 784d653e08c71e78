from django.db import migrations, models

from refunds.migration_operations import AddIndexConcurrently, RemoveIndexConcurrently


class Migration(migrations.Migration):
    # Indexes of tables that hold rows are built and dropped without locking their writers.
    atomic = False

    dependencies = [
        ("refunds", "0052_member_portal"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="case",
            index=models.Index(
                fields=["status", "-claimed_at", "-id"], name="case_status_claimed_id"
            ),
        ),
        RemoveIndexConcurrently(model_name="case", name="case_status_claimed"),
    ]
