"""Letters: print a run of notices or reminders (recorded as sent), preview one, edit texts."""

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import UpdateView

from accounts.mixins import RoleRequiredMixin
from accounts.roles import Role
from refunds import reports, selectors
from refunds.filters import ReturnedMailFilter
from refunds.forms.base import ModelForm
from refunds.forms.letters import LetterRunForm, ReturnedMailForm
from refunds.models import Case, LetterKind, LetterRun, LetterTemplate, Member, ReturnedMail
from refunds.models.audit import AuditAction
from refunds.policies import may_see_amounts
from refunds.services import letters
from refunds.services.audit import audit_record
from refunds.tables import ReturnedMailTable
from refunds.views.base import ObjectListView, ServiceFormView


class LetterRunView(RoleRequiredMixin, View):
    """What is due; a run chosen (kind, program, category, at most N) and previewed — its count,
    its first cases and its first pages as a PDF — before it is printed and recorded."""

    def get(self, request: HttpRequest) -> HttpResponse:
        form = LetterRunForm(request.GET if "kind" in request.GET else None)
        context: dict[str, Any] = {"form": form}
        if form.is_bound and form.is_valid():
            selection = form.selection()
            ids = selection.case_ids()
            if "pdf" in request.GET and ids:
                response = HttpResponse(
                    letters.letters_preview(ids, selection.kind), content_type="application/pdf"
                )
                response["Content-Disposition"] = 'inline; filename="preview.pdf"'
                return response
            context["preview"] = {
                "count": len(ids),
                "key": letters.selection_key(ids),
                "first": Case.objects.filter(pk__in=ids[:10]).order_by("pk"),
                "query": request.GET.urlencode(),
            }
        # Counting what is due reads every detected and notified case: the figures come with
        # the dashboard's, computed in the background, and say when (the preview counts anew).
        board = reports.dashboard()
        notices = [{"category": int(k), "n": n} for k, n in sorted(board.notices_due.items())]
        context.update(
            notices=notices,
            notices_total=sum(row["n"] for row in notices),
            reminders_total=board.reminders_due,
            due_as_of=board.computed_at,
            limit=settings.LETTER_RUN_LIMIT,
            templates=LetterTemplate.objects.order_by("kind"),
            runs=LetterRun.objects.select_related("created_by")[:20],
        )
        return render(request, "refunds/letters.html", context)

    def post(self, request: HttpRequest) -> HttpResponse | FileResponse:
        form = LetterRunForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Choose the letters to print."))
            return redirect("refunds:letters")
        selection = form.selection()
        ids = selection.case_ids()
        preview = f"{reverse('refunds:letters')}?{request.POST.urlencode()}"
        if letters.selection_key(ids) != request.POST.get("key"):
            messages.error(request, _("The letters due changed since the preview; check it again."))
            return redirect(preview)
        try:
            run = letters.letters_send(
                case_ids=ids, user=self.user, kind=selection.kind, selection=selection
            )
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
            return redirect("refunds:letters")
        return _run_file(run)


def _run_file(run: LetterRun) -> FileResponse:
    return FileResponse(
        run.file.open("rb"),
        as_attachment=True,
        filename=f"letters-{run.kind}-{run.pk}-{run.count}.pdf",
    )


class LetterRunFileView(RoleRequiredMixin, View):
    """A printed run's file again, as it went out (nothing is recorded)."""

    def get(self, request: HttpRequest, pk: int) -> FileResponse:
        return _run_file(get_object_or_404(LetterRun, pk=pk))


class CaseLetterView(RoleRequiredMixin, View):
    """The notice of one case as a PDF, to read or print (nothing is recorded)."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        case = get_object_or_404(Case.objects.filter(member__isnull=False), pk=pk)
        if not may_see_amounts(user=self.user, member=case.member):
            raise PermissionDenied(_("Confirm the caller's identity before opening the letter."))
        kind = request.GET.get("kind", LetterKind.NOTICE)
        if kind not in LetterKind.values:
            kind = LetterKind.NOTICE
        pdf = letters.letters_pdf([case], kind)
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{case.case_no}-{kind}.pdf"'
        return response


class LetterTemplateForm(ModelForm):
    class Meta:
        model = LetterTemplate
        fields = ["subject", "body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 22})}

    def clean_body(self) -> str:
        from django.template import Template, TemplateSyntaxError

        body: str = self.cleaned_data["body"]
        try:
            Template(body)
        except TemplateSyntaxError as exc:
            raise ValidationError(
                _("The text has a placeholder error: %(error)s") % {"error": exc}
            ) from None
        return body


class LetterTemplateUpdateView(RoleRequiredMixin, UpdateView):
    allowed_roles = (Role.ADMIN,)
    model = LetterTemplate
    form_class = LetterTemplateForm
    slug_field = "kind"
    slug_url_kwarg = "kind"
    template_name = "refunds/form_page.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["page_title"] = gettext_lazy("Letter text: %(kind)s") % {
            "kind": self.object.get_kind_display()
        }
        context["page_help"] = self.object._meta.get_field("body").help_text
        return context

    def form_valid(self, form: forms.ModelForm) -> HttpResponse:
        before = LetterTemplate.objects.get(pk=self.object.pk)
        template = form.save(commit=False)
        template.updated_by = self.request.user
        template.save()
        audit_record(
            actor=self.user,
            action=AuditAction.LETTER_TEMPLATE_CHANGED,
            obj=template,
            changes={
                "subject": [before.subject, template.subject],
                "body": [before.body, template.body],
            },
        )
        messages.success(self.request, _("Letter text saved."))
        return redirect(reverse("refunds:letters"))


class MemberMailReturnedView(ServiceFormView):
    """Record a letter that came back for a member (the member page's link)."""

    model = Member
    form_class = ReturnedMailForm
    page_title = gettext_lazy("A letter came back")
    page_help = gettext_lazy(
        "The member gets no more letters at this address; they are listed for address tracing "
        "until their address changes."
    )
    submit_label = gettext_lazy("Record the returned letter")

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "member": self.object}

    def perform(self, form: ReturnedMailForm) -> HttpResponse:
        letters.mail_returned_record(
            member=self.object,
            user=self.user,
            reason=form.cleaned_data["reason"],
            case=form.cleaned_data["case"],
            note=form.cleaned_data["note"],
        )
        messages.success(self.request, _("Returned letter recorded."))
        return redirect(self.object)


class ReturnedMailListView(ObjectListView):
    """Address tracing: members a letter came back from, at the address they still have."""

    model = ReturnedMail
    table_class = ReturnedMailTable
    filterset_class = ReturnedMailFilter
    title = gettext_lazy("Address tracing")

    def get_queryset(self) -> QuerySet[ReturnedMail]:
        return selectors.returned_mail_to_trace()
