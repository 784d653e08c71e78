"""Programs as data: admins create and edit; a program with cases changes only by a new version."""

import pytest
from django.urls import reverse

from refunds.models import AuditEvent, RemediationProgram
from tests.factories import CaseFactory

pytestmark = pytest.mark.django_db

FORM = {
    "code": "TEST-2011",
    "name": "Another incident",
    "case_prefix": "t11",
    "courses": "ADSL, HIKARI_FLETS",
    "applied_on_or_after": "2006-01-01",
    "cancel_requested_on_or_before": "2010-03-31",
    "overcharge_items": "base_fee, option",
    "offset_items": "refund",
    "recent_leaver_from": "2009-10-01",
    "second_approval_threshold_yen": "20000",
    "is_active": "on",
}


def test_admin_creates_a_program_without_code_changes(admin_client_role):
    response = admin_client_role.post(reverse("refunds:program_create"), FORM)
    assert response.status_code == 302
    program = RemediationProgram.objects.get(code="TEST-2011")
    assert program.courses == ["ADSL", "HIKARI_FLETS"]
    assert program.overcharge_items == ["base_fee", "option"]
    assert program.case_prefix == "T11" and program.version == 1
    assert AuditEvent.objects.filter(action="program.created").exists()


def test_editing_a_program_without_cases_changes_it_in_place(admin_client_role):
    admin_client_role.post(reverse("refunds:program_create"), FORM)
    program = RemediationProgram.objects.get(code="TEST-2011")
    data = {**FORM, "cancel_requested_on_or_before": "2010-04-30"}
    admin_client_role.post(reverse("refunds:program_update", args=[program.pk]), data)
    program.refresh_from_db()
    assert str(program.cancel_requested_on_or_before) == "2010-04-30" and program.version == 1


def test_editing_parameters_of_a_program_with_cases_makes_a_new_version(admin_client_role):
    program = RemediationProgram.objects.get(code="SONET-HIKARI-2010")
    case = CaseFactory(program=program, program_code=program.code)
    page = admin_client_role.get(reverse("refunds:program_update", args=[program.pk]))
    assert page.status_code == 200
    data = {
        "name": program.name,
        "case_prefix": "SH10",
        "courses": "HIKARI_FLETS",
        "applied_on_or_after": "2005-04-01",
        "cancel_requested_on_or_before": "2009-09-30",
        "overcharge_items": "base_fee",
        "offset_items": "refund",
        "recent_leaver_from": "2009-06-01",
        "second_approval_threshold_yen": "10000",
        "is_active": "on",
    }
    response = admin_client_role.post(reverse("refunds:program_update", args=[program.pk]), data)
    assert response.status_code == 302
    versions = RemediationProgram.objects.filter(code=program.code).order_by("version")
    assert [(p.version, p.is_active) for p in versions] == [(1, False), (2, True)]
    assert str(versions[0].cancel_requested_on_or_before) == "2009-09-16"  # old one untouched
    case.refresh_from_db()
    assert case.program_id == program.pk
    assert AuditEvent.objects.filter(action="program.versioned").exists()


def test_a_case_prefix_belongs_to_one_program(admin_client_role):
    response = admin_client_role.post(
        reverse("refunds:program_create"), {**FORM, "case_prefix": "SH10"}
    )
    assert response.status_code == 200
    assert not RemediationProgram.objects.filter(code="TEST-2011").exists()
