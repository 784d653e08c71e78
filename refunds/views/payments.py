"""Payment batches: build, export (Zengin file or bill-credit CSV), download, reconcile."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from accounts.mixins import RoleRequiredMixin
from accounts.roles import SUPERVISORS
from refunds import checks, columns, localtime, policies, reports, selectors
from refunds.filters import BatchFilter
from refunds.forms.review import BatchCreateForm, ExcludeForm, ReconcileForm
from refunds.labels import yen
from refunds.models import BatchStatus, PaymentBatch, PayoutMethod
from refunds.services import payments
from refunds.tables import BatchTable, PaymentItemChoiceTable, PaymentItemTable

from .base import ObjectDetailView, ObjectListView, ServiceFormView


class BatchListView(ObjectListView):
    allowed_roles = SUPERVISORS
    model = PaymentBatch
    table_class = BatchTable
    filterset_class = BatchFilter
    title = gettext_lazy("Payment batches")
    export_columns = columns.PAYMENT_BATCHES.export
    export_name = "payment-batches"
    create_url = "refunds:batch_create"
    create_roles = SUPERVISORS

    def get_queryset(self) -> QuerySet[PaymentBatch]:
        return PaymentBatch.objects.select_related("created_by", "exported_by")


class BatchCreateView(ServiceFormView):
    allowed_roles = SUPERVISORS
    model = PaymentBatch
    form_class = BatchCreateForm
    page_title = gettext_lazy("Build a payment batch")
    submit_label = gettext_lazy("Build the batch")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        # Counting them reads every approved case: the figures come with the dashboard's,
        # computed in the background, and say when (the run itself takes the cases of now).
        board = reports.dashboard()
        lines = []
        for method in PayoutMethod:
            waiting = board.payable.get(str(method), {"count": 0, "yen": 0})
            lines.append(f"{method.label}: {waiting['count']:,} · {waiting['yen']:,}")
        context["page_help"] = _("Approved cases waiting (as of %(time)s): %(lines)s") % {
            "time": localtime.stamp(board.computed_at) if board.computed_at else "—",
            "lines": " / ".join(lines),
        }
        return context

    def perform(self, form: BatchCreateForm) -> HttpResponse:
        proposal = payments.Proposal.of(form.cleaned_data)
        batch = payments.batch_create(
            method=proposal.method,
            user=self.user,
            transfer_date=form.cleaned_data["transfer_date"],
            proposal=proposal,
        )
        messages.success(
            self.request,
            _("Batch %(id)s built: %(count)s payments.")
            % {"id": batch.pk, "count": batch.item_count},
        )
        return redirect(batch)


class BatchDetailView(ObjectDetailView):
    allowed_roles = SUPERVISORS
    model = PaymentBatch
    template_name = "refunds/batch_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        items = selectors.batch_items(self.object).order_by("pk")
        choosing = (
            self.object.status == BatchStatus.DRAFT and self.object.created_by_id == self.user.pk
        )
        # A draft's payments have no result yet: its result columns are left out.
        draft = self.object.status == BatchStatus.DRAFT
        exclude = ("status", "failure_reason", "result_at") if draft else ()
        table = (PaymentItemChoiceTable if choosing else PaymentItemTable)(items, exclude=exclude)
        context["choosing"] = choosing
        context["exclude_form"] = ExcludeForm()
        table.paginate(page=self.request.GET.get("page", 1), per_page=50)
        context["table"] = table
        context["reconcile_form"] = ReconcileForm()
        # Separation of duties: the action is offered only to who may take it, else why not.
        context["release_refusal"] = policies.release_refusal(self.object, self.user)
        context["results_refusal"] = policies.results_refusal(self.object, self.user)
        context["bank_details_missing"] = checks.bank_details_missing()
        context["result_files"] = self.object.result_files.select_related("uploaded_by")
        return context


class BatchActionView(RoleRequiredMixin, View):
    allowed_roles = SUPERVISORS

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        batch = get_object_or_404(PaymentBatch, pk=pk)
        try:
            return self.act(request, batch)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        except PermissionDenied as refusal:  # a duty another supervisor must take
            messages.error(request, str(refusal))
        return redirect(batch)

    def act(self, request: HttpRequest, batch: PaymentBatch) -> HttpResponse:
        raise NotImplementedError


class BatchExportView(BatchActionView):
    def act(self, request: HttpRequest, batch: PaymentBatch) -> HttpResponse:
        payments.batch_export(batch=batch, user=self.user)
        messages.success(
            request, _("Batch exported: download the file for the bank or billing system.")
        )
        return redirect(batch)


class BatchExcludeView(BatchActionView):
    def act(self, request: HttpRequest, batch: PaymentBatch) -> HttpResponse:
        form = ExcludeForm(request.POST, items=batch.items.all())
        if not form.is_valid():
            messages.error(request, _("Choose the payments to take out and say why."))
            return redirect(batch)
        batch = payments.batch_exclude(
            batch=batch,
            user=self.user,
            item_ids=form.cleaned_data["item"],
            reason=form.cleaned_data["reason"],
        )
        messages.success(
            request,
            _("Taken out; the run now pays %(count)s cases, %(total)s.")
            % {"count": batch.item_count, "total": yen(batch.total_yen)},
        )
        return redirect(batch)


class BatchDiscardView(BatchActionView):
    def act(self, request: HttpRequest, batch: PaymentBatch) -> HttpResponse:
        payments.batch_discard(batch=batch, user=self.user)
        messages.success(request, _("Draft batch discarded."))
        return redirect("refunds:batch_list")


SHOWN_ERRORS = 5  # reasons of a refused result file shown as messages; the rest on the page


class BatchReconcileView(BatchActionView):
    def act(self, request: HttpRequest, batch: PaymentBatch) -> HttpResponse:
        form = ReconcileForm(request.POST, request.FILES)
        if not form.is_valid():
            messages.error(request, _("Choose the result file."))
            return redirect(batch)
        upload = form.cleaned_data["file"]
        _kept, outcome = payments.batch_apply_result_file(
            batch=batch, user=self.user, data=upload.read(), file_name=upload.name
        )
        if outcome.errors:
            messages.error(request, _("Nothing was applied; correct the file and upload it again."))
            for error in outcome.errors[:SHOWN_ERRORS]:
                messages.error(request, error)
            if len(outcome.errors) > SHOWN_ERRORS:
                messages.error(
                    request,
                    _("… and %(n)s more: every reason is listed with the refused file below.")
                    % {"n": len(outcome.errors) - SHOWN_ERRORS},
                )
            return redirect(batch)
        counts = {"paid": outcome.paid, "failed": outcome.failed, "open": outcome.still_open}
        if outcome.still_open:
            messages.warning(
                request,
                _(
                    "%(paid)s paid, %(failed)s failed; %(open)s payments of this batch still "
                    "wait for a result."
                )
                % counts,
            )
        else:
            messages.success(request, _("%(paid)s paid, %(failed)s failed.") % counts)
        return redirect(batch)


class BatchFileView(RoleRequiredMixin, View):
    allowed_roles = SUPERVISORS

    def get(self, request: HttpRequest, pk: int) -> HttpResponseBase:
        batch = get_object_or_404(PaymentBatch, pk=pk)
        if not batch.file:
            return redirect(batch)
        name = (batch.file.name or "").rsplit("/", 1)[-1]
        return FileResponse(batch.file.open("rb"), as_attachment=True, filename=name)
