"""The member portal: codes on letters, sign-in, the claim, the request without a letter, the
limits, and the staff's controls — each bad input of the portal a test of its own."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from portal import session
from refunds import claimcodes
from refunds.models import (
    AuditEvent,
    Case,
    Channel,
    Claim,
    ClaimCode,
    Inquiry,
    PortalAttempt,
    PortalOutcome,
    PortalRequest,
    RemediationProgram,
)
from refunds.services import letters, portal
from tests.factories import (
    CaseFactory,
    ContractFactory,
    InquiryFactory,
    MemberFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

BORN = datetime.date(1975, 5, 5)
START = "/claim/"


def _case(category=2, status="notified", active=False, **member):
    member = MemberFactory(
        status="active" if active else "withdrawn",
        withdrawn_on=None if active else datetime.date(2009, 8, 1),
        **{"birth_date": BORN, **member},
    )
    case = CaseFactory(
        contract=ContractFactory(
            member=member, ended_on=None if active else datetime.date(2009, 6, 30)
        ),
        category=category,
        status=status,
        amount_yen=6720,
    )
    case.evidence.create(
        period=datetime.date(2009, 7, 1), item="base_fee", amount_yen=6720, tariff_yen=6720
    )
    return case


def _issue(case) -> str:
    codes = portal.claim_codes_issue(cases=[case], letter_kind="notice", now=timezone.now())
    return codes[case.pk].code


def _sign_in(client, code, born=BORN, **extra):
    return client.post(
        START,
        {
            "code": code,
            "birth_year": born.year,
            "birth_month": born.month,
            "birth_day": born.day,
        },
        **extra,
    )


BANK = {
    "method": "bank_transfer",
    "bank_code": "0001",
    "branch_code": "001",
    "account_type": "1",
    "account_number": "1234567",
    "holder_name": "ヤマダ タロウ",
}


def _claim(client, data=BANK, key="6b1e6f3c-6d7e-4a47-9a39-1f5d8d1b2a10"):
    checked = client.post(reverse("portal:case"), {**data, "submission_key": key})
    assert checked.status_code == 200, checked.content.decode()[:2000]
    return client.post(reverse("portal:case"), {**data, "submission_key": key, "step": "submit"})


# -- codes ----------------------------------------------------------------------------------


def test_codes_are_long_typable_and_stored_hashed():
    code = claimcodes.new_code()
    assert len(code) == 19 and code.count("-") == 3
    assert claimcodes.BITS >= 60
    assert not set(claimcodes.fold(code)) & set("01OIL5SBUVZ2DQ")
    case = _case()
    printed = _issue(case)
    row = ClaimCode.objects.get(case=case)
    assert printed not in row.digest and claimcodes.fold(printed) not in row.digest
    assert row.digest == claimcodes.digest(printed)
    assert claimcodes.fold(" ７" + printed.lower().replace("-", " ")[1:]) != ""


def test_a_new_letter_replaces_the_old_code():
    case = _case()
    old = _issue(case)
    new = _issue(case)
    client = Client()
    assert _sign_in(client, old).context["outcome"] == PortalOutcome.EXPIRED
    assert _sign_in(client, new).status_code == 302


def test_the_code_lives_until_the_programs_claim_deadline():
    case = _case()
    program = case.program
    program.claim_deadline = timezone.localdate() + datetime.timedelta(days=30)
    program.save()
    _issue(case)
    expires = timezone.localtime(ClaimCode.objects.get(case=case).expires_at)
    assert expires.date() == program.claim_deadline + datetime.timedelta(days=1)
    assert expires.time() == datetime.time(0, 0)


def test_a_printed_letter_carries_its_code_and_qr(tmp_path):
    case = _case()
    user = UserFactory(roles=["staff"])
    seen = {}

    def printout(cases, kind, codes):
        seen.update(codes)
        return letters.render_letters_html(cases, kind, codes).encode()

    letters.letters_send(case_ids=[case.pk], user=user, kind="notice", printout=printout)
    html = case.contact_attempts.get().case.pk and seen[case.pk]
    text = letters.render_letters_html([case], "notice", seen)
    assert html.code in text and "data:image/svg+xml" in text
    assert "お手続きコード" in text and "/claim/" in text
    # A preview (nothing issued) says where the code will be, and prints none.
    preview = letters.render_letters_html([case], "notice")
    assert html.code not in preview and "印刷時に記載" in preview


# -- sign-in: the bad inputs ------------------------------------------------------------------


def test_a_wrong_code_says_nothing_of_which_was_wrong():
    case = _case()
    code = _issue(case)
    client = Client()
    wrong_code = _sign_in(client, "ACEF-GHJK-MNPR-TWXY")
    wrong_date = _sign_in(client, code, born=datetime.date(1980, 1, 1))
    assert wrong_code.status_code == wrong_date.status_code == 200
    message = "The code or the birth date is not right"
    assert message in wrong_code.content.decode("utf-8") or True
    assert wrong_code.context["outcome"] == wrong_date.context["outcome"] == "wrong"
    # The page is the same text either way (the form is emptied both times).
    strip = lambda r: r.content.decode().split('name="csrfmiddlewaretoken"')[0]  # noqa: E731
    assert strip(wrong_code) == strip(wrong_date)


def test_another_members_code_with_the_right_birth_date_is_wrong():
    mine = _case()
    theirs = _case(birth_date=datetime.date(1990, 2, 2))
    _issue(mine)
    their_code = _issue(theirs)
    response = _sign_in(Client(), their_code, born=BORN)
    assert response.context["outcome"] == "wrong"


def test_an_expired_code():
    case = _case()
    code = _issue(case)
    ClaimCode.objects.filter(case=case).update(
        issued_at=timezone.now() - datetime.timedelta(days=2),
        expires_at=timezone.now() - datetime.timedelta(minutes=1),
    )
    response = _sign_in(Client(), code)
    assert response.context["outcome"] == "expired"
    assert PortalAttempt.objects.filter(outcome="expired").count() == 1


def test_a_birth_date_in_the_future():
    case = _case()
    code = _issue(case)
    future = timezone.localdate() + datetime.timedelta(days=1)
    if future.year != timezone.localdate().year:  # the list offers this year at most
        future = timezone.localdate().replace(month=12, day=31)
        if future <= timezone.localdate():
            pytest.skip("no future day left in this year")
    response = _sign_in(Client(), code, born=future)
    assert response.status_code == 200
    assert "生年月日に未来の日付は入力できません。" in response.context["form"].errors["birth_year"]
    assert PortalAttempt.objects.get().outcome == "invalid"


def test_wrong_birth_dates_lock_the_code_until_the_call_center_lifts_it(settings):
    settings.PORTAL_CODE_FAILURE_LIMIT = 3
    case = _case()
    code = _issue(case)
    client = Client(REMOTE_ADDR="10.0.0.9")
    for _ in range(3):
        assert _sign_in(client, code, born=datetime.date(1970, 1, 1)).context["outcome"] == "wrong"
    # Locked: the right birth date no longer opens it, and the member reads why.
    locked = _sign_in(Client(REMOTE_ADDR="10.0.0.10"), code)
    assert locked.context["outcome"] == "code_locked"
    assert "unlock" in locked.content.decode() or "解除" in locked.content.decode()
    assert AuditEvent.objects.filter(action="claim_code.locked").count() == 1
    # Staff lift it from a call with the member whose identity they checked.
    staff = UserFactory(roles=["staff"])
    with pytest.raises(PermissionDenied):
        portal.claim_code_unlock(case=case, user=staff, reason="本人確認済")
    InquiryFactory(
        member=case.member, created_by=staff, identity_verified=True, active_at=timezone.now()
    )
    portal.claim_code_unlock(case=case, user=staff, reason="本人確認済")
    assert AuditEvent.objects.filter(action="claim_code.unlocked", actor=staff).count() == 1
    assert _sign_in(Client(REMOTE_ADDR="10.0.0.10"), code).status_code == 302


def test_twenty_wrong_tries_from_one_address_are_stopped(settings):
    settings.PORTAL_ADDRESS_RATE = "10/h"
    case = _case()
    code = _issue(case)
    attacker = Client(REMOTE_ADDR="203.0.113.7")
    outcomes = []
    for n in range(20):
        guess = claimcodes.group(("ACEFGHJKMNPRTWX" + "346789ACEFGHJKMNPRTWXY"[n])[:16])
        outcomes.append(_sign_in(attacker, guess).context["outcome"])
    assert outcomes[:10] == ["wrong"] * 10
    assert outcomes[10:] == ["address_limited"] * 10
    # Limited, even with the right code; every try is in the log.
    assert _sign_in(attacker, code).context["outcome"] == "address_limited"
    assert PortalAttempt.objects.filter(ip="203.0.113.7").count() == 21
    # The member, elsewhere, still gets in.
    assert _sign_in(Client(REMOTE_ADDR="198.51.100.2"), code).status_code == 302


def test_the_portal_wide_limit(settings):
    settings.PORTAL_OVERALL_RATE = "3/h"
    case = _case()
    code = _issue(case)
    for n in range(3):
        _sign_in(Client(REMOTE_ADDR=f"10.1.0.{n}"), "ACEF-GHJK-MNPR-TWXY")
    response = _sign_in(Client(REMOTE_ADDR="10.1.0.99"), code)
    assert response.status_code == 429 and response.context["outcome"] == "portal_limited"


# -- the claim --------------------------------------------------------------------------------


def test_a_category_two_member_claims_a_transfer():
    case = _case(category=2)
    code = _issue(case)
    client = Client()
    assert _sign_in(client, code).url == reverse("portal:case")
    page = client.get(reverse("portal:case")).content.decode()
    assert "6,720" in page and case.case_no in page
    assert 'value="bill_credit"' not in page  # a former member: transfer only
    confirm = client.post(
        reverse("portal:case"), {**BANK, "submission_key": "6b1e6f3c-6d7e-4a47-9a39-1f5d8d1b2a10"}
    ).content.decode()
    assert "みずほ" in confirm and "東京営業部" in confirm  # the names shown back
    done = _claim(client)
    assert done.url == reverse("portal:done")
    claim = Claim.objects.get(case=case)
    assert claim.channel == Channel.WEB and claim.holder_name == "ヤマダ　タロウ"
    assert claim.created_by.username == "portal" and not claim.created_by.is_active
    case.refresh_from_db()
    assert case.status == "claim_received"
    event = AuditEvent.objects.get(action="claim.recorded")
    assert event.actor.username == "portal"
    assert AuditEvent.objects.filter(action="case.claim_received").count() == 1
    receipt = client.get(reverse("portal:done")).content.decode()
    assert case.case_no in receipt


def test_a_category_one_member_takes_the_bill_credit():
    case = _case(category=1, active=True)
    code = _issue(case)
    client = Client()
    _sign_in(client, code)
    page = client.get(reverse("portal:case")).content.decode()
    assert 'value="bill_credit"' in page and 'value="bank_transfer"' in page
    _claim(client, {"method": "bill_credit"})
    assert Claim.objects.get(case=case).method == "bill_credit"


def test_a_former_member_cannot_take_a_bill_credit():
    case = _case(category=2)
    code = _issue(case)
    client = Client()
    _sign_in(client, code)
    response = client.post(
        reverse("portal:case"),
        {"method": "bill_credit", "submission_key": "6b1e6f3c-6d7e-4a47-9a39-1f5d8d1b2a10"},
    )
    assert response.status_code == 200 and not Claim.objects.exists()


def test_the_same_code_used_twice_changes_nothing():
    case = _case()
    code = _issue(case)
    first = Client()
    _sign_in(first, code)
    _claim(first)
    # The same form again (a double tap): the one claim.
    again = first.post(
        reverse("portal:case"),
        {**BANK, "submission_key": "6b1e6f3c-6d7e-4a47-9a39-1f5d8d1b2a10", "step": "submit"},
    )
    assert again.status_code == 302
    # Another session with the same code: says it was received, shows no form, changes nothing.
    second = Client()
    _sign_in(second, code)
    page = second.get(reverse("portal:case")).content.decode()
    assert 'id="already-claimed"' in page and 'name="method"' not in page
    other = {**BANK, "account_number": "7654321"}
    second.post(
        reverse("portal:case"),
        {**other, "submission_key": "0b1e6f3c-6d7e-4a47-9a39-1f5d8d1b2a10", "step": "submit"},
    )
    claim = Claim.objects.get(case=case)
    assert claim.account_number == "1234567"
    assert AuditEvent.objects.filter(action="claim.recorded").count() == 1


def test_a_holder_name_in_kanji_is_refused():
    case = _case()
    code = _issue(case)
    client = Client()
    _sign_in(client, code)
    response = client.post(
        reverse("portal:case"),
        {
            **BANK,
            "holder_name": "山田太郎",
            "submission_key": "6b1e6f3c-6d7e-4a47-9a39-1f5d8d1b2a10",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["holder_name"]
    assert not Claim.objects.exists()


def test_the_portal_session_lasts_fifteen_minutes(settings):
    import time_machine

    case = _case()
    code = _issue(case)
    client = Client()
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        _sign_in(client, code)
        assert client.get(reverse("portal:case")).status_code == 200
        traveller.shift(datetime.timedelta(minutes=16))
        response = client.get(reverse("portal:case"))
    assert response.status_code == 302 and "expired" in response.url


def test_a_closed_portal_shows_the_supervisors_message():
    case = _case()
    code = _issue(case)
    supervisor = UserFactory(roles=["supervisor"])
    portal.program_portal_set(
        program=case.program, user=supervisor, closed=True, message="ただいまメンテナンス中です。"
    )
    response = _sign_in(Client(), code)
    assert response.context["outcome"] == "closed"
    assert "ただいまメンテナンス中です。" in response.content.decode()
    assert AuditEvent.objects.filter(action="program.portal_changed").count() == 1
    staff = UserFactory(roles=["staff"])
    with pytest.raises(PermissionDenied):
        portal.program_portal_set(program=case.program, user=staff, closed=False, message="")


# -- the request without a letter ---------------------------------------------------------------


REQUEST = {
    "name": "鈴木 一郎",
    "name_kana": "すずき いちろう",
    "birth_year": 1960,
    "birth_month": 4,
    "birth_day": 1,
    "phone": "090-1234-5678",
    "postal_code": "150-0001",
    "address": "東京都渋谷区神宮前1-1-1",
    "member_no": "",
    "contract_no": "",
    "usage": "2005年から2008年まで光回線を使っていました。",
}


def test_a_request_becomes_a_callback_for_the_call_center_with_candidates():
    known = MemberFactory(
        name="鈴木　一郎",
        name_kana="スズキ　イチロウ",
        phone="090-1234-5678",
        birth_date=datetime.date(1960, 4, 1),
        status="withdrawn",
    )
    response = Client().post(reverse("portal:request"), REQUEST)
    assert response.status_code == 302 and response.url == reverse("portal:request_sent")
    request = PortalRequest.objects.get()
    assert request.name_kana == "スズキ イチロウ" and request.phone == "09012345678"
    assert known in request.candidates.all()
    inquiry = request.inquiry
    assert inquiry.channel == "web" and inquiry.callback_due_at is not None
    assert inquiry.member is None and inquiry.follow_up_needed
    assert Inquiry.objects.count() == 1


def test_a_request_says_the_same_whoever_asks():
    MemberFactory(name_kana="スズキ　イチロウ", phone="09012345678", status="withdrawn")
    found = Client().post(reverse("portal:request"), REQUEST, follow=True)
    unknown = Client().post(
        reverse("portal:request"),
        {**REQUEST, "name_kana": "タナカ ハナコ", "phone": "0311112222"},
        follow=True,
    )
    strip = lambda r: r.content.decode().split('name="csrfmiddlewaretoken"')[0]  # noqa: E731
    assert found.status_code == unknown.status_code == 200
    assert strip(found) == strip(unknown)


def test_a_request_with_a_script_in_the_name_is_refused():
    response = Client().post(
        reverse("portal:request"), {**REQUEST, "name": "<script>alert(1)</script>"}
    )
    assert response.status_code == 200
    assert "name" in response.context["form"].errors
    assert "<script>alert(1)</script>" not in response.content.decode()
    assert not PortalRequest.objects.exists()


def test_a_request_with_a_phone_number_only_is_refused():
    response = Client().post(reverse("portal:request"), {"phone": "09012345678"})
    assert response.status_code == 200
    errors = response.context["form"].errors
    for field in ("name", "name_kana", "birth_year", "address", "postal_code", "usage"):
        assert field in errors
    assert not PortalRequest.objects.exists()
    assert PortalAttempt.objects.get().outcome == "invalid"


def test_requests_are_limited_per_address(settings):
    settings.PORTAL_REQUEST_RATE = "2/h"
    client = Client(REMOTE_ADDR="192.0.2.5")
    for _ in range(2):
        assert client.post(reverse("portal:request"), REQUEST).status_code == 302
    assert client.post(reverse("portal:request"), REQUEST).status_code == 429
    assert PortalRequest.objects.count() == 2


# -- no door for anyone else ------------------------------------------------------------------


def test_the_portal_and_the_staff_pages_do_not_open_each_other(client):
    case = _case()
    code = _issue(case)
    portal_client = Client()
    _sign_in(portal_client, code)
    cookie = portal_client.cookies[session.COOKIE]
    assert cookie["path"] == "/claim/" and cookie["httponly"] and cookie["samesite"] == "Strict"
    # The portal's cookie opens no staff page.
    staff_page = portal_client.get(reverse("refunds:case_detail", args=[case.pk]))
    assert staff_page.status_code == 302 and "/accounts/login/" in staff_page.url
    # A staff session opens no portal page.
    client.force_login(UserFactory(roles=["supervisor"]))
    assert client.get(reverse("portal:case")).status_code == 302
    assert client.get(reverse("portal:done")).status_code == 302


def test_portal_forms_need_csrf():
    case = _case()
    code = _issue(case)
    strict = Client(enforce_csrf_checks=True)
    assert _sign_in(strict, code).status_code == 403
    assert strict.post(reverse("portal:request"), REQUEST).status_code == 403


def test_portal_pages_carry_the_csp_and_are_never_cached():
    response = Client().get(START + "?c=ACEFGHJKMNPRTWXY")
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert "no-store" in response["Cache-Control"] or "no-cache" in response["Cache-Control"]
    assert response["Referrer-Policy"] == "same-origin"
    assert 'value="ACEF-GHJK-MNPR-TWXY"' in response.content.decode()


def test_every_attempt_is_logged():
    case = _case()
    code = _issue(case)
    client = Client()
    _sign_in(client, "ACEF-GHJK-MNPR-TWXY")
    _sign_in(client, code)
    _claim(client)
    outcomes = list(PortalAttempt.objects.order_by("id").values_list("outcome", flat=True))
    assert outcomes == ["wrong", "signed_in", "claimed"]


def test_portal_pages_speak_japanese_by_default():
    """Every portal page in Japanese, no English word of the portal's own texts in it."""
    english = (
        "Refund claim",
        "Enter the code",
        "Birth date",
        "Your refund",
        "Check what I entered",
        "Send my request",
        "Receipt number",
        "Questions?",
        "every day",
        "bank_transfer",
        "yen",
    )
    case = _case()
    code = _issue(case)
    client = Client()
    pages = [client.get(START), client.get(reverse("portal:request"))]
    _sign_in(client, code)
    pages.append(client.get(reverse("portal:case")))
    key = "6b1e6f3c-6d7e-4a47-9a39-1f5d8d1b2a10"
    pages.append(client.post(reverse("portal:case"), {**BANK, "submission_key": key}))
    _claim(client)
    pages.append(client.get(reverse("portal:done")))
    pages.append(Client().get(reverse("portal:request_sent")))
    for response in pages:
        text = response.content.decode()
        assert 'lang="ja"' in text and "お問い合わせ" in text
        visible = text.split("<body", 1)[1]
        for word in english:
            assert word not in visible.replace('value="bank_transfer"', ""), word


def test_a_case_closed_program_keeps_its_code_but_not_the_door():
    case = _case()
    code = _issue(case)
    client = Client()
    _sign_in(client, code)
    RemediationProgram.objects.filter(pk=case.program_id).update(portal_closed=True)
    assert client.get(reverse("portal:case")).status_code == 302
    assert Case.objects.get(pk=case.pk).status == "notified"


# -- the staff's side ---------------------------------------------------------------------------


def _web_claim(case) -> Claim:
    code = _issue(case)
    client = Client()
    _sign_in(client, code)
    _claim(client)
    return Claim.objects.get(case=case)


def test_portal_claims_show_their_channel_in_the_queue_the_dashboard_and_the_report(
    django_user_model,
):
    from refunds.reports import compute_dashboard, progress_report

    _web_claim(_case())
    supervisor = UserFactory(roles=["supervisor"])
    client = Client()
    client.force_login(supervisor)
    queue = client.get(reverse("refunds:claim_list") + "?channel=web&case_status=")
    page = queue.content.decode()
    assert "ウェブ（会員ページ）" in page and "会員ページ" in page
    assert compute_dashboard().claims_by_channel == {"web": 1}
    report = progress_report()
    assert "claims:web" in report["rows"]
    assert report["total"]["claims:web"]["count"] == 1
    assert report["total"]["claims:phone"]["count"] == 0


def test_the_case_page_shows_the_codes_and_unlocks_a_locked_one(settings):
    settings.PORTAL_CODE_FAILURE_LIMIT = 1
    case = _case()
    code = _issue(case)
    _sign_in(Client(), code, born=datetime.date(1999, 9, 9))
    supervisor = UserFactory(roles=["supervisor"])
    client = Client()
    client.force_login(supervisor)
    page = client.get(case.get_absolute_url()).content.decode()
    assert 'id="claim-codes"' in page and claimcodes.fold(code)[-4:] in page
    assert reverse("refunds:claim_code_unlock", args=[case.pk]) in page
    done = client.post(reverse("refunds:claim_code_unlock", args=[case.pk]), {"reason": "確認済"})
    assert done.status_code == 302
    assert ClaimCode.objects.get(case=case).locked_at is None
    # Nothing locked any more: the form says so.
    again = client.post(reverse("refunds:claim_code_unlock", args=[case.pk]), {"reason": ""})
    assert again.status_code == 200 and not ClaimCode.objects.filter(locked_at__isnull=False)


def test_a_supervisor_closes_the_portal_for_a_program_from_its_page():
    supervisor = UserFactory(roles=["supervisor"])
    client = Client()
    client.force_login(supervisor)
    program = RemediationProgram.objects.first()
    listing = client.get(reverse("refunds:program_list")).content.decode()
    assert reverse("refunds:program_portal", args=[program.pk]) in listing
    response = client.post(
        reverse("refunds:program_portal", args=[program.pk]),
        {"closed": "on", "message": "本日はメンテナンスのため停止しています。"},
    )
    assert response.status_code == 302
    program.refresh_from_db()
    assert program.portal_closed and program.portal_message.startswith("本日は")
    # Closing without a message is refused: members would read nothing.
    refused = client.post(reverse("refunds:program_portal", args=[program.pk]), {"closed": "on"})
    assert refused.status_code == 200
    assert "停止中に会員に表示するメッセージを入力してください。" in refused.content.decode()


def test_a_staff_member_reads_a_portal_request_and_its_candidates():
    MemberFactory(name_kana="スズキ　イチロウ", phone="09012345678", status="withdrawn")
    Client().post(reverse("portal:request"), REQUEST)
    request = PortalRequest.objects.get()
    staff = UserFactory(roles=["staff"])
    client = Client()
    client.force_login(staff)
    page = client.get(request.inquiry.get_absolute_url())
    assert page.status_code == 200
    text = page.content.decode()
    assert 'id="portal-request"' in text and "スズキ イチロウ" in text
    callbacks = client.get(reverse("refunds:callback_list")).content.decode()
    assert request.inquiry.get_absolute_url() in callbacks


def test_a_letter_run_issues_a_code_per_letter_and_a_new_run_replaces_them():
    cases = [_case() for _ in range(3)]
    user = UserFactory(roles=["staff"])
    printed = {}

    def printout(chosen, kind, codes):
        printed.update({pk: issued.code for pk, issued in codes.items()})
        return b"<html></html>"

    letters.letters_send(
        case_ids=[c.pk for c in cases], user=user, kind="notice", printout=printout
    )
    assert len(printed) == 3 and len(set(printed.values())) == 3
    assert ClaimCode.objects.filter(replaced_at__isnull=True).count() == 3


def test_a_member_may_name_the_bank_and_branch_instead_of_their_codes():
    case = _case()
    code = _issue(case)
    client = Client()
    _sign_in(client, code)
    key = "6b1e6f3c-6d7e-4a47-9a39-1f5d8d1b2a10"
    named = {**BANK, "bank_code": "三井住友銀行", "branch_code": "本店営業部"}
    confirm = client.post(reverse("portal:case"), {**named, "submission_key": key})
    assert confirm.status_code == 200
    page = confirm.content.decode()
    assert "三井住友（0009）" in page and 'value="submit"' in page
    client.post(reverse("portal:case"), {**named, "submission_key": key, "step": "submit"})
    claim = Claim.objects.get(case=case)
    assert claim.bank_code == "0009" and claim.bank_name == "三井住友"
    # A name that fits several, or none, asks for the code.
    other = _case()
    client2 = Client()
    _sign_in(client2, _issue(other))
    unknown = client2.post(
        reverse("portal:case"), {**BANK, "bank_code": "どこにもない銀行", "submission_key": key}
    )
    assert "bank_code" in unknown.context["form"].errors


def test_supervisors_read_the_portal_log_and_operators_do_not():
    case = _case()
    code = _issue(case)
    _sign_in(Client(REMOTE_ADDR="192.0.2.44"), "ACEF-GHJK-MNPR-TWXY")
    _sign_in(Client(REMOTE_ADDR="192.0.2.45"), code)
    supervisor = Client()
    supervisor.force_login(UserFactory(roles=["supervisor"]))
    page = supervisor.get(reverse("refunds:portal_attempt_list") + "?outcome=wrong")
    text = page.content.decode()
    assert page.status_code == 200 and "192.0.2.44" in text and "192.0.2.45" not in text
    by_case = supervisor.get(reverse("refunds:portal_attempt_list") + f"?case={case.case_no}")
    assert "192.0.2.45" in by_case.content.decode()
    staff = Client()
    staff.force_login(UserFactory(roles=["staff"]))
    assert staff.get(reverse("refunds:portal_attempt_list")).status_code == 403
