"""Supervisors' review: the queue, one case's decisions, bulk approval with a confirmation."""

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from accounts.mixins import RoleRequiredMixin
from accounts.roles import ALL_ROLES, SUPERVISORS, Role
from refunds import columns, policies, selectors
from refunds.filters import (
    AuditEventFilter,
    CaseFilter,
    PersonalDataAccessFilter,
    PortalAttemptFilter,
    only,
)
from refunds.forms.review import AmountForm, NoteForm, QaForm, ReasonForm
from refunds.models import AuditEvent, Case, CaseStatus, PersonalDataAccess, PortalAttempt
from refunds.policies import may_see_amounts
from refunds.services import qa, review
from refunds.tables import (
    AuditEventTable,
    PersonalDataAccessTable,
    PortalAttemptTable,
    QaTable,
    ReviewTable,
)

from .base import ObjectListView, ServiceFormView

# The review queue's filters; its states are the two that wait for an approval.
ReviewFilter = only(
    CaseFilter,
    "program",
    "category",
    "status",
    "flagged",
    "amount_min",
    "amount_max",
    "older_than",
)


def review_filters(data: Any, request: HttpRequest) -> Any:
    filterset = ReviewFilter(data, queryset=selectors.review_queue(), request=request)
    filterset.filters["status"].extra["choices"] = [
        (state, CaseStatus(state).label) for state in policies.APPROVABLE
    ]
    return filterset


class ReviewQueueView(ObjectListView):
    allowed_roles = SUPERVISORS
    model = Case
    table_class = ReviewTable
    filterset_class = ReviewFilter
    title = gettext_lazy("Review queue")
    template_name = "refunds/review_queue.html"

    def get_queryset(self) -> QuerySet[Case]:
        return selectors.review_queue()

    def get_filterset(self, filterset_class: Any) -> Any:
        return review_filters(self.request.GET or None, self.request)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["pass_rates"] = qa.preparer_pass_rates()
        return context


class QaQueueView(ObjectListView):
    allowed_roles = SUPERVISORS
    model = Case
    table_class = QaTable
    filterset_class = only(CaseFilter, "program", "category")
    title = gettext_lazy("QA queue")
    template_name = "refunds/review_queue.html"

    def get_queryset(self) -> QuerySet[Case]:
        return selectors.qa_queue()

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["qa_queue"] = True
        context["pass_rates"] = qa.preparer_pass_rates()
        return context


class AuditEventListView(ObjectListView):
    """Every recorded change, searchable by supervisors (read-only: there is nothing to edit)."""

    allowed_roles = SUPERVISORS
    model = AuditEvent
    table_class = AuditEventTable
    filterset_class = AuditEventFilter
    title = gettext_lazy("Audit log")
    export_columns = columns.AUDIT_EVENTS.export
    export_name = "audit-events"

    def get_queryset(self) -> QuerySet[AuditEvent]:
        return AuditEvent.objects.select_related("actor")


class PersonalDataAccessListView(ObjectListView):
    """Who was shown whose personal data, and when (admins)."""

    allowed_roles = (Role.ADMIN,)
    model = PersonalDataAccess
    table_class = PersonalDataAccessTable
    filterset_class = PersonalDataAccessFilter
    title = gettext_lazy("Personal data shown")

    def get_queryset(self) -> QuerySet[PersonalDataAccess]:
        return PersonalDataAccess.objects.select_related("user", "member")


class PortalAttemptListView(ObjectListView):
    """Every use of the member portal, success or not (supervisors: the portal's security
    log; read-only)."""

    allowed_roles = SUPERVISORS
    model = PortalAttempt
    table_class = PortalAttemptTable
    filterset_class = PortalAttemptFilter
    title = gettext_lazy("Member portal log")

    def get_queryset(self) -> QuerySet[PortalAttempt]:
        return PortalAttempt.objects.select_related("code__case")


class CaseEvidenceView(RoleRequiredMixin, View):
    """The calculation evidence of one case (HTMX, inline in the review queue)."""

    allowed_roles = SUPERVISORS

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        case = get_object_or_404(Case, pk=pk)
        return render(
            request, "refunds/includes/evidence.html", {"evidence": list(case.evidence.all())}
        )


class BulkApproveView(RoleRequiredMixin, View):
    """GET: what approving the filtered set would do. POST: do it for the cases listed."""

    allowed_roles = SUPERVISORS

    def get(self, request: HttpRequest) -> HttpResponse:
        filterset = review_filters(request.GET, request)
        cases = filterset.qs if filterset.is_valid() else selectors.review_queue().none()
        # A bounded set at a time (the queue's first, oldest preparation first): the page lists
        # each case it would approve, and the one after them says whether more are waiting.
        limit = settings.BULK_APPROVE_LIMIT
        chosen = list(cases.values_list("pk", flat=True)[: limit + 1])
        # The plan reads the cases alone with their members (the queue's own rows also carry
        # the program, the contract and the reviewers: three times the objects).
        plan = review.bulk_approve_plan(
            cases=Case.objects.filter(pk__in=chosen[:limit])
            .select_related("member")
            .order_by(*(cases.query.order_by or ["case_no"])),
            user=self.user,
        )
        context = {
            "plan": plan,
            "query": request.GET.urlencode(),
            "limited": len(chosen) > limit,
            "limit": limit,
        }
        return render(request, "refunds/bulk_approve.html", context)

    def post(self, request: HttpRequest) -> HttpResponse:
        ids = [int(v) for v in request.POST.getlist("case") if v.isdigit()]
        approved, skipped = review.bulk_approve(case_ids=ids, user=self.user)
        messages.success(request, _("%(count)s cases approved.") % {"count": approved})
        for case_no, why in skipped[:20]:
            messages.warning(request, f"{case_no}: {why}")
        return redirect(reverse("refunds:review_queue"))


class CaseActionView(ServiceFormView):
    """One decision on one case, through its service."""

    model = Case
    form_class: Any = ReasonForm
    run: Callable[..., Any]
    done_message: Any = ""

    def perform(self, form: Any) -> HttpResponse:
        type(self).run(case=self.object, user=self.request.user, **form.cleaned_data)
        messages.success(self.request, str(self.done_message) % {"case": self.object.case_no})
        return redirect(self.object)


class CasePrepareView(CaseActionView):
    allowed_roles = ALL_ROLES
    form_class = NoteForm
    page_title = gettext_lazy("Prepare for approval")
    page_help = gettext_lazy("You confirm that the amount and the payee are right.")
    done_message = gettext_lazy("%(case)s prepared: a supervisor will review it.")

    @staticmethod
    def run(*, case: Case, user: Any, reason: str) -> Any:
        return review.case_prepare(case=case, user=user, note=reason)


class CaseApproveView(CaseActionView):
    allowed_roles = SUPERVISORS
    form_class = NoteForm
    page_title = gettext_lazy("Approve")
    done_message = gettext_lazy("%(case)s approved.")

    @staticmethod
    def run(*, case: Case, user: Any, reason: str) -> Any:
        return review.case_approve(case=case, user=user)


class CaseRejectView(CaseActionView):
    allowed_roles = SUPERVISORS
    page_title = gettext_lazy("Reject: no refund is due")
    done_message = gettext_lazy("%(case)s rejected.")
    run = staticmethod(review.case_reject)


class CaseHoldView(CaseActionView):
    allowed_roles = SUPERVISORS
    page_title = gettext_lazy("Put on hold")
    done_message = gettext_lazy("%(case)s is on hold.")
    run = staticmethod(review.case_hold)


class CaseReleaseView(CaseActionView):
    allowed_roles = SUPERVISORS
    form_class = NoteForm
    page_title = gettext_lazy("Release the hold")
    done_message = gettext_lazy("%(case)s released.")
    run = staticmethod(review.case_release)


class CaseReopenView(CaseActionView):
    allowed_roles = SUPERVISORS
    page_title = gettext_lazy("Reopen")
    done_message = gettext_lazy("%(case)s reopened.")
    run = staticmethod(review.case_reopen)


class CaseAmountView(CaseActionView):
    allowed_roles = ALL_ROLES
    form_class = AmountForm
    page_title = gettext_lazy("Change the amount")
    page_help = gettext_lazy(
        "The case goes back to be prepared and approved again. Above the computed amount only "
        "a supervisor may set it, with a justification."
    )
    done_message = gettext_lazy("Amount of %(case)s changed.")
    run = staticmethod(review.case_change_amount)

    def test_func(self) -> bool:
        # Staff change an amount only of a caller whose identity they confirmed.
        if not super().test_func():
            return False
        user = self.user
        if policies.is_supervisor(user):
            return True
        case = Case.objects.filter(pk=self.kwargs["pk"]).select_related("member").first()
        return (
            case is not None
            and case.computed_amount_yen is not None
            and may_see_amounts(user=user, member=case.member)
        )

    def get_initial(self) -> dict[str, Any]:
        return {"amount_yen": self.object.amount_yen}


class QaRecordView(CaseActionView):
    allowed_roles = SUPERVISORS
    form_class = QaForm
    page_title = gettext_lazy("QA re-check")
    page_help = gettext_lazy(
        "Check the calculation (evidence) and the payee. A fail sends the case back to prepared."
    )
    done_message = gettext_lazy("QA result recorded for %(case)s.")
    run = staticmethod(qa.qa_record)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["evidence"] = list(self.object.evidence.all())
        context["claim"] = self.object.claims.select_related("credit_contract").first()
        return context
