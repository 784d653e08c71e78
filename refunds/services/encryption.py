"""The values encrypted at rest, written again with the first key (a key rotation)."""

from django.db import transaction
from django.db.models import Model

from refunds.models import Claim, PaymentItem

CHUNK = 2000
ENCRYPTED: list[tuple[type[Model], str]] = [
    (Claim, "account_number"),
    (PaymentItem, "account_number"),
]


def encrypt_again() -> dict[str, int]:
    """Each encrypted column read (any key) and written (the first key); rows by table."""
    done: dict[str, int] = {}
    for model, field in ENCRYPTED:
        count, last = 0, 0
        while True:
            with transaction.atomic():
                rows = list(
                    model._default_manager.select_for_update()
                    .filter(pk__gt=last, **{f"{field}__isnull": False})
                    .order_by("pk")
                    .only("pk", field)[:CHUNK]
                )
                if not rows:
                    break
                model._default_manager.bulk_update(rows, [field])
            count += len(rows)
            last = rows[-1].pk
        done[model._meta.label] = count
    return done
