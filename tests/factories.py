import datetime

import factory
from django.contrib.auth.models import Group
from django.utils import timezone

from accounts.models import User
from refunds.models import BillingLine, Contract, Member, Tariff


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("pw-for-tests-1")

    @factory.post_generation
    def roles(self, create: bool, extracted: list[str] | None, **kwargs: object) -> None:
        if create and extracted:
            self.groups.add(*Group.objects.filter(name__in=extracted))


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member

    member_no = factory.Sequence(lambda n: f"SN9{n:07d}")
    name = "山田　太郎"
    name_kana = "ヤマダ　タロウ"
    birth_date = datetime.date(1975, 5, 5)
    status = "active"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        member = model_class(*args, **kwargs)
        member.refresh_search_keys()
        member.save()
        return member


class ContractFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contract

    contract_no = factory.Sequence(lambda n: f"C9{n:08d}")
    member = factory.SubFactory(MemberFactory)
    course = "HIKARI_FLETS"
    plan = "family"
    area = "east"
    applied_on = datetime.date(2006, 1, 10)
    started_on = datetime.date(2006, 2, 1)


class BillingLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BillingLine

    contract = factory.SubFactory(ContractFactory)
    period = datetime.date(2009, 1, 1)
    item = "base_fee"
    amount_yen = 6720


class TariffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tariff

    course = "HIKARI_FLETS"
    plan = "family"
    area = "east"
    valid_from = datetime.date(2005, 4, 1)
    monthly_fee_yen = 6720


APPROVED_STATES = {"awaiting_second_approval", "approved", "in_payment", "paid", "payment_failed"}
PREPARED_STATES = {"prepared"} | APPROVED_STATES


class CaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "refunds.Case"

    case_no = factory.Sequence(lambda n: f"TEST-{n:06d}")
    program_code = factory.LazyAttribute(lambda o: o.program.code)
    program = factory.LazyFunction(
        lambda: __import__("refunds.models", fromlist=["x"]).RemediationProgram.objects.first()
    )
    contract = factory.SubFactory(ContractFactory)
    member = factory.LazyAttribute(lambda o: o.contract.member)
    category = 1
    computed_amount_yen = 6720
    amount_yen = 6720
    status = "detected"
    # A case in a state of an approval carries it (the database's CHECK): a preparer, and an
    # approver (another person) once approved.
    prepared_by = factory.Maybe(
        factory.LazyAttribute(lambda o: o.status in PREPARED_STATES),
        yes_declaration=factory.SubFactory(UserFactory, roles=["staff"]),
        no_declaration=None,
    )
    approved_by = factory.Maybe(
        factory.LazyAttribute(lambda o: o.status in APPROVED_STATES),
        yes_declaration=factory.SubFactory(UserFactory, roles=["supervisor"]),
        no_declaration=None,
    )
    approved_at = factory.Maybe(
        factory.LazyAttribute(lambda o: o.status in APPROVED_STATES),
        yes_declaration=factory.LazyFunction(timezone.now),
        no_declaration=None,
    )


class InquiryFactory(factory.django.DjangoModelFactory):
    """A phone call from a member, taken by a staff operator."""

    class Meta:
        model = "refunds.Inquiry"

    member = factory.SubFactory(MemberFactory)
    channel = "phone"
    direction = "in"
    started_at = factory.LazyFunction(timezone.now)
    created_by = factory.SubFactory(UserFactory, roles=["staff"])


class ClaimFactory(factory.django.DjangoModelFactory):
    """A bank-transfer claim on a case that has received it."""

    class Meta:
        model = "refunds.Claim"
        skip_postgeneration_save = True

    case = factory.SubFactory(CaseFactory, status="claim_received")
    member = factory.LazyAttribute(lambda o: o.case.member)
    received_at = factory.LazyFunction(timezone.now)
    method = "bank_transfer"
    bank_code = "0001"
    branch_code = "001"
    account_type = "1"
    account_number = "1234567"
    holder_name = "ヤマダ　タロウ"
    created_by = factory.SubFactory(UserFactory, roles=["staff"])

    @factory.post_generation
    def claimed(obj, create, extracted, **kwargs):
        """The case keeps its claim's time, as ``claim_record`` writes it."""
        if create:
            type(obj.case).objects.filter(pk=obj.case_id).update(claimed_at=obj.received_at)
            obj.case.claimed_at = obj.received_at


class PaymentBatchFactory(factory.django.DjangoModelFactory):
    """A bank-transfer payment batch built today by a supervisor."""

    class Meta:
        model = "refunds.PaymentBatch"

    method = "bank_transfer"
    transfer_date = factory.LazyFunction(timezone.localdate)
    created_by = factory.SubFactory(UserFactory, roles=["supervisor"])


def set_status(cases, status: str, **fields):
    """Put ``cases`` (a queryset) straight into ``status`` — a test's shortcut past the
    services — with the approvals the state carries (the database's CHECKs ask for them)."""
    User = __import__("django.contrib.auth", fromlist=["x"]).get_user_model()
    extra = {}
    if status in PREPARED_STATES:
        extra["prepared_by"] = User.objects.filter(username="test-preparer").first() or UserFactory(
            username="test-preparer", roles=["staff"]
        )
    if status in APPROVED_STATES:
        extra["approved_by"] = User.objects.filter(username="test-approver").first() or UserFactory(
            username="test-approver", roles=["supervisor"]
        )
        extra["approved_at"] = timezone.now()
    return cases.update(status=status, **{**extra, **fields})
