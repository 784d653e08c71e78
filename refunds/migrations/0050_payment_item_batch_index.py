from django.db import migrations, models

from refunds.migration_operations import AddIndexConcurrently


class Migration(migrations.Migration):
    # Indexes of tables that hold rows are built without locking their writers.
    atomic = False

    dependencies = [
        ("refunds", "0049_encrypt_account_numbers"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="paymentitem",
            index=models.Index(fields=["batch", "id"], name="item_batch_id"),
        ),
    ]
