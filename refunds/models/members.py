from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from refunds import privacy
from refunds.links import object_url
from refunds.search import keys


class MemberStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Member(models.Model):
    """A subscriber as the billing system knows them (key: ``member_no``)."""

    member_no = models.CharField(_("member number"), max_length=32)
    name = models.CharField(_("name"), max_length=200)
    name_kana = models.CharField(_("name (kana)"), max_length=200)
    # Search keys (refunds.search.keys), written by the import with the columns they come from.
    name_key = models.CharField(_("name search key"), max_length=200, blank=True)
    kana_key = models.CharField(_("kana search key"), max_length=200, blank=True)
    given_name_key = models.CharField(_("given name search key"), max_length=200, blank=True)
    given_kana_key = models.CharField(_("given name kana search key"), max_length=200, blank=True)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    phone_digits = models.CharField(_("phone digits"), max_length=40, blank=True)
    phone_rev = models.CharField(_("phone digits reversed"), max_length=40, blank=True)
    email = models.CharField(_("email"), max_length=254, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=8, blank=True)
    address = models.CharField(_("address"), max_length=400, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=MemberStatus.choices)
    joined_on = models.DateField(_("joined on"), null=True, blank=True)
    withdrawn_on = models.DateField(_("withdrawn on"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        ordering = ["member_no"]
        indexes = [
            # Prefix searches (LIKE 'x%'); the pattern opclass is PostgreSQL's, others ignore it.
            # Trigram indexes for substring searches are added on PostgreSQL by migration 0009.
            models.Index(
                fields=["kana_key"], name="member_kana_key", opclasses=["varchar_pattern_ops"]
            ),
            models.Index(
                fields=["name_key"], name="member_name_key", opclasses=["varchar_pattern_ops"]
            ),
            models.Index(
                fields=["phone_rev"], name="member_phone_rev", opclasses=["varchar_pattern_ops"]
            ),
            models.Index(
                fields=["given_kana_key"],
                name="member_given_kana_key",
                opclasses=["varchar_pattern_ops"],
            ),
            models.Index(
                fields=["given_name_key"],
                name="member_given_name_key",
                opclasses=["varchar_pattern_ops"],
            ),
            models.Index(fields=["postal_code"], name="member_postal_code"),
            models.Index(Lower("email"), name="member_email_lower"),
        ]
        constraints = [
            # A constraint, not unique=True: no second (LIKE) index on PostgreSQL.
            models.UniqueConstraint(fields=["member_no"], name="member_no_unique"),
            models.CheckConstraint(
                condition=Q(status__in=MemberStatus.values), name="member_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(withdrawn_on__isnull=True)
                | Q(joined_on__isnull=True)
                | Q(withdrawn_on__gte=F("joined_on")),
                name="member_withdrawn_after_joined",
            ),
            models.CheckConstraint(
                condition=~Q(status=MemberStatus.ACTIVE) | Q(withdrawn_on__isnull=True),
                name="member_active_not_withdrawn",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member_no} {self.name}"

    def get_absolute_url(self) -> str:
        return object_url("refunds:member_detail", self.pk)

    @property
    def is_active(self) -> bool:
        return self.status == MemberStatus.ACTIVE

    @property
    def prefecture(self) -> str:
        """The prefecture the address starts with (都道府県), or an empty string."""
        return privacy.prefecture(self.address)

    @property
    def masked_phone(self) -> str:
        return privacy.mask_phone(self.phone)

    def refresh_search_keys(self) -> None:
        """Recompute the search keys from the columns they come from (for code that saves)."""
        self.name_key = keys.name_key(self.name)
        self.kana_key = keys.kana_key(self.name_kana)
        self.given_name_key = keys.given_name_key(self.name)
        self.given_kana_key = keys.given_kana_key(self.name_kana)
        self.phone_digits = keys.digits(self.phone)
        self.phone_rev = keys.reversed_digits(self.phone)
