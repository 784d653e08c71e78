"""Bench-only URLs: the product's URLs plus Django's admin with changelists of its lists.

The case ``ModelAdmin`` shows the case list's columns, filters by status and category and
searches case, member and contract numbers: what a team would get from the admin out of the box.
The members, contracts, inquiries, claims and audit events have a changelist each
with the columns of the product's list of them (``BASELINE_OF`` in ``bench_pages.py`` pairs
them), 50 rows a page, the related rows joined.
"""

from typing import Any

from django.contrib import admin
from django.urls import include, path

from refunds.models import AuditEvent, Case, Claim, Contract, Inquiry, Member


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = (
        "case_no",
        "member_number",
        "contract_number",
        "category",
        "plan",
        "area",
        "amount_yen",
        "status",
        "flagged",
        "updated_at",
    )
    list_filter = ("status", "category")
    search_fields = ("case_no", "member__member_no", "contract__contract_no")
    list_select_related = ("member", "contract")
    list_per_page = 50

    @admin.display(description="member number", ordering="member__member_no")
    def member_number(self, case: Case) -> Any:
        return case.member.member_no if case.member else ""

    @admin.display(description="contract number", ordering="contract__contract_no")
    def contract_number(self, case: Case) -> Any:
        return case.contract.contract_no if case.contract else ""

    @admin.display(description="plan")
    def plan(self, case: Case) -> Any:
        return case.contract.plan if case.contract else ""

    @admin.display(description="area")
    def area(self, case: Case) -> Any:
        return case.contract.area if case.contract else ""


@admin.register(Member)
class MemberAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("member_no", "name", "name_kana", "status", "postal_code")
    search_fields = ("member_no",)
    list_per_page = 50


@admin.register(Contract)
class ContractAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("contract_no", "member", "course", "plan", "area", "ended_on")
    list_select_related = ("member",)
    list_per_page = 50


@admin.register(Inquiry)
class InquiryAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("started_at", "member", "case", "reason", "outcome", "created_by")
    list_select_related = ("member", "case", "created_by")
    ordering = ("-started_at",)
    list_per_page = 50


@admin.register(Claim)
class ClaimAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("received_at", "case", "member", "channel", "method", "created_by")
    list_select_related = ("case", "member", "created_by")
    ordering = ("-received_at",)
    list_per_page = 50


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("created_at", "actor", "action", "object_type", "object_repr")
    list_select_related = ("actor",)
    ordering = ("-id",)
    list_per_page = 50


urlpatterns = [path("admin/", admin.site.urls), path("", include("config.urls"))]
