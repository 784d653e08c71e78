"""The REST API: authentication, roles, the same services and audit events as the pages, masking,
pagination, JSON errors, a valid OpenAPI schema and a bounded Schemathesis run against it."""

import base64
import contextlib
import datetime
import json
import os
import re
import uuid
from collections import Counter
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.urls import reverse

if "rest_framework" not in settings.INSTALLED_APPS:  # until the settings list the API's apps
    pytest.skip("the API is not installed (see config/settings/api.py)", allow_module_level=True)

from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from refunds import selectors
from refunds.api.serializers import ClaimSerializer
from refunds.models import (
    AuditEvent,
    Case,
    Claim,
    PaymentBatch,
    PaymentItem,
    PersonalDataAccess,
    RemediationProgram,
)
from refunds.payee import BankDetails
from refunds.services import callcenter, review
from tests.factories import (
    CaseFactory,
    ClaimFactory,
    ContractFactory,
    MemberFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

BANK = {
    "bank_code": "0001",
    "branch_code": "001",
    "account_type": "1",
    "account_number": "1234567",
    "holder_name": "ﾔﾏﾀﾞ ﾀﾛｳ",
}


def api_client(user=None, *, token: str | None = None) -> APIClient:
    """A client speaking English (the product's default is Japanese), with the user's token."""
    client = APIClient()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    if token is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    elif user is not None:
        client.credentials(
            HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}"
        )
    return client


@pytest.fixture
def people(db):
    return {
        "staff": UserFactory(username="api-staff", roles=["staff"]),
        "a": UserFactory(username="api-sup-a", roles=["supervisor"]),
        "b": UserFactory(username="api-sup-b", roles=["supervisor"]),
        "admin": UserFactory(username="api-admin", roles=["admin"]),
        "qa": UserFactory(username="api-sup-qa", roles=["supervisor"]),
    }


def claimed_case(people, amount: int = 6720, **kwargs) -> Case:
    case = CaseFactory(
        status="awaiting_claim", category=3, amount_yen=amount, computed_amount_yen=amount, **kwargs
    )
    callcenter.claim_record(
        case=case, user=people["a"], method="bank_transfer", bank=BankDetails(**BANK)
    )
    case.refresh_from_db()
    return case


def case_url(case_or_pk, action: str | None = None) -> str:
    pk = getattr(case_or_pk, "pk", case_or_pk)
    if action is None:
        return reverse("api:case-detail", args=[pk])
    return reverse(f"api:case-{action}", args=[pk])


def case_events(case: Case) -> list[tuple[str, object, str]]:
    events = AuditEvent.objects.filter(object_type="refunds.case", object_id=str(case.pk))
    return [(e.action, e.changes.get("status"), e.reason) for e in events.order_by("id")]


# -- authentication -------------------------------------------------------------------------


class TestAuthentication:
    def test_a_token_authenticates(self, people):
        CaseFactory()
        response = api_client(people["staff"]).get(reverse("api:case-list"))
        assert response.status_code == 200
        assert len(response.json()["results"]) == 1

    def test_a_wrong_token_is_a_401_with_a_json_body(self, people):
        response = api_client(token="not-a-token").get(reverse("api:case-list"))
        assert response.status_code == 401
        assert response["Content-Type"] == "application/json"
        assert response.json() == {"detail": "Invalid token."}
        assert response["WWW-Authenticate"] == "Token"

    def test_no_credentials_is_a_401_not_a_403(self, db):
        response = api_client().get(reverse("api:member-list"))
        assert response.status_code == 401
        assert "detail" in response.json()

    def test_a_user_without_a_role_is_refused(self, db):
        response = api_client(UserFactory(username="nobody")).get(reverse("api:case-list"))
        assert response.status_code == 403
        assert "role" in response.json()["detail"]

    def test_the_signed_in_session_works_too(self, people):
        client = APIClient()
        client.force_login(people["staff"])
        assert client.get(reverse("api:member-list")).status_code == 200

    def test_messages_are_japanese_unless_english_was_chosen(self, people):
        case = CaseFactory()
        client = APIClient()
        client.credentials(
            HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=people['staff']).key}"
        )
        response = client.post(case_url(case, "approve"))
        assert response.status_code == 403
        assert response.json() == {"detail": "この操作はスーパーバイザーのみ行えます。"}

    def test_unknown_paths_under_api_answer_json(self, people):
        response = api_client(people["staff"]).get("/api/no-such-thing/")
        assert response.status_code == 404
        assert response.json() == {"detail": "Not found."}

    def test_a_post_to_an_unknown_path_is_a_json_404_not_the_csrf_page(self, people):
        from django.test import Client

        client = Client(enforce_csrf_checks=True)
        client.force_login(people["staff"])
        for path in ("/api/no-such-thing/", "/api/cases/1/no-such-action/"):
            response = client.post(path, {"x": "1"})
            assert response.status_code == 404 and response["Content-Type"] == "application/json"


# -- every route and every role ------------------------------------------------------------

CALL_CENTER = ("staff", "supervisor", "admin")
SUPERVISORS = ("supervisor", "admin")
# Every named route of the API: (name, method, takes an id, roles that may call it). A route
# added without a line here fails ``test_every_route_is_in_the_table``.
ROUTES = [
    ("api:schema", "get", False, CALL_CENTER),
    ("api:docs", "get", False, CALL_CENTER),
    ("api:member-list", "get", False, CALL_CENTER),
    ("api:member-detail", "get", True, CALL_CENTER),
    ("api:member-reveal", "post", True, SUPERVISORS),
    ("api:member-identity-check", "post", True, CALL_CENTER),
    ("api:contract-list", "get", False, CALL_CENTER),
    ("api:contract-detail", "get", True, CALL_CENTER),
    ("api:case-list", "get", False, CALL_CENTER),
    ("api:case-detail", "get", True, CALL_CENTER),
    ("api:case-prepare", "post", True, CALL_CENTER),
    ("api:case-approve", "post", True, SUPERVISORS),
    ("api:case-reject", "post", True, SUPERVISORS),
    ("api:case-hold", "post", True, SUPERVISORS),
    ("api:case-release", "post", True, SUPERVISORS),
    ("api:case-reopen", "post", True, SUPERVISORS),
    ("api:inquiry-list", "get", False, CALL_CENTER),
    ("api:inquiry-list", "post", False, CALL_CENTER),
    ("api:inquiry-detail", "get", True, CALL_CENTER),
    ("api:claim-list", "get", False, CALL_CENTER),
    ("api:claim-list", "post", False, CALL_CENTER),
    ("api:claim-detail", "get", True, CALL_CENTER),
    ("api:payment-list", "get", False, SUPERVISORS),
    ("api:payment-list", "post", False, SUPERVISORS),
    ("api:payment-detail", "get", True, SUPERVISORS),
    ("api:payment-items", "get", True, SUPERVISORS),
    ("api:payment-exclude", "post", True, SUPERVISORS),
    ("api:payment-release", "post", True, SUPERVISORS),
    ("api:payment-file", "get", True, SUPERVISORS),
    ("api:payment-results", "post", True, SUPERVISORS),
]


def test_every_route_is_in_the_table():
    from django.urls import get_resolver

    api = get_resolver("refunds.api.urls")
    named = {
        f"api:{pattern.name}" for pattern in api.url_patterns if getattr(pattern, "name", None)
    }
    for pattern in api.url_patterns:
        for sub in getattr(pattern, "url_patterns", []):
            named.add(f"api:{sub.name}")
    assert named == {name for name, _method, _pk, _roles in ROUTES}


@pytest.mark.parametrize("role", ["anonymous", "no role", *CALL_CENTER])
def test_each_role_reaches_exactly_its_routes(db, role):
    """Anonymous: 401 everywhere; a role not allowed: 403; an allowed one gets past the
    permission check (a missing id is then a 404, an empty body a 400)."""
    if role == "anonymous":
        client = api_client()
    elif role == "no role":
        client = api_client(UserFactory(username="api-no-role"))
    else:
        client = api_client(UserFactory(username=f"api-{role}", roles=[role]))
    for name, method, takes_id, roles in ROUTES:
        url = reverse(name, args=[999_999] if takes_id else [])
        response = getattr(client, method)(url, {}, format="json")
        if role == "anonymous":
            expected: tuple[int, ...] = (401,)
        elif role not in roles:
            expected = (403,)
        else:
            expected = (200, 400, 404)
        assert response.status_code in expected, (name, method, role, response.status_code)
        if response["Content-Type"].startswith("application/json"):
            assert isinstance(response.json(), dict)


# -- roles and the review decisions ---------------------------------------------------------


class TestDecisions:
    def test_staff_list_cases_and_prepare_but_cannot_approve(self, people):
        case = claimed_case(people)
        staff = api_client(people["staff"])
        assert staff.get(reverse("api:case-list")).status_code == 200
        assert staff.post(case_url(case, "prepare"), {}, format="json").status_code == 200
        response = staff.post(case_url(case, "approve"), format="json")
        assert response.status_code == 403
        assert response.json() == {"detail": "Only a supervisor may do this."}
        case.refresh_from_db()
        assert case.status == "prepared" and case.approved_by is None

    def test_a_supervisor_approves(self, people):
        case = claimed_case(people)
        api_client(people["staff"]).post(case_url(case, "prepare"), {}, format="json")
        response = api_client(people["a"]).post(case_url(case, "approve"), format="json")
        assert response.status_code == 200
        body = response.json()
        assert body["status"] == "approved"
        assert body["approved_by"] == "api-sup-a" and body["prepared_by"] == "api-staff"
        case.refresh_from_db()
        assert case.status == "approved" and case.approved_by == people["a"]

    def test_the_preparer_cannot_approve(self, people):
        case = claimed_case(people)
        client = api_client(people["a"])
        assert (
            client.post(case_url(case, "prepare"), {"note": "checked"}, format="json").status_code
            == 200
        )
        response = client.post(case_url(case, "approve"), format="json")
        # A rule's refusal: 409 with its stable code (policies.REFUSAL_CODES).
        assert response.status_code == 409
        assert response.json() == {
            "detail": "You prepared this case; another supervisor must approve it.",
            "code": "duty.approve_after_prepare",
        }

    def test_above_the_threshold_a_second_supervisor(self, people):
        case = claimed_case(people, amount=12_000)
        api_client(people["staff"]).post(case_url(case, "prepare"), {}, format="json")
        assert api_client(people["a"]).post(case_url(case, "approve")).json()["status"] == (
            "awaiting_second_approval"
        )
        again = api_client(people["a"]).post(case_url(case, "approve"))
        assert again.status_code == 409 and "second, different" in again.json()["detail"]
        assert again.json()["code"] == "duty.second_approve_after_approve"
        assert (
            api_client(people["b"]).post(case_url(case, "approve")).json()["status"] == "approved"
        )

    def test_an_unknown_case_is_a_404_with_a_json_body(self, people):
        client = api_client(people["a"])
        for response in (
            client.get(case_url(999_999)),
            client.post(case_url(999_999, "approve")),
            client.post(case_url(999_999, "reject"), {"reason": "x"}, format="json"),
            client.get(case_url("not-a-number")),
        ):
            assert response.status_code == 404
            assert response.json() == {"detail": "Not found."}

    def test_a_malformed_body_is_a_400_with_a_json_body(self, people):
        case = claimed_case(people)
        client = api_client(people["a"])
        broken = client.post(
            case_url(case, "reject"), data="{not json", content_type="application/json"
        )
        assert broken.status_code == 400 and "detail" in broken.json()
        missing = client.post(case_url(case, "reject"), {}, format="json")
        assert missing.status_code == 400
        assert missing.json() == {"reason": ["This field is required."]}
        blank = client.post(case_url(case, "hold"), {"reason": "   "}, format="json")
        assert blank.status_code == 400 and "reason" in blank.json()
        case.refresh_from_db()
        assert case.status == "claim_received"

    def test_a_service_refusal_is_a_400_with_its_message(self, people):
        case = CaseFactory(status="detected")  # nothing to prepare yet
        response = api_client(people["staff"]).post(case_url(case, "prepare"), {}, format="json")
        assert response.status_code == 400
        assert "cannot be prepared now" in response.json()["detail"]
        release = api_client(people["a"]).post(case_url(case, "release"), {}, format="json")
        assert release.status_code == 400
        assert release.json() == {"detail": "This case is not on hold."}

    def test_a_move_the_workflow_forbids_is_a_409(self, people):
        case = CaseFactory(status="in_payment")
        response = api_client(people["a"]).post(
            case_url(case, "hold"), {"reason": "dispute"}, format="json"
        )
        assert response.status_code == 409
        assert "cannot become" in response.json()["detail"]
        case.refresh_from_db()
        assert case.status == "in_payment"

    def test_staff_cannot_take_the_supervisors_decisions(self, people):
        case = claimed_case(people)
        staff = api_client(people["staff"])
        for action in ("approve", "reject", "hold", "release", "reopen"):
            response = staff.post(case_url(case, action), {"reason": "x"}, format="json")
            assert response.status_code == 403, action
        assert case_events(case) == [
            ("case.claim_received", ["awaiting_claim", "claim_received"], "")
        ]

    def test_the_decisions_write_the_same_audit_events_as_the_pages(self, people):
        """The same sequence through the pages and through the API leaves the same events."""
        from django.test import Client

        def page(user) -> Client:
            page_client = Client()
            page_client.force_login(user)
            return page_client

        steps = [
            ("staff", "prepare", {"reason": "amount checked"}, {"note": "amount checked"}),
            ("a", "hold", {"reason": "dispute"}, {"reason": "dispute"}),
            ("a", "release", {"reason": ""}, {}),
            ("a", "reject", {"reason": "not affected"}, {"reason": "not affected"}),
            ("b", "reopen", {"reason": "new evidence"}, {"reason": "new evidence"}),
            ("a", "approve", {"reason": ""}, None),
        ]
        by_page, by_api = claimed_case(people), claimed_case(people)
        # Neither is drawn for QA: no sampling, and today's first case of the category is
        # another one.
        RemediationProgram.objects.update(qa_rate_percent=0)
        review.case_prepare(case=claimed_case(people), user=people["staff"])
        for who, action, form, body in steps:
            response = page(people[who]).post(
                reverse(f"refunds:case_{action}", args=[by_page.pk]), form
            )
            assert response.status_code == 302, (action, response.content[:300])
            response = api_client(people[who]).post(case_url(by_api, action), body, format="json")
            assert response.status_code == 200, (action, response.json())
        by_page.refresh_from_db()
        by_api.refresh_from_db()
        assert by_api.status == by_page.status == "approved"
        assert case_events(by_api) == case_events(by_page)
        assert [action for action, _status, _reason in case_events(by_api)] == [
            "case.claim_received",
            "case.prepared",
            "case.held",
            "case.released",
            "case.rejected",
            "case.reopened",
            "case.approved",
        ]
        actors = AuditEvent.objects.filter(object_type="refunds.case", object_id=str(by_api.pk))
        assert list(actors.order_by("id").values_list("actor__username", flat=True))[1:] == [
            "api-staff",
            "api-sup-a",
            "api-sup-a",
            "api-sup-a",
            "api-sup-b",
            "api-sup-a",
        ]


# -- reads: pagination, filters, masking, amounts, payments ---------------------------------


class TestReads:
    def test_cursor_pagination_returns_next_and_never_repeats(self, people):
        members = [MemberFactory() for _ in range(5)]
        client = api_client(people["staff"])
        first = client.get(reverse("api:member-list"), {"page_size": 2}).json()
        assert first["next"] and first["previous"] is None
        seen = [m["id"] for m in first["results"]]
        url = first["next"]
        while url:
            page = client.get(url).json()
            seen += [m["id"] for m in page["results"]]
            url = page["next"]
        assert seen == sorted((m.pk for m in members), reverse=True)

    @pytest.mark.parametrize(
        "cursor",
        [
            "zzz",
            # Well-formed cursors whose position is no id (a client can write any).
            *(
                base64.b64encode(raw.encode()).decode()
                for raw in ("p=abc", "p=1.5", "p=\x00", "p=99999999999999999999999", "r=1&p=-1")
            ),
        ],
    )
    def test_an_invalid_cursor_is_a_404_json(self, people, cursor):
        response = api_client(people["staff"]).get(reverse("api:case-list"), {"cursor": cursor})
        assert response.status_code == 404
        assert response.json() == {"detail": "Invalid cursor"}

    def test_cases_filter_by_status_category_and_program(self, people):
        awaiting = CaseFactory(status="awaiting_claim", category=3)
        detected = CaseFactory(status="detected", category=1)
        client = api_client(people["a"])

        def ids(**query) -> list[int]:
            return [c["id"] for c in client.get(reverse("api:case-list"), query).json()["results"]]

        assert ids(status="awaiting_claim") == [awaiting.pk]
        assert ids(category=1) == [detected.pk]
        assert ids(program=detected.program_id) == [detected.pk, awaiting.pk]
        assert client.get(reverse("api:case-list"), {"status": "nonsense"}).status_code == 400
        assert client.get(reverse("api:case-list"), {"program": 999_999}).status_code == 400

    def test_members_filter_by_member_no(self, people):
        wanted = MemberFactory(member_no="SN00000042")
        MemberFactory()
        results = (
            api_client(people["staff"])
            .get(reverse("api:member-list"), {"member_no": "SN00000042"})
            .json()["results"]
        )
        assert [m["id"] for m in results] == [wanted.pk]

    def test_staff_see_no_amount_before_an_identity_check(self, people):
        case = CaseFactory(amount_yen=6720, computed_amount_yen=6720)
        staff = api_client(people["staff"])
        before = staff.get(case_url(case)).json()
        assert before["amounts_visible"] is False
        assert before["amount_yen"] is None and before["computed_amount_yen"] is None
        listed = staff.get(reverse("api:case-list")).json()["results"][0]
        assert listed["amount_yen"] is None
        assert api_client(people["a"]).get(case_url(case)).json()["amount_yen"] == 6720

        too_little = staff.post(
            reverse("api:member-identity-check", args=[case.member_id]),
            {"verified_name": "ヤマダ タロウ"},
            format="json",
        )
        assert too_little.status_code == 201 and too_little.json()["identity_verified"] is False
        assert too_little.json()["confirmed_items"] == ["verified_name"]
        assert staff.get(case_url(case)).json()["amount_yen"] is None

        checked = staff.post(
            reverse("api:member-identity-check", args=[case.member_id]),
            {"verified_name": "山田 太郎", "verified_birth_date": "1975-05-05"},
            format="json",
        )
        assert checked.status_code == 201 and checked.json()["identity_verified"] is True
        after = staff.get(case_url(case)).json()
        assert after["amounts_visible"] is True and after["amount_yen"] == 6720
        # Another staff member has not checked this caller.
        other = api_client(UserFactory(username="api-staff-2", roles=["staff"]))
        assert other.get(case_url(case)).json()["amount_yen"] is None

    @pytest.mark.parametrize(
        "name", ["api:case-list", "api:inquiry-list", "api:claim-list", "api:contract-list"]
    )
    def test_lists_run_a_constant_number_of_queries(
        self, people, name, django_assert_max_num_queries
    ):
        client = api_client(people["a"])
        for _round in range(2):
            for _ in range(3):
                case = claimed_case(people)
                callcenter.inquiry_log(
                    user=people["staff"], reason="amount", member=case.member, case=case
                )
            with django_assert_max_num_queries(4):
                assert client.get(reverse(name)).status_code == 200

    def test_the_list_of_claims_reads_what_it_shows(self, people, django_assert_num_queries):
        """The list reads a claim's related rows for their numbers only; each claim is written
        as from its whole rows (bank transfers and bill credits, with and without a credited
        contract), in the same number of queries for one claim and for several."""
        client = api_client(people["a"])
        ClaimFactory(created_by=people["staff"])
        # The token with its user, the roles, the page of claims.
        with django_assert_num_queries(3):
            assert len(client.get(reverse("api:claim-list")).json()["results"]) == 1
        no_bank = {"bank_code": "", "branch_code": "", "account_type": "", "holder_name": ""}
        ClaimFactory(method="bill_credit", account_number=None, **no_bank)
        credited = CaseFactory(status="claim_received")
        ClaimFactory(
            case=credited,
            method="bill_credit",
            credit_contract=ContractFactory(member=credited.member),
            account_number=None,
            **no_bank,
        )
        claimed_case(people, amount=3402)
        with django_assert_num_queries(3):
            listed = client.get(reverse("api:claim-list")).json()["results"]
        expected = ClaimSerializer(selectors.claims(), many=True).data
        assert sorted(listed, key=lambda row: row["id"]) == sorted(
            (dict(row) for row in expected), key=lambda row: row["id"]
        )
        assert {row["method"] for row in listed} == {"bank_transfer", "bill_credit"}
        assert any(row["credit_contract_no"] for row in listed)

    def test_personal_data_is_masked_and_a_reveal_is_logged(self, people):
        member = MemberFactory(
            birth_date=datetime.date(1970, 5, 6),
            phone="03-1234-5678",
            email="taro@example.jp",
            postal_code="1500001",
            address="東京都渋谷区神宮前1-2-3",
        )
        for who in ("staff", "a"):
            body = (
                api_client(people[who]).get(reverse("api:member-detail", args=[member.pk])).json()
            )
            assert body["birth_year"] == 1970 and body["phone_masked"] == "**-****-5678"
            assert body["prefecture"] == "東京都" and body["email_masked"] == "***@example.jp"
            assert body["postal_code_masked"] == "150-****"
            assert not {"birth_date", "phone", "email", "address", "postal_code"} & set(body)
        reveal = reverse("api:member-reveal", args=[member.pk])
        assert api_client(people["staff"]).post(reveal).status_code == 403
        assert not PersonalDataAccess.objects.exists()
        assert api_client(people["a"]).post(reveal).status_code == 400  # no reason
        full = api_client(people["a"]).post(reveal, {"reason": "audit sample"}, format="json")
        assert full.status_code == 200
        assert full.json()["phone"] == "03-1234-5678"
        assert full.json()["address"] == "東京都渋谷区神宮前1-2-3"
        access = PersonalDataAccess.objects.get()
        assert access.user == people["a"] and access.member == member
        assert (
            AuditEvent.objects.filter(action="member.revealed", object_id=str(member.pk)).count()
            == 1
        )

    def test_payments_are_for_supervisors(self, people):
        case = claimed_case(people)
        batch = PaymentBatch.objects.create(
            method="bank_transfer",
            transfer_date=datetime.date(2010, 12, 10),
            created_by=people["a"],
            item_count=1,
            total_yen=6720,
        )
        PaymentItem.objects.create(
            batch=batch, case=case, amount_yen=6720, account_number="1234567", holder_kana="ﾔﾏﾀﾞ ﾀﾛｳ"
        )
        assert api_client(people["staff"]).get(reverse("api:payment-list")).status_code == 403
        detail_url = reverse("api:payment-detail", args=[batch.pk])
        assert api_client(people["staff"]).get(detail_url).status_code == 403
        listed = api_client(people["a"]).get(reverse("api:payment-list")).json()
        assert [b["id"] for b in listed["results"]] == [batch.pk]
        assert "items" not in listed["results"][0]
        detail = api_client(people["admin"]).get(detail_url).json()
        assert detail["total_yen"] == 6720
        items_url = reverse("api:payment-items", args=[batch.pk])
        assert detail["items"].endswith(items_url)  # the payments are pages of their own
        assert api_client(people["staff"]).get(items_url).status_code == 403
        items = api_client(people["admin"]).get(items_url).json()["results"]
        assert [(i["case_no"], i["account_number_masked"]) for i in items] == [
            (case.case_no, "***4567")
        ]


# -- inquiries and claims -------------------------------------------------------------------


class TestCallCenterWrites:
    def test_an_inquiry_is_logged_through_the_service(self, people):
        member = MemberFactory()
        response = api_client(people["staff"]).post(
            reverse("api:inquiry-list"),
            {"reason": "amount", "note": "asked how much", "member_no": member.member_no.lower()},
            format="json",
        )
        assert response.status_code == 201, response.json()
        body = response.json()
        assert body["member"] == member.pk and body["created_by"] == "api-staff"
        assert body["ended_at"] is not None  # a whole inquiry at once
        event = AuditEvent.objects.get(action="inquiry.logged")
        assert event.object_id == str(body["id"]) and event.actor == people["staff"]

    def test_a_bad_inquiry_is_a_400_per_field(self, people):
        client = api_client(people["staff"])
        response = client.post(
            reverse("api:inquiry-list"),
            {"reason": "nonsense", "member_no": "NOBODY", "started_at": "1990-01-01T00:00:00Z"},
            format="json",
        )
        assert response.status_code == 400
        assert set(response.json()) == {"reason", "member_no", "started_at"}

    def test_a_complaint_gets_a_due_date_as_on_the_page(self, people):
        response = api_client(people["staff"]).post(
            reverse("api:inquiry-list"), {"reason": "complaint"}, format="json"
        )
        assert response.status_code == 201
        assert response.json()["complaint_due_at"] is not None
        assert response.json()["follow_up_needed"] is True

    def test_staff_take_a_claim_only_after_the_identity_check(self, people):
        case = CaseFactory(status="awaiting_claim", category=3)
        staff = api_client(people["staff"])
        body = {
            "case": case.pk,
            "method": "bank_transfer",
            **BANK,
            "submission_key": str(uuid.uuid4()),
        }
        refused = staff.post(reverse("api:claim-list"), body, format="json")
        assert refused.status_code == 403
        assert refused.json() == {
            "detail": "Confirm the caller's identity before taking bank details."
        }
        staff.post(
            reverse("api:member-identity-check", args=[case.member_id]),
            {"verified_name": "山田 太郎", "verified_birth_date": "1975-05-05"},
            format="json",
        )
        created = staff.post(reverse("api:claim-list"), body, format="json")
        assert created.status_code == 201, created.json()
        assert created.json()["account_number_masked"] == "***4567"
        again = staff.post(reverse("api:claim-list"), body, format="json")
        assert again.status_code == 200 and again.json()["id"] == created.json()["id"]
        assert Claim.objects.count() == 1
        case.refresh_from_db()
        assert case.status == "claim_received"
        claim = Claim.objects.get()
        assert claim.inquiry is not None and claim.inquiry.identity_verified
        assert AuditEvent.objects.filter(action="claim.recorded").count() == 1

    def test_a_bad_payee_is_a_400_from_the_service(self, people):
        case = CaseFactory(status="awaiting_claim", category=3)
        response = api_client(people["a"]).post(
            reverse("api:claim-list"),
            {"case": case.pk, "method": "bank_transfer", **BANK, "bank_code": "99x"},
            format="json",
        )
        assert response.status_code == 400
        assert response.json() == {"detail": "Enter the bank code as 4 digits."}
        assert not Claim.objects.exists()

    def test_a_second_claim_is_refused(self, people):
        case = claimed_case(people)
        response = api_client(people["a"]).post(
            reverse("api:claim-list"),
            {"case": case.pk, "method": "bank_transfer", **BANK},
            format="json",
        )
        assert response.status_code == 400
        assert "already recorded" in response.json()["detail"]


# -- the schema and the docs ----------------------------------------------------------------


class TestSchema:
    def test_the_schema_is_valid_openapi_3(self, people):
        from drf_spectacular.validation import validate_schema

        response = api_client(people["staff"]).get(reverse("api:schema"), {"format": "json"})
        assert response.status_code == 200
        schema = json.loads(response.content)
        assert schema["openapi"].startswith("3.")
        # English (field titles come from the models' translated names).
        assert not re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", response.content.decode())
        validate_schema(schema)  # raises on an invalid document
        paths = schema["paths"]
        for path in (
            "/api/cases/",
            "/api/cases/{id}/approve/",
            "/api/cases/{id}/reopen/",
            "/api/inquiries/",
            "/api/claims/",
            "/api/payments/{id}/",
            "/api/members/{id}/reveal/",
        ):
            assert path in paths
        assert "post" in paths["/api/inquiries/"] and "post" in paths["/api/claims/"]
        assert {"tokenAuth", "cookieAuth"} <= set(schema["components"]["securitySchemes"])

    def test_the_schema_needs_a_role(self, db):
        assert api_client().get(reverse("api:schema")).status_code == 401

    def test_generation_has_no_warning(self, tmp_path):
        from django.core.management import call_command

        call_command(
            "spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yml")
        )
        assert "/api/cases/{id}/approve/" in (tmp_path / "schema.yml").read_text()

    def test_the_docs_page_loads_nothing_from_outside(self, people):
        response = api_client(people["staff"]).get(reverse("api:docs"))
        assert response.status_code == 200
        html = response.content.decode()
        assert "swagger-ui" in html
        sources = re.findall(r"""(?:src|href)=["']([^"']+)["']""", html)
        assert sources and all(src.startswith("/") for src in sources), sources


# -- Schemathesis -----------------------------------------------------------------------------


@contextlib.contextmanager
def same_database_connection() -> Iterator[None]:
    """Requests sent to the WSGI app keep the test's connection (and its transaction), as
    Django's test client does."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.mark.parametrize("role", ["supervisor", "staff"])
def test_schemathesis_finds_no_server_error(people, role):
    """Every operation of the schema, 5 generated requests each, with a valid token: no 5xx.

    ``API_FUZZ_EXAMPLES=200`` runs more (and random rather than fixed) examples locally."""
    import schemathesis
    from django.core.handlers.wsgi import WSGIHandler
    from hypothesis import HealthCheck, Phase, given
    from hypothesis import settings as hypothesis_settings
    from schemathesis.checks import not_a_server_error

    # Something for generated ids to find: cases in several states, a claim, a payment batch.
    claimed = claimed_case(people)
    CaseFactory(status="detected")
    CaseFactory(status="in_payment")
    batch = PaymentBatch.objects.create(
        method="bank_transfer", transfer_date=datetime.date(2010, 12, 10), created_by=people["a"]
    )
    PaymentItem.objects.create(batch=batch, case=claimed, amount_yen=6720)
    review.case_prepare(case=claimed, user=people["staff"])

    from schemathesis import GenerationMode

    # API_FUZZ_MODE=negative sends data the schema forbids (locally; CI sends valid data).
    mode = GenerationMode(os.environ.get("API_FUZZ_MODE", "positive"))
    user = people["a"] if role == "supervisor" else people["staff"]
    headers = {"Authorization": f"Token {Token.objects.create(user=user).key}"}
    stats: Counter[str] = Counter()
    with same_database_connection():
        schema = schemathesis.openapi.from_wsgi(
            reverse("api:schema") + "?format=json", WSGIHandler(), headers=headers
        )
        for result in schema.get_all_operations():
            operation = result.ok()
            stats["operations"] += 1

            @given(case=operation.as_strategy(generation_mode=mode))
            @hypothesis_settings(
                max_examples=int(os.environ.get("API_FUZZ_EXAMPLES", "5")),
                deadline=None,
                database=None,
                derandomize="API_FUZZ_EXAMPLES" not in os.environ,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            def check(case) -> None:
                response = case.call(headers=headers)
                stats["requests"] += 1
                stats[f"{response.status_code // 100}xx"] += 1
                case.validate_response(response, checks=[not_a_server_error])

            check()
    print(f"\nschemathesis ({role}): {dict(stats)}")
    assert stats["operations"] >= 20
    assert stats["requests"] >= stats["operations"]
    assert stats["5xx"] == 0


class TestPaymentRuns:
    """Build, exclude, release, download and reconcile through the API, two supervisors."""

    def test_a_run_from_proposal_to_results(self, people):
        from refunds import bankdays, zengin
        from tests.test_review import approved_case

        first, second = approved_case(people), approved_case(people)
        builder, releaser = api_client(people["a"]), api_client(people["b"])
        day = bankdays.earliest_transfer_date().isoformat()
        response = builder.post(
            "/api/payments/", {"method": "bank_transfer", "transfer_date": day}, format="json"
        )
        assert response.status_code == 201, response.json()
        run = response.json()
        assert run["item_count"] == 2 and run["status"] == "draft"
        items = builder.get(run["items"]).json()["results"]
        second_item = next(i for i in items if i["case"] == second.pk)
        response = builder.post(
            f"/api/payments/{run['id']}/exclude/",
            {"items": [second_item["id"]], "reason": "address check"},
            format="json",
        )
        assert response.status_code == 200 and response.json()["item_count"] == 1
        refused = builder.post(f"/api/payments/{run['id']}/release/")
        assert refused.status_code == 409 and "built this payment run" in refused.json()["detail"]
        assert refused.json()["code"] == "duty.release_run_after_build_run"
        released = releaser.post(f"/api/payments/{run['id']}/release/")
        assert released.status_code == 200 and released.json()["status"] == "exported"
        data = b"".join(releaser.get(f"/api/payments/{run['id']}/file/").streaming_content)
        parsed = zengin.parse_transfer_file(data)
        reference = parsed.records[0]["customer_code1"]
        result = f"reference,result,amount_yen,reason\n{reference},paid,,\n".encode()
        bad = builder.post(
            f"/api/payments/{run['id']}/results/",
            {"file": _upload("r.csv", result)},
            format="multipart",
        )
        assert bad.status_code == 400 and "without an amount" in bad.json()["errors"][0]
        result = f"reference,result,amount_yen,reason\n{reference},paid,{first.amount_yen},\n"
        good = builder.post(
            f"/api/payments/{run['id']}/results/",
            {"file": _upload("r.csv", result.encode())},
            format="multipart",
        )
        assert good.status_code == 200 and good.json()["paid"] == 1, good.json()
        assert Case.objects.get(pk=first.pk).status == "paid"
        assert Case.objects.get(pk=second.pk).status == "approved"

    def test_staff_cannot_build_a_run(self, people):
        response = api_client(people["staff"]).post(
            "/api/payments/", {"method": "bank_transfer", "transfer_date": "2030-01-07"}
        )
        assert response.status_code == 403


def _upload(name: str, data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="text/csv")


class TestIdempotencyKey:
    """A POST sent again with its Idempotency-Key is answered once, as Stripe's API does."""

    def test_the_same_key_and_body_replays_the_first_answer(self, people):
        case = claimed_case(people)
        client = api_client(people["staff"])
        url = case_url(case, "prepare")
        first = client.post(url, {"note": "checked"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
        assert first.status_code == 200 and first.json()["status"] == "prepared"
        again = client.post(url, {"note": "checked"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
        assert again.status_code == 200 and again.json() == first.json()
        assert again["Idempotent-Replayed"] == "true"
        prepared = AuditEvent.objects.filter(action="case.prepared", object_id=str(case.pk))
        assert prepared.count() == 1  # done once
        # Without the key the same request is a new one (the state machine refuses it).
        assert client.post(url, {"note": "checked"}, format="json").status_code == 400

    def test_the_same_key_with_another_body_is_refused(self, people):
        case = claimed_case(people)
        client = api_client(people["staff"])
        url = case_url(case, "prepare")
        client.post(url, {"note": "a"}, format="json", HTTP_IDEMPOTENCY_KEY="k-2")
        other = client.post(url, {"note": "b"}, format="json", HTTP_IDEMPOTENCY_KEY="k-2")
        assert other.status_code == 422 and "another request" in other.json()["detail"]

    def test_a_key_still_being_answered_is_a_conflict(self, people):
        from refunds.api.idempotency import _fingerprint  # noqa: F401 - the same hash rule
        from refunds.models import IdempotencyRecord

        case = claimed_case(people)
        client = api_client(people["staff"])
        url = case_url(case, "prepare")
        body = b'{"note":"x"}'
        import hashlib

        digest = hashlib.sha256(b"POST " + url.encode() + b"\n" + body).hexdigest()
        IdempotencyRecord.objects.create(user=people["staff"], key="k-3", request_sha256=digest)
        response = client.post(
            url, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-3"
        )
        assert response.status_code == 409

    def test_keys_are_per_user(self, people):
        first, second = claimed_case(people), claimed_case(people)
        url_a, url_b = case_url(first, "prepare"), case_url(second, "prepare")
        staff = api_client(people["staff"])
        admin = api_client(people["admin"])
        assert staff.post(url_a, {}, format="json", HTTP_IDEMPOTENCY_KEY="same").status_code == 200
        assert admin.post(url_b, {}, format="json", HTTP_IDEMPOTENCY_KEY="same").status_code == 200


def test_the_schema_documents_the_idempotency_key_on_every_post():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    posts = [path["post"] for path in schema["paths"].values() if "post" in path]
    assert posts and all(
        any(p["name"] == "Idempotency-Key" for p in post["parameters"])
        and "422" in post["responses"]
        for post in posts
    )
    assert "Error" in schema["components"]["schemas"]


def test_every_refusal_code_is_a_rule_of_the_policies():
    """The codes the API may answer are the table's; each duty pair has its own."""
    from refunds.policies import DUTIES, REFUSAL_CODES

    for duty, earlier in DUTIES.items():
        for before in earlier:
            assert f"duty.{duty.value}_after_{before.value}" in REFUSAL_CODES


class TestSchemaCache:
    def test_the_schema_is_made_once_and_never_served_without_a_role(self, people):
        from unittest import mock

        from django.core.cache import cache
        from drf_spectacular.views import SpectacularAPIView

        cache.clear()
        client = api_client(people["staff"])
        with mock.patch.object(
            SpectacularAPIView, "get", autospec=True, side_effect=SpectacularAPIView.get
        ) as made:
            first = client.get(reverse("api:schema"), {"format": "json"})
            second = client.get(reverse("api:schema"), {"format": "json"})
            japanese = client.get(reverse("api:schema"), {"format": "json", "lang": "ja"})
        assert first.content == second.content and made.call_count == 2  # en once, ja once
        assert first.content != japanese.content
        assert api_client().get(reverse("api:schema"), {"format": "json"}).status_code == 401
        cache.clear()


class TestErrorsAreJson:
    def test_a_server_error_under_api_is_json_and_elsewhere_the_sites_page(self, people):
        from unittest import mock

        from django.test import Client

        client = Client(raise_request_exception=False)
        client.force_login(people["a"])
        with mock.patch("refunds.api.views.CaseViewSet.list", side_effect=RuntimeError("boom")):
            api = client.get("/api/cases/")
        assert api.status_code == 500 and api["Content-Type"] == "application/json"
        assert "boom" not in api.content.decode()
        with mock.patch("refunds.views.cases.CaseListView.get", side_effect=RuntimeError("boom")):
            page = client.get("/cases/")
        assert page.status_code == 500 and page["Content-Type"].startswith("text/html")
