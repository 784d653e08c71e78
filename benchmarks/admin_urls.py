"""Bench-only URLs: the product's URLs plus Django's admin with a changelist of the cases.

The ``ModelAdmin`` shows the case list's columns, filters by status and category and searches
case, member and contract numbers: what a team would get from the admin out of the box.
"""

from typing import Any

from django.contrib import admin
from django.urls import include, path

from refunds.models import Case


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


urlpatterns = [path("admin/", admin.site.urls), path("", include("config.urls"))]
