"""The call-center workspace: search, identity, inquiries, claims and payees, investigations."""

import datetime
import re
import uuid
import zoneinfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from refunds import policies
from refunds.forms.callcenter import InquiryForm
from refunds.identity import answers_of
from refunds.models import (
    AuditEvent,
    Case,
    Claim,
    Inquiry,
    PersonalDataAccess,
    RemediationProgram,
)
from refunds.payee import BankDetails
from refunds.search.query import search
from refunds.services import callcenter as services
from tests.factories import (
    CaseFactory,
    ClaimFactory,
    ContractFactory,
    MemberFactory,
    UserFactory,
    set_status,
)

pytestmark = pytest.mark.django_db
TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")
BANK = {
    "bank_code": "0001",
    "branch_code": "001",
    "account_type": "1",
    "account_number": "1234567",
    "holder_name": "ﾔﾏﾀﾞ ﾀﾛｳ",
}


@pytest.fixture
def staff_client(staff_client):
    staff_client.cookies["django_language"] = "en"
    return staff_client


@pytest.fixture
def supervisor_client(supervisor_client):
    supervisor_client.cookies["django_language"] = "en"
    return supervisor_client


def _member(**kwargs):
    defaults = {
        "name": "山田　太郎",
        "name_kana": "ヤマダ　タロウ",
        "phone": "03-1234-5678",
        "postal_code": "100-0001",
        "email": "Taro.Yamada@example.jp",
        "address": "東京都千代田区千代田1-1",
        "birth_date": datetime.date(1970, 4, 1),
    }
    return MemberFactory(**{**defaults, **kwargs})


def _verified(user, member, relation="self"):
    return services.inquiry_start(
        user=user,
        member=member,
        answers=answers_of(member, ["verified_name", "verified_birth_date"]),
        relation=relation,
    )


# -- search -----------------------------------------------------------------------------------
class TestSearch:
    def test_digits_and_a_name_together_narrow_each_other(self):
        yamada = _member()  # ヤマダ タロウ, 03-1234-5678
        hanako = _member(name="山田　花子", name_kana="ヤマダ　ハナコ", phone="06-9999-4321")
        _member(name="佐藤　一郎", name_kana="サトウ　イチロウ", phone="03-1111-5678")
        assert len(search("ヤマダ").hits) == 2 and len(search("5678").hits) == 2
        for query in ("5678 ﾔﾏﾀﾞ", "ヤマダ 5678", "山田 03-1234-5678"):
            result = search(query)
            assert [hit.member for hit in result.hits] == [yamada], query
        assert [hit.member for hit in search("4321 やまだ").hits] == [hanako]
        assert not search("9999 サトウ").hits

    @pytest.mark.parametrize(
        "query",
        [
            "ﾔﾏﾀﾞ ﾀﾛｳ",  # half-width kana with a space
            "やまだたろう",  # hiragana typed by the operator
            "ヤマダ　タロウ",  # full-width with an ideographic space
            "ヤマダ",  # surname prefix
            "タロウ",  # given name
            "たろう",
            "太郎",  # given name in kanji, two characters
            "山田",  # kanji prefix
            "田太郎",  # kanji substring
            "5678",  # last four digits of the phone
            "03(1234)5678",  # the phone in another format
            "０３－１２３４－５６７８",  # full-width
            "+81 3-1234-5678",  # a caller ID in international form
            "+81312345678",
            "1000001",  # postal code without the hyphen
            "〒100-0001",
            "taro.yamada@EXAMPLE.jp",  # email, any case
        ],
    )
    def test_every_reading_finds_the_member(self, query):
        member = _member()
        _member(
            name="佐藤　花子",
            name_kana="サトウ　ハナコ",
            phone="06-9999-0000",
            email="x@y.jp",
            postal_code="530-0001",
        )
        result = search(query)
        assert not result.error
        assert [hit.member for hit in result.hits] == [member]

    def test_member_or_contract_number_goes_straight_to_the_member(self):
        contract = ContractFactory(member=_member())
        assert (
            search(contract.member.member_no.lower()).redirect_to
            == contract.member.get_absolute_url()
        )
        assert search(contract.contract_no).redirect_to == contract.member.get_absolute_url()

    def test_case_number_goes_to_the_case(self):
        case = CaseFactory()
        assert search(case.case_no.lower()).redirect_to == case.get_absolute_url()

    def test_namesakes_are_told_apart(self, staff_client):
        _member(
            birth_date=datetime.date(1950, 1, 1), address="大阪府大阪市北区1", phone="06-1111-2222"
        )
        _member(birth_date=datetime.date(1988, 1, 1), address="北海道札幌市1", phone="011-333-4444")
        page = staff_client.get(reverse("refunds:search"), {"q": "ヤマダ タロウ"}).content.decode()
        for detail in ("1950", "1988", "大阪府", "北海道", "**-****-2222", "***-***-4444"):
            assert detail in page

    @pytest.mark.parametrize(
        ("query", "message"), [("", "Type a member"), ("ヤ", "at least 2"), ("x" * 101, "at most")]
    )
    def test_too_little_or_too_much_is_explained(self, staff_client, query, message):
        page = staff_client.get(reverse("refunds:search"), {"q": query}).content.decode()
        assert message in page

    @pytest.mark.parametrize(
        "query",
        [
            "' OR 1=1 --",
            "<script>alert(1)</script>",
            "%_%",
            "ヤ%",
            "'; DROP TABLE refunds_member; --",
        ],
    )
    def test_sql_and_html_are_just_text(self, staff_client, query):
        _member()
        response = staff_client.get(reverse("refunds:search"), {"q": query})
        assert response.status_code == 200
        page = response.content.decode()
        assert "<script>alert(1)</script>" not in page
        assert "山田" not in page.split('id="search-results"')[1]  # matched nothing

    def test_htmx_request_gets_only_the_results(self, staff_client):
        _member()
        response = staff_client.get(
            reverse("refunds:search"), {"q": "ヤマダ"}, HTTP_HX_REQUEST="true"
        )
        page = response.content.decode()
        assert "<html" not in page and "ヤマダ" in page

    def test_results_are_limited(self, settings):
        settings.SEARCH_RESULTS_LIMIT = 3
        for _ in range(5):
            _member()
        result = search("ヤマダ")
        assert len(result.hits) == 3 and result.truncated


# -- member page, reveal, identity --------------------------------------------------------------
class TestMemberPage:
    def test_personal_data_is_masked_and_amounts_wait_for_the_identity_check(
        self, staff_client, staff_user
    ):
        case = CaseFactory(contract=ContractFactory(member=_member()), amount_yen=6720)
        url = case.member.get_absolute_url()
        page = staff_client.get(url).content.decode()
        assert "03-1234-5678" not in page and "**-****-5678" in page
        assert "千代田区" not in page and "1970-04-01" not in page
        assert "6,720" not in page
        staff_client.post(
            reverse("refunds:inquiry_start", args=[case.member.pk]),
            {
                "relation": "self",
                "verified_name": "やまだ たろう",
                "verified_birth_date": "1970-04-01",
                "channel": "phone",
            },
        )
        page = staff_client.get(url).content.decode()
        assert "6,720" in page

    def test_one_item_is_not_enough_and_the_rule_is_a_setting(self, staff_user, settings):
        member = _member()
        phone = answers_of(member, ["verified_phone"])
        one = services.inquiry_start(user=staff_user, member=member, answers=phone)
        assert not one.identity_verified
        assert not policies.may_see_amounts(user=staff_user, member=member)
        RemediationProgram.objects.update(identity_required=1)  # the program's rule
        assert services.inquiry_start(
            user=staff_user, member=member, answers=phone
        ).identity_verified

    def test_a_check_lapses_after_a_pause_and_ends_with_the_call(self, staff_user, settings):
        member = _member()
        inquiry = _verified(staff_user, member)
        assert policies.may_see_amounts(user=staff_user, member=member)
        Inquiry.objects.filter(pk=inquiry.pk).update(
            active_at=timezone.now() - datetime.timedelta(minutes=16)
        )
        assert not policies.may_see_amounts(user=staff_user, member=member)
        services.inquiry_touch(inquiry=inquiry)
        assert policies.may_see_amounts(user=staff_user, member=member)
        services.inquiry_close(
            inquiry=inquiry, user=staff_user, reason="amount", outcome="answered"
        )
        assert not policies.may_see_amounts(user=staff_user, member=member)

    def test_the_steps_of_a_call_write_its_time_at_most_once_a_minute(self, staff_user):
        inquiry = _verified(staff_user, _member())
        start = Inquiry.objects.get(pk=inquiry.pk).active_at
        with time_machine.travel(start + datetime.timedelta(seconds=59)):
            services.inquiry_touch(inquiry=inquiry)
            assert Inquiry.objects.get(pk=inquiry.pk).active_at == start  # nothing written
        later = start + datetime.timedelta(seconds=61)
        with time_machine.travel(later, tick=False):
            services.inquiry_touch(inquiry=inquiry)
            assert Inquiry.objects.get(pk=inquiry.pk).active_at == later

    def test_staff_see_no_amount_in_the_case_list_or_an_unverified_case(
        self, staff_client, staff_user, supervisor_client
    ):
        case = CaseFactory(amount_yen=4321)
        assert "4,321" not in staff_client.get(reverse("refunds:case_list")).content.decode()
        assert "4,321" in supervisor_client.get(reverse("refunds:case_list")).content.decode()
        page = staff_client.get(case.get_absolute_url()).content.decode()
        assert "4,321" not in page and 'id="amount-hidden"' in page
        _verified(staff_user, case.member)
        assert "4,321" in staff_client.get(case.get_absolute_url()).content.decode()

    def test_staff_cannot_narrow_amounts_down_with_filters(self, staff_client):
        CaseFactory(amount_yen=4321)
        page = staff_client.get(
            reverse("refunds:case_list"), {"amount_min": "4321"}
        ).content.decode()
        assert 'name="amount_min"' not in page

    def test_an_abandoned_call_does_not_hold_the_call_panel(self, staff_client, staff_user):
        member = _member()
        inquiry = _verified(staff_user, member)
        three_hours_ago = timezone.now() - datetime.timedelta(hours=3)
        Inquiry.objects.filter(pk=inquiry.pk).update(
            started_at=three_hours_ago, active_at=three_hours_ago
        )
        page = staff_client.get(member.get_absolute_url()).content.decode()
        assert 'id="identity-form"' in page and 'id="close-form"' not in page

    def test_supervisors_see_amounts(self, supervisor_client):
        case = CaseFactory(amount_yen=4321)
        assert "4,321" in supervisor_client.get(case.member.get_absolute_url()).content.decode()

    def test_reveal_needs_a_verified_call_a_reason_and_a_confirmation_and_is_logged(
        self, staff_client, staff_user
    ):
        member = _member()
        url = reverse("refunds:member_reveal", args=[member.pk])
        why = {"reason": "reading back the address for the letter", "confirm": "on"}
        refused = staff_client.post(url, why, HTTP_HX_REQUEST="true").content.decode()
        assert "03-1234-5678" not in refused and "Confirm the caller" in refused
        _verified(staff_user, member)
        no_reason = staff_client.post(url, {"confirm": "on"}, HTTP_HX_REQUEST="true")
        assert "03-1234-5678" not in no_reason.content.decode()
        unconfirmed = staff_client.post(url, {"reason": "x"}, HTTP_HX_REQUEST="true")
        assert "03-1234-5678" not in unconfirmed.content.decode()
        assert not PersonalDataAccess.objects.exists()
        page = staff_client.post(url, why, HTTP_HX_REQUEST="true").content.decode()
        assert "03-1234-5678" in page and "東京都千代田区千代田1-1" in page
        access = PersonalDataAccess.objects.get()
        assert access.user == staff_user and access.member == member
        assert access.reason == why["reason"]
        assert AuditEvent.objects.filter(
            action="member.revealed", object_id=str(member.pk)
        ).exists()

    def test_billing_after_the_end_month_is_highlighted_after_the_check(
        self, staff_client, staff_user
    ):
        from tests.factories import BillingLineFactory

        contract = ContractFactory(member=_member(), ended_on=datetime.date(2009, 6, 30))
        for month in (5, 6, 7):
            BillingLineFactory(contract=contract, period=datetime.date(2009, month, 1))
        page = staff_client.get(contract.member.get_absolute_url()).content.decode()
        assert page.count("billing-month after-end") == 0  # no amount before the check
        _verified(staff_user, contract.member)
        page = staff_client.get(contract.member.get_absolute_url()).content.decode()
        assert page.count("billing-month after-end") == 1

    def test_member_page_runs_a_constant_number_of_queries(
        self, staff_client, django_assert_max_num_queries
    ):
        member = _member()
        for _ in range(8):
            CaseFactory(contract=ContractFactory(member=member))
        # 17: one asks whether a letter came back from the member's address, one reads the
        # talk scripts for the member's situation.
        with django_assert_max_num_queries(17):
            assert staff_client.get(member.get_absolute_url()).status_code == 200


# -- inquiries ----------------------------------------------------------------------------------
class TestInquiries:
    def test_three_fields_are_enough(self, staff_client):
        response = staff_client.post(
            reverse("refunds:inquiry_create"),
            {
                "reason": "amount",
                "note": "asked",
                "outcome": "answered",
                "channel": "phone",
                "direction": "in",
            },
        )
        assert response.status_code == 302
        inquiry = Inquiry.objects.get()
        assert inquiry.reason == "amount" and inquiry.ended_at is not None

    def test_after_hours_message_becomes_a_callback_at_the_next_opening(self, staff_user):
        evening = datetime.datetime(2010, 11, 5, 20, 30, tzinfo=TOKYO)
        inquiry = services.inquiry_log(
            user=staff_user,
            reason="when_paid",
            started_at=evening,
            caller_phone="090-0000-1111",
            callback_requested=True,
        )
        assert inquiry.callback_due_at == datetime.datetime(2010, 11, 6, 9, 0, tzinfo=TOKYO)
        assert inquiry.outcome == "message" and inquiry.follow_up_needed

    def test_an_after_hours_message_gets_no_callback_the_caller_did_not_ask_for(self, staff_user):
        evening = datetime.datetime(2010, 11, 5, 20, 30, tzinfo=TOKYO)
        inquiry = services.inquiry_log(user=staff_user, reason="when_paid", started_at=evening)
        assert inquiry.outcome == "message"
        assert inquiry.callback_due_at is None and not inquiry.follow_up_needed

    def test_a_callback_at_the_time_the_caller_chose(self, staff_user):
        with time_machine.travel(datetime.datetime(2026, 12, 7, 10, 5, tzinfo=TOKYO)):
            chosen = datetime.datetime(2026, 12, 8, 17, 30, tzinfo=TOKYO)
            inquiry = services.inquiry_log(user=staff_user, reason="amount", callback_at=chosen)
        assert inquiry.callback_due_at == chosen and inquiry.outcome == "callback"

    @pytest.mark.parametrize(
        ("hour", "message"), [(20, "choose a callback time within"), (9, "has passed")]
    )
    def test_a_callback_outside_the_hours_or_past_is_refused(self, staff_user, hour, message):
        with time_machine.travel(datetime.datetime(2026, 12, 7, 10, 5, tzinfo=TOKYO)):
            chosen = datetime.datetime(2026, 12, 7, hour, 0, tzinfo=TOKYO)
            with pytest.raises(ValidationError, match=message):
                services.inquiry_log(user=staff_user, reason="amount", callback_at=chosen)
        assert not Inquiry.objects.exists()

    def test_a_received_time_in_the_future_is_refused(self, staff_user):
        later = timezone.now() + datetime.timedelta(hours=1)
        with pytest.raises(ValidationError, match="in the future"):
            services.inquiry_log(user=staff_user, reason="amount", started_at=later)

    def test_a_full_slot_is_not_offered_and_callbacks_go_to_the_next(self, staff_user, settings):
        settings.CALLBACKS_PER_SLOT = 2
        with time_machine.travel(datetime.datetime(2026, 12, 7, 10, 5, tzinfo=TOKYO)):
            dues = [
                services.inquiry_log(
                    user=staff_user, reason="amount", callback_requested=True
                ).callback_due_at
                for _ in range(3)
            ]
            form = InquiryForm()
            offered = [value for value, _label in form.fields["callback_at"].choices][1:3]
        # 60 minutes after the call (the line's delay): the first slot from 11:05 is 11:30.
        assert dues == [
            datetime.datetime(2026, 12, 7, 11, 30, tzinfo=TOKYO),
            datetime.datetime(2026, 12, 7, 11, 30, tzinfo=TOKYO),
            datetime.datetime(2026, 12, 7, 12, 0, tzinfo=TOKYO),
        ]
        assert offered == ["2026-12-07T10:30:00+09:00", "2026-12-07T11:00:00+09:00"]

    def test_each_form_reads_the_free_callback_times_once(self, staff_user):
        from unittest import mock

        from refunds.forms import callcenter as forms_module

        with time_machine.travel(datetime.datetime(2026, 12, 7, 10, 5, tzinfo=TOKYO)):
            chosen = forms_module._callback_slots()[1][0]
            read = mock.Mock(wraps=forms_module.free_callback_slots)
            data = {"reason": "amount", "channel": "phone", "direction": "in"}
            with mock.patch.object(forms_module, "free_callback_slots", read):
                form = InquiryForm(data={**data, "callback_at": chosen})
                html = str(form["callback_at"])  # the required attribute and the options
                assert form.is_valid(), form.errors  # the chosen time is one of them
                assert read.call_count == 1 and f'value="{chosen}"' in html
                str(InquiryForm()["callback_at"])  # another form reads them again
                assert read.call_count == 2

    def test_a_complaint_is_due_at_the_lines_closing_time(self, staff_user):
        early = datetime.datetime(2026, 12, 7, 6, 23, tzinfo=TOKYO)
        with time_machine.travel(datetime.datetime(2026, 12, 7, 10, 0, tzinfo=TOKYO)):
            inquiry = services.inquiry_log(user=staff_user, reason="complaint", started_at=early)
        assert inquiry.complaint_due_at == datetime.datetime(2026, 12, 10, 18, 0, tzinfo=TOKYO)

    def test_callback_queue_and_done(self, staff_client, staff_user):
        inquiry = services.inquiry_log(user=staff_user, reason="amount", outcome="callback")
        page = staff_client.get(reverse("refunds:callback_list")).content.decode()
        assert reverse("refunds:inquiry_detail", args=[inquiry.pk]) in page
        staff_client.post(
            reverse("refunds:inquiry_follow_up_done", args=[inquiry.pk]), {"note": "called back"}
        )
        assert (
            reverse("refunds:inquiry_detail", args=[inquiry.pk])
            not in staff_client.get(reverse("refunds:callback_list")).content.decode()
        )

    def test_complaint_goes_to_the_supervisors_with_a_due_date(
        self, staff_user, supervisor_client, staff_client, settings
    ):
        inquiry = services.inquiry_log(user=staff_user, reason="complaint", note="angry")
        assert inquiry.complaint_due_at is not None
        assert staff_client.get(reverse("refunds:complaint_list")).status_code == 403
        assert "angry" in supervisor_client.get(reverse("refunds:complaint_list")).content.decode()
        staff_response = staff_client.post(
            reverse("refunds:complaint_close", args=[inquiry.pk]), {"outcome": "x"}
        )
        assert staff_response.status_code == 403
        supervisor_client.post(
            reverse("refunds:complaint_close", args=[inquiry.pk]),
            {"outcome": "apologised, refund explained"},
        )
        inquiry.refresh_from_db()
        assert inquiry.complaint_closed_at and inquiry.complaint_outcome.startswith("apologised")

    def test_start_and_close_on_the_member_page(self, staff_client, staff_user):
        member = _member()
        staff_client.post(
            reverse("refunds:inquiry_start", args=[member.pk]),
            {
                "relation": "self",
                "verified_name": "山田 太郎",
                "verified_phone": "+81 3-1234-5678",
                "channel": "phone",
            },
        )
        inquiry = Inquiry.objects.get()
        assert inquiry.identity_verified and inquiry.ended_at is None
        response = staff_client.post(
            reverse("refunds:inquiry_close", args=[inquiry.pk]),
            {"reason": "affected", "outcome": "answered", "note": "told"},
        )
        assert response.status_code == 302
        inquiry.refresh_from_db()
        assert inquiry.ended_at and inquiry.reason == "affected"
        assert list(
            AuditEvent.objects.filter(object_type="refunds.inquiry").values_list(
                "action", flat=True
            )
        ) == ["inquiry.closed", "inquiry.started"]

    def test_only_the_taker_ends_an_inquiry(self, staff_user, supervisor_client):
        inquiry = _verified(staff_user, _member())
        assert (
            supervisor_client.post(
                reverse("refunds:inquiry_close", args=[inquiry.pk]),
                {"reason": "other", "outcome": "answered"},
            ).status_code
            == 403
        )

    @pytest.mark.parametrize(
        "name",
        [
            "refunds:inquiry_list",
            "refunds:callback_list",
            "refunds:complaint_list",
            "refunds:claim_list",
            "refunds:investigation_list",
        ],
    )
    def test_queues_run_a_constant_number_of_queries(
        self, supervisor_client, supervisor_user, django_assert_max_num_queries, name
    ):
        for i in range(30):
            member = _member()
            services.inquiry_log(
                user=supervisor_user,
                member=member,
                reason="complaint",
                outcome="callback",
                follow_up_needed=True,
            )
            claim_case = CaseFactory(contract=ContractFactory(member=member))
            services.claim_record(
                case=claim_case,
                user=supervisor_user,
                method="bank_transfer",
                bank=BankDetails(**BANK),
            )
            services.investigation_open(
                user=supervisor_user,
                program=RemediationProgram.objects.first(),
                caller_name=f"caller {i}",
                story="story",
            )
        with django_assert_max_num_queries(12):
            response = supervisor_client.get(
                reverse(name), {"open": "true"} if name == "refunds:inquiry_list" else {}
            )
            assert response.status_code == 200
        assert response.content.decode().count("<tr") >= 31

    def test_the_claims_list_reads_its_columns_in_one_query(
        self, supervisor_client, django_assert_num_queries
    ):
        """Transfers and bill credits, with and without a credited contract, in every state the
        list shows: the same queries for one row as for many, and every payee written."""
        url = reverse("refunds:claim_list") + "?case_status="

        def claims(count):
            for i in range(count):
                if i % 3:
                    ClaimFactory(account_number=f"76543{i % 10}{i % 7}")
                    continue
                case = CaseFactory(status="claim_received")
                contract = ContractFactory(member=case.member) if i % 2 else None
                ClaimFactory(
                    case=case, method="bill_credit", credit_contract=contract,
                    bank_code="", branch_code="", account_type="", account_number=None,
                    holder_name="",
                )  # fmt: skip

        claims(1)
        supervisor_client.get(url)
        with django_assert_num_queries(4):
            supervisor_client.get(url)
        claims(11)
        with django_assert_num_queries(4):
            page = supervisor_client.get(url).content.decode()
        assert page.count("<tr ") == 12
        for claim in Claim.objects.select_related("credit_contract", "case"):
            payee = (
                claim.masked_account
                if claim.method == "bank_transfer"
                else str(claim.credit_contract or "")
            )
            assert claim.case.case_no in page and payee in page
        # Who took it: the display name where the user has one, else the username.
        named = Claim.objects.first()
        named.created_by.display_name = "受付 花子"
        named.created_by.save(update_fields=["display_name"])
        unnamed = Claim.objects.exclude(created_by=named.created_by).first().created_by
        page = supervisor_client.get(url).content.decode()
        assert "受付 花子" in page and f">{unnamed.username}<" in page


# -- claims and payees -------------------------------------------------------------------------
class TestClaims:
    def _case(self, **kwargs):
        return CaseFactory(
            contract=ContractFactory(
                member=_member(
                    status=kwargs.pop("member_status", "active"),
                    withdrawn_on=kwargs.pop("withdrawn_on", None),
                )
            ),
            **kwargs,
        )

    def test_bank_transfer_claim(self, staff_client, staff_user):
        case = self._case(status="awaiting_claim", category=3)
        _verified(staff_user, case.member)
        page = staff_client.get(reverse("refunds:claim_create", args=[case.pk])).content.decode()
        key = page.split('name="submission_key" value="')[1].split('"')[0]
        data = {**BANK, "method": "bank_transfer", "channel": "phone", "submission_key": key}
        response = staff_client.post(reverse("refunds:claim_create", args=[case.pk]), data)
        assert response.status_code == 302
        claim = Claim.objects.get()
        assert (claim.bank_name, claim.branch_name, claim.holder_name) == (
            "みずほ",
            "東京営業部",
            "ヤマダ　タロウ",
        )
        case.refresh_from_db()
        assert case.status == "claim_received"
        assert AuditEvent.objects.filter(action="claim.recorded").exists()
        assert AuditEvent.objects.get(action="case.claim_received").changes["status"] == [
            "awaiting_claim",
            "claim_received",
        ]
        # The same form again (double click, back and resubmit): still one claim.
        assert (
            staff_client.post(reverse("refunds:claim_create", args=[case.pk]), data).status_code
            == 302
        )
        assert Claim.objects.count() == 1

    @pytest.mark.parametrize(
        ("field", "value", "message"),
        [
            ("bank_code", "9999", "Unknown bank"),
            ("branch_code", "999", "Unknown branch"),
            ("holder_name", "山田 太郎", "not allowed"),
            ("holder_name", "yamada taro", "not allowed"),
            ("account_number", "12345678", "7 digits"),
            ("account_number", "", "required"),
        ],
    )
    def test_bad_bank_details_are_refused_next_to_the_field(
        self, staff_client, staff_user, field, value, message
    ):
        case = self._case(status="awaiting_claim", category=3)
        _verified(staff_user, case.member)
        data = {
            **BANK,
            field: value,
            "method": "bank_transfer",
            "channel": "phone",
            "submission_key": str(uuid.uuid4()),
        }
        response = staff_client.post(reverse("refunds:claim_create", args=[case.pk]), data)
        assert response.status_code == 200
        page = response.content.decode()
        assert message in page and f'id="field-{field}"' in page
        assert not Claim.objects.exists()
        case.refresh_from_db()
        assert case.status == "awaiting_claim"

    def test_bank_and_branch_names_are_shown_back_while_typing(self, staff_client):
        url = reverse("refunds:bank_lookup")
        page = staff_client.get(url, {"bank_code": "0001", "branch_code": "001"}).content.decode()
        assert "みずほ" in page and "東京営業部" in page
        assert "unknown bank" in staff_client.get(url, {"bank_code": "9999"}).content.decode()
        assert (
            "unknown branch"
            in staff_client.get(url, {"bank_code": "0001", "branch_code": "999"}).content.decode()
        )

    def test_bill_credit_only_for_an_active_member(self, staff_user):
        active = self._case()
        running = ContractFactory(member=active.member)
        claim, _ = services.claim_record(
            case=active,
            user=UserFactory(roles=["supervisor"]),
            method="bill_credit",
            credit_contract=running,
        )
        assert claim.credit_contract == running
        # A current member's credit goes on their next bill: no running contract needed.
        no_contract = self._case()
        claim, _ = services.claim_record(
            case=no_contract, user=UserFactory(roles=["supervisor"]), method="bill_credit"
        )
        assert claim.method == "bill_credit" and claim.credit_contract is None
        withdrawn = self._case(member_status="withdrawn", withdrawn_on=datetime.date(2009, 7, 1))
        with pytest.raises(ValidationError, match="no longer billed"):
            services.claim_record(
                case=withdrawn,
                user=UserFactory(roles=["supervisor"]),
                method="bill_credit",
                credit_contract=ContractFactory(member=withdrawn.member),
            )
        assert Claim.objects.count() == 2

    def test_staff_need_the_identity_check_first(self, staff_user, staff_client):
        case = self._case()
        with pytest.raises(PermissionDenied):
            services.claim_record(
                case=case, user=staff_user, method="bank_transfer", bank=BankDetails(**BANK)
            )
        page = staff_client.get(reverse("refunds:claim_create", args=[case.pk])).content.decode()
        assert 'id="identity-needed"' in page and 'id="payee-form"' not in page

    def test_a_second_claim_is_refused(self, supervisor_user):
        case = self._case()
        services.claim_record(
            case=case, user=supervisor_user, method="bank_transfer", bank=BankDetails(**BANK)
        )
        with pytest.raises(ValidationError, match="already recorded"):
            services.claim_record(
                case=case, user=supervisor_user, method="bank_transfer", bank=BankDetails(**BANK)
            )

    def test_payee_change_is_audited_with_old_and_new_values(
        self, supervisor_user, staff_client, staff_user
    ):
        case = self._case()
        claim, _ = services.claim_record(
            case=case, user=supervisor_user, method="bank_transfer", bank=BankDetails(**BANK)
        )
        set_status(Case.objects.filter(pk=case.pk), "prepared")
        _verified(staff_user, case.member)
        response = staff_client.post(
            reverse("refunds:payee_change", args=[claim.pk]),
            {
                **BANK,
                "account_number": "7654321",
                "method": "bank_transfer",
                "reason": "new account",
            },
        )
        assert response.status_code == 302
        event = AuditEvent.objects.get(action="claim.payee_changed")
        before, after = event.changes["payee"]
        # The log keeps the account numbers masked (the numbers are encrypted at rest).
        assert (before["account_number"], after["account_number"]) == ("***4567", "***4321")
        assert event.reason == "new account"
        case.refresh_from_db()
        assert case.status == "claim_received"  # to be prepared again

    def test_no_payee_change_once_paid(self, supervisor_user):
        case = self._case()
        claim, _ = services.claim_record(
            case=case, user=supervisor_user, method="bank_transfer", bank=BankDetails(**BANK)
        )
        set_status(
            Case.objects.filter(pk=case.pk), "paid", paid_at=timezone.now(), paid_amount_yen=6720
        )
        with pytest.raises(ValidationError, match="no longer"):
            services.claim_change_payee(
                claim=claim,
                user=supervisor_user,
                method="bank_transfer",
                bank=BankDetails(**{**BANK, "account_number": "7654321"}),
                reason="x",
            )

    def test_claims_are_unique_per_case_in_the_database(self, supervisor_user):
        from django.db import IntegrityError, transaction

        case = self._case()
        claim, _ = services.claim_record(
            case=case, user=supervisor_user, method="bank_transfer", bank=BankDetails(**BANK)
        )
        with pytest.raises(IntegrityError), transaction.atomic():
            Claim.objects.create(
                **{
                    f.attname: getattr(claim, f.attname)
                    for f in Claim._meta.concrete_fields
                    if f.name not in ("id", "submission_key")
                }
            )


# -- investigations -----------------------------------------------------------------------------
class TestInvestigations:
    def test_open_and_settle(self, staff_client, supervisor_user):
        program = RemediationProgram.objects.first()
        response = staff_client.post(
            reverse("refunds:investigation_create"),
            {
                "program": program.pk,
                "caller_name": "鈴木　一郎",
                "caller_phone": "090-1111-2222",
                "story": "Billed in April after cancelling in March.",
            },
        )
        assert response.status_code == 302
        case = Case.objects.get(origin="investigation")
        assert case.status == "claim_received" and case.amount_yen is None and case.contract is None
        assert case.case_no.startswith(program.case_prefix)
        with pytest.raises(PermissionDenied):
            services.investigation_settle(
                case=case, user=UserFactory(roles=["staff"]), amount_yen=3402, reason="x"
            )
        services.investigation_settle(
            case=case, user=supervisor_user, amount_yen=3402, reason="bank statement seen"
        )
        case.refresh_from_db()
        assert case.amount_yen == 3402 and case.investigation.settled_by == supervisor_user
        page = staff_client.get(case.get_absolute_url()).content.decode()
        assert 'id="investigation"' in page and "Billed in April" in page

    def test_story_is_required(self, staff_client):
        response = staff_client.post(
            reverse("refunds:investigation_create"),
            {"program": RemediationProgram.objects.first().pk, "caller_name": "x", "story": ""},
        )
        assert response.status_code == 200 and not Case.objects.exists()


def test_ending_a_call_links_it_to_the_cases_it_was_about(staff_client, staff_user):
    from refunds.models import Inquiry
    from refunds.services import callcenter as call_services
    from tests.factories import CaseFactory, ContractFactory, MemberFactory

    member = MemberFactory()
    first = CaseFactory(contract=ContractFactory(member=member))
    second = CaseFactory(contract=ContractFactory(member=member))
    inquiry = call_services.inquiry_start(user=staff_user, member=member, answers={}, case=first)
    url = reverse("refunds:inquiry_close", args=[inquiry.pk])
    form = staff_client.get(url).content.decode()
    assert f'value="{first.pk}"' in form and f'value="{second.pk}"' in form
    assert re.search(rf'value="{first.pk}"[^>]*checked', form)  # the case it was opened for
    response = staff_client.post(
        url, {"reason": "amount", "outcome": "answered", "cases": [first.pk, second.pk]}
    )
    assert response.status_code == 302
    inquiry = Inquiry.objects.get(pk=inquiry.pk)
    assert set(inquiry.cases.all()) == {first, second}
    page = staff_client.get(reverse("refunds:inquiry_detail", args=[inquiry.pk])).content.decode()
    about = page.split('id="inquiry-cases">')[1].split("</dd>")[0]
    assert first.case_no in about and second.case_no in about


def test_an_operator_reads_their_own_calls_and_those_of_the_member_they_serve(
    staff_client, staff_user, supervisor_client
):
    from refunds.services import callcenter as call_services
    from tests.factories import MemberFactory, UserFactory

    member = MemberFactory()
    colleague = UserFactory(roles=["staff"])
    theirs = call_services.inquiry_log(
        user=colleague,
        reason="amount",
        member=member,
        note="家族の事情",
        caller_phone="090-1234-5678",
    )
    page = reverse("refunds:inquiry_detail", args=[theirs.pk])
    assert staff_client.get(page).status_code == 404  # another operator's call
    assert staff_client.get("/api/inquiries/").json()["results"] == []
    assert staff_client.get(f"/api/inquiries/{theirs.pk}/").status_code == 404
    # Serving the same member now, the operator reads the member's earlier calls.
    call_services.inquiry_start(user=staff_user, member=member, answers={})
    shown = staff_client.get(page).content.decode()
    assert "家族の事情" in shown and "090-1234-5678" not in shown and "5678" in shown
    assert staff_client.get(f"/api/inquiries/{theirs.pk}/").status_code == 200
    # Supervisors read every call, the caller's number in full.
    assert "090-1234-5678" in supervisor_client.get(page).content.decode()


def test_the_member_page_in_a_call_has_no_element_id_twice(staff_client, staff_user):
    from collections import Counter

    from refunds.services import callcenter as call_services
    from tests.factories import CaseFactory, ContractFactory, MemberFactory

    member = MemberFactory()
    CaseFactory(contract=ContractFactory(member=member))
    call_services.inquiry_start(user=staff_user, member=member, answers={})
    page = staff_client.get(member.get_absolute_url()).content.decode()
    twice = [i for i, n in Counter(re.findall(r'\sid="([^"]+)"', page)).items() if n > 1]
    assert twice == []


def test_a_case_claimed_in_the_call_is_linked_to_it_without_a_tick(staff_user):
    from refunds.models import Claim
    from refunds.services import callcenter as call_services
    from tests.factories import CaseFactory, ContractFactory, MemberFactory

    member = MemberFactory()
    case = CaseFactory(contract=ContractFactory(member=member), status="notified")
    other = CaseFactory(contract=ContractFactory(member=member), status="notified")
    call = call_services.inquiry_start(user=staff_user, member=member, answers={})
    Claim.objects.create(case=case, member=member, inquiry=call, received_at=call.started_at,
                         method="bill_credit", created_by=staff_user)  # fmt: skip
    from refunds.forms.callcenter import InquiryCloseForm

    form = InquiryCloseForm(member=member, inquiry=call, claimed=[case.pk])
    assert form.fields["cases"].initial == [case.pk]
    closed = call_services.inquiry_close(
        inquiry=call, user=staff_user, reason="amount", outcome="claim_taken", cases=[]
    )
    assert list(closed.cases.all()) == [case] and other not in closed.cases.all()
