"""The identity check with teeth: answers compared, never shown; who calls decides what is said."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from refunds import identity, policies
from refunds.forms.callcenter import IdentityCheckForm
from refunds.models import AuditEvent, Claim
from refunds.payee import BankDetails
from refunds.services import callcenter as services
from refunds.services import review
from tests.factories import CaseFactory, ContractFactory, MemberFactory, UserFactory

pytestmark = pytest.mark.django_db
NAME, BIRTH, ADDRESS, PHONE = identity.NAME, identity.BIRTH_DATE, identity.ADDRESS, identity.PHONE


def _member(**kwargs):
    defaults = {
        "name": "長谷川　花子",
        "name_kana": "ハセガワ　ハナコ",
        "phone": "092-479-5938",
        "postal_code": "810-0001",
        "address": "福岡県福岡市中央区天神1丁目2番3号",
        "birth_date": datetime.date(1968, 2, 29),
    }
    return MemberFactory(**{**defaults, **kwargs})


@pytest.mark.parametrize(
    ("item", "said", "matches"),
    [
        (NAME, "長谷川 花子", True),
        (NAME, "はせがわ　はなこ", True),
        (NAME, "ﾊｾｶﾞﾜ ﾊﾅｺ", True),
        (NAME, "長谷川 春子", False),
        (BIRTH, datetime.date(1968, 2, 29), True),
        (BIRTH, datetime.date(1968, 3, 1), False),
        (ADDRESS, "〒810-0001", True),
        (ADDRESS, "８１０００01", True),
        (ADDRESS, "福岡県福岡市中央区天神１－２－３", True),
        (ADDRESS, "福岡県福岡市中央区天神1-2-4", False),
        (ADDRESS, "810-0002", False),
        (PHONE, "+81 92-479-5938", True),
        (PHONE, "0924795938", True),
        (PHONE, "092-479-5939", False),
    ],
)
def test_each_answer_is_compared_in_one_normal_form(item, said, matches):
    assert identity.compare(_member(), {item: said}) == {item: matches}


def test_the_operator_learns_match_or_not_never_the_stored_value(staff_client, staff_user):
    member = _member()
    staff_client.post(
        reverse("refunds:inquiry_start", args=[member.pk]),
        {
            "relation": "self",
            "verified_name": "はせがわ はなこ",
            "verified_birth_date": "1968-03-01",
            "verified_phone": "092-479-5938",
            "channel": "phone",
        },
    )
    page = staff_client.get(member.get_absolute_url()).content.decode()
    results = page.split('id="identity-results"')[1].split("</ul>")[0]
    assert results.count("✓") == 2 and results.count("✗") == 1
    assert "1968-02-29" not in page and "092-479-5938" not in page
    assert 'id="identity-form"' in page  # two matched, one failed: not confirmed, ask again
    inquiry = member.inquiries.get()
    assert not inquiry.identity_verified and inquiry.identity_mismatched == [BIRTH]
    services.inquiry_verify(
        inquiry=inquiry,
        user=staff_user,
        answers={NAME: "長谷川花子", BIRTH: datetime.date(1968, 2, 29)},
        relation="self",
    )
    inquiry.refresh_from_db()
    assert inquiry.identity_verified and inquiry.identity_mismatched == []
    assert AuditEvent.objects.filter(action="inquiry.identity_checked").count() == 1


def test_a_family_member_hears_the_state_not_the_amount_and_claims_with_documents(staff_user):
    member = _member()
    case = CaseFactory(contract=ContractFactory(member=member), status="awaiting_claim", category=2)
    services.inquiry_start(
        user=staff_user,
        member=member,
        answers=identity.answers_of(member, [NAME, BIRTH]),
        relation="family",
    )
    assert not policies.may_see_amounts(user=staff_user, member=member)
    inquiry = policies.verified_inquiry(user=staff_user, member=member)
    bank = BankDetails("0001", "001", "1", "1234567", "ﾊｾｶﾞﾜ ﾊﾅｺ")
    with pytest.raises(PermissionDenied, match="documents"):
        services.claim_record(
            case=case, user=staff_user, method="bank_transfer", bank=bank, inquiry=inquiry
        )
    claim, _ = services.claim_record(
        case=case,
        user=staff_user,
        method="bank_transfer",
        bank=bank,
        inquiry=inquiry,
        documents_received=True,
    )
    assert claim.caller_relation == "family" and claim.documents_received
    assert claim.review_flag == ""


def test_an_heirs_claim_waits_for_a_supervisor_looking_at_it_alone(staff_user):
    member = _member()
    case = CaseFactory(contract=ContractFactory(member=member), status="awaiting_claim", category=2)
    services.inquiry_start(
        user=staff_user,
        member=member,
        answers=identity.answers_of(member, [NAME, PHONE]),
        relation="heir",
    )
    inquiry = policies.verified_inquiry(user=staff_user, member=member)
    claim, _ = services.claim_record(
        case=case,
        user=staff_user,
        method="bank_transfer",
        bank=BankDetails("0001", "001", "1", "7654321", "ﾊｾｶﾞﾜ ｼﾞﾛｳ"),
        inquiry=inquiry,
        documents_received=True,
        payee_reason="inheritance",
    )
    assert "heir" in claim.review_flag and "not in the member's name" in claim.review_flag
    assert review.looked_at_alone(case, claim).startswith("For the reviewer")


def test_an_account_in_another_name_needs_a_reason(staff_user):
    member = _member()
    case = CaseFactory(contract=ContractFactory(member=member), status="awaiting_claim", category=2)
    supervisor = UserFactory(roles=["supervisor"])
    other = BankDetails("0001", "001", "1", "7654321", "ｽｽﾞｷ ｲﾁﾛｳ")
    with pytest.raises(ValidationError, match="not the member"):
        services.claim_record(case=case, user=supervisor, method="bank_transfer", bank=other)
    assert not Claim.objects.exists()
    # The member's own name in any spelling is the member's.
    own = BankDetails("0001", "001", "1", "7654321", "はせがわ　はなこ")
    claim, _ = services.claim_record(case=case, user=supervisor, method="bank_transfer", bank=own)
    assert claim.review_flag == ""


def test_someone_else_may_neither_hear_the_amount_nor_claim(staff_user):
    member = _member()
    services.inquiry_start(
        user=staff_user,
        member=member,
        answers=identity.answers_of(member, [NAME, BIRTH]),
        relation="other",
    )
    assert not policies.may_see_amounts(user=staff_user, member=member)
    assert not policies.may_take_payee(user=staff_user, member=member)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("verified_phone", "09O-1234-5678", "digits only"),
        ("verified_birth_date", "2099-01-01", "future"),
    ],
)
def test_the_check_refuses_a_caller_id_with_letters_and_a_birth_date_to_come(field, value, message):
    form = IdentityCheckForm(data={"relation": "self", "channel": "phone", field: value})
    assert not form.is_valid() and message in str(form.errors[field])


@pytest.mark.parametrize("ani", ["+81 92-479-5938", "0924795938", "092-479-5938", "+81924795938"])
def test_the_screen_pop_opens_the_member_whose_number_rings(staff_client, ani):
    member = _member()
    response = staff_client.get(reverse("refunds:screen_pop"), {"ani": ani})
    assert response.status_code == 302 and response["Location"] == member.get_absolute_url()


def test_the_screen_pop_searches_when_the_number_is_nobodys_or_shared(staff_client):
    _member(), _member(member_no="SN0000002")
    shared = staff_client.get(reverse("refunds:screen_pop"), {"ani": "092-479-5938"})
    assert shared["Location"] == reverse("refunds:search") + "?q=0924795938"
    nobody = staff_client.get(reverse("refunds:screen_pop"), {"ani": "03-0000-0000"})
    assert nobody["Location"] == reverse("refunds:search") + "?q=0300000000"


def test_a_caller_id_with_letters_is_refused(staff_client):
    response = staff_client.get(
        reverse("refunds:screen_pop"), {"ani": "09O-1234-5678"}, follow=True
    )
    assert response.status_code == 200 and not response.redirect_chain
    assert "09O-1234-5678" in " ".join(str(m) for m in response.context["messages"])


# -- escalation -----------------------------------------------------------------------------


def test_a_call_passed_to_a_supervisor_waits_in_their_queue_and_is_taken_over(
    staff_client, staff_user, supervisor_client, supervisor_user
):
    member = _member()
    inquiry = services.inquiry_start(
        user=staff_user, member=member, answers=identity.answers_of(member, [NAME, PHONE])
    )
    staff_client.post(
        reverse("refunds:inquiry_escalate", args=[inquiry.pk]), {"note": "wants a manager"}
    )
    inquiry.refresh_from_db()
    assert inquiry.escalation_waiting and inquiry.escalation_note == "wants a manager"
    page = staff_client.get(member.get_absolute_url()).content.decode()
    assert 'id="escalation-waiting"' in page
    badge = supervisor_client.get(reverse("refunds:escalation_badge")).content.decode()
    assert 'id="escalation-badge"' in badge and "1" in badge
    queue = supervisor_client.get(reverse("refunds:escalation_list")).content.decode()
    assert member.member_no in queue and "wants a manager" in queue
    response = supervisor_client.post(reverse("refunds:inquiry_take_over", args=[inquiry.pk]))
    assert response["Location"] == member.get_absolute_url()
    inquiry.refresh_from_db()
    assert inquiry.created_by == supervisor_user and not inquiry.escalation_waiting
    assert supervisor_client.get(reverse("refunds:escalation_badge")).content.decode().strip() == ""
    assert list(
        AuditEvent.objects.filter(object_type="refunds.inquiry")
        .order_by("pk")
        .values_list("action", flat=True)
    ) == ["inquiry.started", "inquiry.escalated", "inquiry.taken_over"]
    # The supervisor ends the call they took.
    services.inquiry_close(
        inquiry=inquiry, user=supervisor_user, reason="complaint", outcome="escalated"
    )


def test_only_the_operator_on_the_call_passes_it_on_and_only_once(staff_user):
    member = _member()
    inquiry = services.inquiry_start(user=staff_user, member=member, answers={})
    with pytest.raises(PermissionDenied):
        services.inquiry_escalate(inquiry=inquiry, user=UserFactory(roles=["staff"]))
    services.inquiry_escalate(inquiry=inquiry, user=staff_user)
    with pytest.raises(ValidationError, match="already waits"):
        services.inquiry_escalate(inquiry=inquiry, user=staff_user)
    with pytest.raises(PermissionDenied):
        services.inquiry_take_over(inquiry=inquiry, user=staff_user)


# -- calls on record ---------------------------------------------------------------------------


def test_an_inquiry_is_about_its_callers_cases_never_another_members(staff_user):
    member = _member()
    mine = CaseFactory(contract=ContractFactory(member=member))
    also_mine = CaseFactory(contract=ContractFactory(member=member))
    theirs = CaseFactory()
    inquiry = services.inquiry_start(user=staff_user, member=member, answers={})
    with pytest.raises(ValidationError, match="another member"):
        services.inquiry_close(
            inquiry=inquiry,
            user=staff_user,
            reason="amount",
            outcome="answered",
            cases=[mine, theirs],
        )
    closed = services.inquiry_close(
        inquiry=inquiry,
        user=staff_user,
        reason="amount",
        outcome="answered",
        cases=[mine, also_mine],
    )
    assert closed.case == mine and set(closed.cases.all()) == {mine, also_mine}
    assert list(also_mine.inquiries_about.all()) == [closed]
    event = AuditEvent.objects.get(action="inquiry.closed")
    assert event.changes["cases"] == [mine.pk, also_mine.pk]
    with pytest.raises(ValidationError, match="another member"):
        services.inquiry_log(user=staff_user, reason="amount", member=member, case=theirs)


def test_an_unknown_caller_becomes_an_investigation_with_the_call_on_record(staff_user):
    from refunds.models import RemediationProgram

    case = services.investigation_open(
        user=staff_user,
        program=RemediationProgram.objects.first(),
        caller_name="佐々木 一郎",
        caller_phone="090-1111-2222",
        story="Cancelled in 2009, billed once more.",
    )
    call = case.inquiries.get()
    assert call.caller_phone == "090-1111-2222" and call.ended_at and call.outcome == "claim_taken"
    assert policies.may_claim(case, has_claim=False) and not policies.may_prepare(case)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("669-1234", "caller_postal_code"),
        ("090-1111-2222", "caller_phone"),
        ("ささき", "caller_kana"),
        ("佐々木", "caller_name"),
    ],
)
def test_the_investigation_form_puts_the_search_where_it_belongs(staff_client, query, field):
    page = staff_client.get(reverse("refunds:investigation_create"), {"q": query})
    assert page.context["form"].initial == {field: query}


def test_the_complaints_queue_filters_by_typed_number_and_due_date(supervisor_client, staff_user):
    member = _member()
    services.inquiry_log(user=staff_user, reason="complaint", member=member, note="angry one")
    services.inquiry_log(user=staff_user, reason="complaint", note="someone else")
    url = reverse("refunds:complaint_list")
    page = supervisor_client.get(url, {"member_no": member.member_no.lower()}).content.decode()
    assert "angry one" in page and "someone else" not in page
    assert '<select name="member' not in page  # typed, not a list of every member
    past = supervisor_client.get(url, {"due_before": "2000-01-01"}).content.decode()
    assert "angry one" not in past


# -- a former member's new contact details -------------------------------------------------------


def test_new_contact_details_need_the_check_are_kept_with_history_and_reach_letters(
    staff_client, staff_user
):
    from refunds.models import MemberContactChange, ReturnedMail
    from refunds.services import letters

    member = _member(status="withdrawn")
    case = CaseFactory(contract=ContractFactory(member=member), category=2, status="detected")
    ReturnedMail.objects.create(
        member=member, address=member.address, reason="moved", recorded_by=staff_user
    )
    assert not policies.notices_due().filter(pk=case.pk).exists()  # unreachable by letter
    url = reverse("refunds:member_contact_update", args=[member.pk])
    new = {"postal_code": "150-0001", "address": "東京都渋谷区神宮前2-2-2", "phone": "03-9999-0000"}
    refused = staff_client.post(url, new)
    assert refused.status_code == 200 and not MemberContactChange.objects.exists()
    services.inquiry_start(
        user=staff_user, member=member, answers=identity.answers_of(member, [NAME, PHONE])
    )
    assert staff_client.post(url, {**new, "email": "x@example.jp"}).status_code == 302
    member.refresh_from_db()
    assert member.address == new["address"] and member.phone_rev == "0399990000"[::-1]
    before = dict(MemberContactChange.objects.values_list("field", "old_value"))
    assert before["address"] == "福岡県福岡市中央区天神1丁目2番3号" and before["email"] == ""
    assert policies.notices_due().filter(pk=case.pk).exists()  # the new address takes letters
    assert "東京都渋谷区神宮前2-2-2" in letters.render_letters_html([case], "notice")
    assert AuditEvent.objects.get(action="member.contact_changed").changes["fields"]


def test_a_new_address_without_its_postal_code_is_refused(staff_client, supervisor_client):
    member = _member()
    url = reverse("refunds:member_contact_update", args=[member.pk])
    page = supervisor_client.post(url, {"address": "東京都港区1-1"})
    assert page.status_code == 200 and "postal_code" in page.context["form"].errors


def test_the_program_says_which_answers_count_and_how_many(staff_client, staff_user):
    member = _member()
    case = CaseFactory(contract=ContractFactory(member=member))
    case.program.identity_items = [NAME, PHONE]
    case.program.identity_required = 2
    case.program.save()
    page = staff_client.get(member.get_absolute_url()).content.decode()
    assert 'name="verified_phone"' in page and 'name="verified_birth_date"' not in page
    inquiry = services.inquiry_start(
        user=staff_user, member=member, answers=identity.answers_of(member, [NAME, BIRTH])
    )
    assert not inquiry.identity_verified  # the birth date is not one the program asks
    inquiry = services.inquiry_verify(
        inquiry=inquiry,
        user=staff_user,
        answers=identity.answers_of(member, [NAME, PHONE]),
        relation="self",
    )
    assert inquiry.identity_verified
