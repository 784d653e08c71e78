"""The call-center workspace: search, the member page's actions, inquiries, claims, queues."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from accounts.mixins import RoleRequiredMixin
from accounts.models import User
from accounts.roles import ALL_ROLES, SUPERVISORS
from refunds import columns, identity, payee, policies, privacy, selectors
from refunds.filters import ClaimFilter, InquiryFilter, InvestigationFilter, only
from refunds.forms.callcenter import (
    ClaimForm,
    ComplaintCloseForm,
    ContactUpdateForm,
    FollowUpDoneForm,
    IdentityCheckForm,
    InquiryCloseForm,
    InquiryForm,
    InvestigationForm,
    PayeeChangeForm,
    RevealForm,
    SettleForm,
)
from refunds.forms.review import NoteForm
from refunds.localtime import stamp
from refunds.models import (
    Case,
    CaseStatus,
    Claim,
    Inquiry,
    Investigation,
    Member,
    PortalRequest,
)
from refunds.search.query import search
from refunds.services import callcenter as services
from refunds.services.portal import claim_code_unlock
from refunds.tables import (
    CallbackTable,
    ClaimTable,
    ComplaintTable,
    InquiryTable,
    InvestigationTable,
)

from .base import ObjectDetailView, ObjectListView, ServiceFormView

CALL_CENTER = ALL_ROLES


class SearchView(RoleRequiredMixin, View):
    """The one search box; an HTMX request gets the results only (search as you type)."""

    def get(self, request: HttpRequest) -> HttpResponse:
        text = request.GET.get("q", "")
        result = search(text) if "q" in request.GET else None
        if result and result.redirect_to and not request.htmx:  # type: ignore[attr-defined]
            return redirect(result.redirect_to)
        template = (
            "refunds/includes/search_results.html"
            if request.htmx  # type: ignore[attr-defined]
            else "refunds/search.html"
        )
        return render(request, template, {"result": result, "query": text})


class ScreenPopView(RoleRequiredMixin, View):
    """What a phone system (CTI) opens when a call rings: ``/call/?ani=<caller ID>``.

    The caller ID in any form (``+81 92-479-5938``, ``0924795938``, ``092-479-5938``) opens the
    member whose phone it is when exactly one is; otherwise the search for the number (its
    namesakes, or nobody: then the operator records the unknown caller from there).
    """

    def get(self, request: HttpRequest) -> HttpResponse:
        ani = request.GET.get("ani", "").strip()
        if not identity.CALLER_ID.fullmatch(ani):
            if ani:
                messages.error(request, _("“%(ani)s” is not a caller ID.") % {"ani": ani[:40]})
            return render(request, "refunds/search.html", {"result": None, "query": ""})
        number = identity.phone_key(ani)
        members = list(Member.objects.filter(phone_rev=number[::-1]).only("pk")[:2])
        if len(members) == 1:
            return redirect(members[0])
        return redirect(f"{reverse('refunds:search')}?q={number}")


class BankLookupView(RoleRequiredMixin, View):
    """The bank and branch names for the codes being typed (HTMX, shown under the fields)."""

    def get(self, request: HttpRequest) -> HttpResponse:
        bank_code = request.GET.get("bank_code", "").strip()
        branch_code = request.GET.get("branch_code", "").strip()
        bank = payee.find_bank_name(bank_code) if bank_code else None
        branch = payee.find_branch(bank_code, branch_code) if bank and branch_code else None
        return render(
            request,
            "refunds/includes/bank_names.html",
            {"bank": bank, "branch": branch, "bank_code": bank_code, "branch_code": branch_code},
        )


class MemberDetailView(ObjectDetailView):
    """The member's 360° page: identity (masked), call panel, cases, billing, history."""

    model = Member
    template_name = "refunds/member_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        view = selectors.member_view(member=self.object, user=self.user)
        if view.verified is not None:  # a step in the call: the identity check lasts on
            services.inquiry_touch(inquiry=view.verified)
        context["view"] = view
        rule = services.identity_rule(self.object, cases=[row.case for row in view.cases])
        context["required_items"] = rule.required
        context["identity_form"] = IdentityCheckForm(items=rule.items)
        call = view.open_inquiry
        context["close_form"] = InquiryCloseForm(
            member=self.object,
            inquiry=call,
            claimed=[c.case_id for c in view.claims if call and c.inquiry_id == call.pk]
            or ([view.cases[0].case.pk] if len(view.cases) == 1 else []),
        )
        context["revealed"] = False
        context["reveal_form"] = RevealForm()
        context["may_reveal"] = policies.may_reveal(user=self.user, verified=view.verified)
        context["mail_returned"] = selectors.mail_returned_here(self.object)
        return context


class MemberRevealView(RoleRequiredMixin, View):
    """Show a member's personal data unmasked; each reveal is logged."""

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        member = get_object_or_404(Member, pk=pk)
        form = RevealForm(request.POST)
        revealed = form.is_valid()
        if revealed:
            try:
                services.member_reveal(
                    user=self.user, member=member, reason=form.cleaned_data["reason"]
                )
            except PermissionDenied as refusal:
                form.add_error(None, str(refusal))
                revealed = False
        if request.htmx:  # type: ignore[attr-defined]
            context = {
                "object": member,
                "revealed": revealed,
                "reveal_form": form,
                "may_reveal": policies.may_reveal(
                    user=self.user,
                    verified=policies.verified_inquiry(user=self.user, member=member),
                ),
            }
            return render(request, "refunds/includes/member_identity.html", context)
        if not revealed:
            messages.error(request, _("Not shown: give the reason and confirm."))
            return redirect(member)
        messages.info(request, _("Personal data shown; this was logged."))
        return redirect(member)


class MemberContactUpdateView(ServiceFormView):
    """Record the contact details a caller gives (with history); letters go there next."""

    model = Member
    form_class = ContactUpdateForm
    page_title = gettext_lazy("New contact details")
    page_help = gettext_lazy(
        "Type only what changed; the old values are kept in the member's history."
    )

    def perform(self, form: ContactUpdateForm) -> HttpResponse:
        member: Member = self.object
        services.member_contact_update(
            member=member,
            user=self.user,
            values=form.cleaned_data,
            inquiry=policies.verified_inquiry(user=self.user, member=member),
        )
        messages.success(self.request, _("Contact details saved; letters go to them."))
        return redirect(member)


class InquiryStartView(ServiceFormView):
    """Record the identity check and open an inquiry for the caller on the member page."""

    model = Member
    form_class = IdentityCheckForm
    page_title = gettext_lazy("Identity check")
    submit_label = gettext_lazy("Start the inquiry")

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        kwargs["items"] = services.identity_rule(self.object).items
        return kwargs

    def perform(self, form: IdentityCheckForm) -> HttpResponse:
        # A second check within the same call updates it (a new answer, a lapsed check).
        ongoing = selectors.this_call(member=self.object, user=self.user)
        if ongoing is not None:
            inquiry = services.inquiry_verify(
                inquiry=ongoing,
                user=self.user,
                answers=form.answers(),
                relation=form.cleaned_data["relation"],
            )
        else:
            inquiry = services.inquiry_start(
                user=self.user,
                member=self.object,
                answers=form.answers(),
                relation=form.cleaned_data["relation"],
                channel=form.cleaned_data["channel"],
            )
        if inquiry.identity_verified:
            messages.success(self.request, _("Identity confirmed."))
        elif inquiry.identity_mismatched:
            messages.warning(
                self.request,
                _("Identity not confirmed: %(items)s did not match.")
                % {"items": "・".join(inquiry.mismatched_items)},
            )
        else:
            messages.warning(
                self.request,
                _("Identity not confirmed: at least %(count)s items must match.")
                % {"count": services.identity_rule(self.object).required},
            )
        return redirect(self.object)


class InquiryCloseView(ServiceFormView):
    model = Inquiry
    form_class = InquiryCloseForm
    page_title = gettext_lazy("End the inquiry")

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        kwargs["member"] = self.object.member
        kwargs["inquiry"] = self.object
        kwargs["claimed"] = self.object.claims.values_list("case_id", flat=True)
        return kwargs

    def get_queryset(self) -> QuerySet[Inquiry]:
        return Inquiry.objects.filter(ended_at__isnull=True)

    def test_func(self) -> bool:
        # Only the person who took the call ends it.
        inquiry = Inquiry.objects.filter(pk=self.kwargs["pk"]).only("created_by_id").first()
        return super().test_func() and (
            inquiry is None or inquiry.created_by_id == self.request.user.pk
        )

    def perform(self, form: InquiryCloseForm) -> HttpResponse:
        inquiry = services.inquiry_close(inquiry=self.object, user=self.user, **form.cleaned_data)
        messages.success(self.request, _("Inquiry %(id)s saved.") % {"id": inquiry.pk})
        return redirect(inquiry.member or inquiry)


class InquiryCreateView(ServiceFormView):
    """Log an inquiry in one go: a letter, an email, a message, a call about nobody known."""

    model = Inquiry
    form_class = InquiryForm
    page_title = gettext_lazy("Log an inquiry")
    page_help = gettext_lazy(
        "Reason, note and outcome are enough; the other fields are for letters, emails, "
        "messages left after hours and callers without a member number."
    )

    def get_initial(self) -> dict[str, Any]:
        initial = super().get_initial()
        for name in ("member_no", "channel", "reason"):
            if name in self.request.GET:
                initial[name] = self.request.GET[name]
        return initial

    def perform(self, form: InquiryForm) -> HttpResponse:
        data = dict(form.cleaned_data)
        inquiry = services.inquiry_log(user=self.user, member=data.pop("member_no"), **data)
        messages.success(self.request, _("Inquiry %(id)s saved.") % {"id": inquiry.pk})
        if inquiry.callback_due_at:
            messages.info(
                self.request, _("Callback due %(due)s.") % {"due": stamp(inquiry.callback_due_at)}
            )
        return redirect(inquiry)


class InquiryDetailView(ObjectDetailView):
    model = Inquiry
    template_name = "refunds/inquiry_detail.html"

    def get_queryset(self) -> QuerySet[Inquiry]:
        return (
            selectors.inquiries()
            .filter(policies.readable_inquiries(self.user))
            .select_related("follow_up_done_by", "complaint_closed_by")
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        phone = self.object.caller_phone
        context["caller_phone"] = (
            phone if policies.is_supervisor(self.user) else privacy.mask_phone(phone)
        )
        context["follow_up_form"] = FollowUpDoneForm()
        context["complaint_form"] = ComplaintCloseForm()
        context["claims"] = self.object.claims.select_related("case")
        context["about"] = self.object.cases.order_by("case_no")
        context["portal_request"] = (
            PortalRequest.objects.filter(inquiry=self.object).prefetch_related("candidates").first()
        )
        return context


class InquiryFollowUpDoneView(ServiceFormView):
    model = Inquiry
    form_class = FollowUpDoneForm
    page_title = gettext_lazy("Follow-up done")

    def perform(self, form: FollowUpDoneForm) -> HttpResponse:
        services.inquiry_follow_up_done(
            inquiry=self.object, user=self.user, note=form.cleaned_data["note"]
        )
        messages.success(self.request, _("Follow-up done."))
        return redirect(self.object)


class ComplaintCloseView(ServiceFormView):
    allowed_roles = SUPERVISORS
    model = Inquiry
    form_class = ComplaintCloseForm
    page_title = gettext_lazy("Close the complaint")

    def perform(self, form: ComplaintCloseForm) -> HttpResponse:
        services.complaint_close(
            inquiry=self.object, user=self.user, outcome=form.cleaned_data["outcome"]
        )
        messages.success(self.request, _("Complaint closed."))
        return redirect(self.object)


class InquiryListView(ObjectListView):
    """The user's own inquiries, open ones by default."""

    model = Inquiry
    table_class = InquiryTable
    filterset_class = only(
        InquiryFilter, "open", "channel", "reason", "outcome", "follow_up_needed", "started_from"
    )
    default_filters = {"open": "true"}
    title = gettext_lazy("My inquiries")
    export_columns = columns.INQUIRIES.export
    export_name = "inquiries"
    create_url = "refunds:inquiry_create"
    create_roles = CALL_CENTER

    def get_queryset(self) -> QuerySet[Inquiry]:
        return selectors.inquiries().filter(created_by=self.request.user.pk)


class InquiryEscalateView(RoleRequiredMixin, View):
    """ "Transfer to a supervisor": the open call waits in the supervisors' queue."""

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        inquiry = get_object_or_404(Inquiry, pk=pk)
        try:
            inquiry = services.inquiry_escalate(
                inquiry=inquiry, user=self.user, note=request.POST.get("note", "")
            )
        except (PermissionDenied, ValidationError) as refusal:
            messages.error(request, " ".join(getattr(refusal, "messages", [str(refusal)])))
        else:
            messages.success(request, _("The supervisors are told; stay on the line."))
        return redirect(inquiry.member or inquiry)


class EscalationListView(RoleRequiredMixin, View):
    """Calls waiting for a supervisor, the longest waiting first, with how long."""

    allowed_roles = SUPERVISORS

    def get(self, request: HttpRequest) -> HttpResponse:
        waiting = list(selectors.escalations_waiting()[:100])
        return render(
            request, "refunds/escalations.html", {"waiting": waiting, "now": timezone.now()}
        )


class EscalationBadgeView(RoleRequiredMixin, View):
    """The navigation's badge: how many calls wait for a supervisor (polled by the page)."""

    allowed_roles = SUPERVISORS

    def get(self, request: HttpRequest) -> HttpResponse:
        count = selectors.escalations_waiting().count()
        return render(request, "refunds/includes/escalation_badge.html", {"count": count})


class InquiryTakeOverView(RoleRequiredMixin, View):
    """A supervisor takes a waiting call: it opens on the member's page as theirs."""

    allowed_roles = SUPERVISORS

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        inquiry = get_object_or_404(Inquiry, pk=pk)
        try:
            inquiry = services.inquiry_take_over(inquiry=inquiry, user=self.user)
        except ValidationError as refusal:
            messages.error(request, " ".join(refusal.messages))
            return redirect("refunds:escalation_list")
        return redirect(inquiry.member or inquiry)


class CallbackListView(ObjectListView):
    model = Inquiry
    table_class = CallbackTable
    filterset_class = only(InquiryFilter, "channel", "reason", "overdue", "mine")
    title = gettext_lazy("Callbacks due")

    def get_queryset(self) -> QuerySet[Inquiry]:
        return selectors.callbacks_open()

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["now"] = timezone.now()
        return context


class ComplaintListView(ObjectListView):
    allowed_roles = SUPERVISORS
    model = Inquiry
    table_class = ComplaintTable
    title = gettext_lazy("Complaints")
    filterset_class = only(InquiryFilter, "member_no", "due_before", "started_from", "mine")

    def get_queryset(self) -> QuerySet[Inquiry]:
        return selectors.complaints_open()


class ClaimListView(ObjectListView):
    """Claims; by default those received and waiting to be prepared."""

    model = Claim
    table_class = ClaimTable
    filterset_class = only(ClaimFilter, "case_status", "program", "method", "channel")
    default_filters = {"case_status": CaseStatus.CLAIM_RECEIVED}
    title = gettext_lazy("Claims")
    export_columns = columns.CLAIMS.export
    export_name = "claims"

    def get_queryset(self) -> QuerySet[Claim]:
        # Ordered by the case's copy of the received time, then the case (one claim each):
        # filtered by the case's state, the list reads one index of the case table in its
        # order (case_status_claimed_id) at any size. The columns of the table only (the
        # export reads its own with values_list); the case whole for its status badge and
        # the cursor of the next page, which read it.
        return (
            selectors.claims()
            .select_related("case")
            .only(
                *("received_at", "channel", "method", "bank_name", "branch_name"),
                *("account_number", "member_id", "credit_contract_id"),
                *("case__case_no", "case__status", "case__amount_yen", "case__claimed_at"),
            )
            .order_by("-case__claimed_at", "-case__id")
        )

    def get_table_kwargs(self) -> dict[str, Any]:
        # Staff see an amount on the member page once the caller's identity is confirmed.
        if policies.is_supervisor(self.user):
            return {}
        return {"exclude": ("amount",)}


def _payee_context(user: User, member: Member | None) -> dict[str, Any]:
    """What the payee form shows of the caller's check: the call, whether bank details may be
    taken, whether amounts show (the verified call read once for all three)."""
    verified = policies.verified_inquiry(user=user, member=member)
    return {
        "verified": verified,
        "needs_identity": not policies.may_take_payee(user=user, member=member, verified=verified),
        "show_amounts": policies.may_see_amounts(user=user, member=member, verified=verified),
    }


class ClaimCreateView(ServiceFormView):
    """Take a claim for a case: the payee, once the caller's identity is confirmed."""

    model = Case
    form_class = ClaimForm
    template_name = "refunds/claim_form.html"

    def get_queryset(self) -> QuerySet[Case]:
        return Case.objects.select_related("member", "program", "contract")

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        kwargs["member"] = self.object.member
        kwargs["case"] = self.object
        return kwargs

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(_payee_context(self.user, self.object.member))
        return context

    def perform(self, form: ClaimForm) -> HttpResponse:
        case: Case = self.object
        claim, created = services.claim_record(
            case=case,
            user=self.user,
            method=form.cleaned_data["method"],
            bank=form.bank_values(),
            credit_contract=form.cleaned_data.get("credit_contract"),
            inquiry=policies.verified_inquiry(user=self.user, member=case.member),
            channel=form.cleaned_data["channel"],
            submission_key=form.cleaned_data["submission_key"],
            documents_received=form.cleaned_data["documents_received"],
            payee_reason=form.cleaned_data["payee_reason"],
        )
        if created:
            messages.success(
                self.request, _("Claim recorded for %(case)s.") % {"case": case.case_no}
            )
        else:
            messages.info(self.request, _("This claim was already recorded."))
        return redirect(case.member or case)


class PayeeChangeView(ServiceFormView):
    model = Claim
    form_class = PayeeChangeForm
    template_name = "refunds/claim_form.html"

    def get_queryset(self) -> QuerySet[Claim]:
        return Claim.objects.select_related("case", "case__member", "case__program")

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        kwargs["member"] = self.object.case.member
        kwargs["case"] = self.object.case
        return kwargs

    def get_initial(self) -> dict[str, Any]:
        claim: Claim = self.object
        return {
            "payee_reason": claim.payee_reason,
            "method": claim.method,
            "bank_code": claim.bank_code,
            "branch_code": claim.branch_code,
            "account_type": claim.account_type,
            "account_number": claim.account_number,
            "holder_name": claim.holder_name,
            "credit_contract": claim.credit_contract_id,
        }

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        member = self.object.case.member
        context["case"] = self.object.case
        context.update(_payee_context(self.user, member))
        context["changing"] = True
        return context

    def perform(self, form: PayeeChangeForm) -> HttpResponse:
        claim: Claim = self.object
        services.claim_change_payee(
            claim=claim,
            user=self.user,
            method=form.cleaned_data["method"],
            reason=form.cleaned_data["reason"],
            bank=form.bank_values(),
            credit_contract=form.cleaned_data.get("credit_contract"),
            inquiry=policies.verified_inquiry(user=self.user, member=claim.case.member),
            payee_reason=form.cleaned_data["payee_reason"],
        )
        messages.success(self.request, _("Payee changed."))
        return redirect(claim.case.member or claim.case)


class InvestigationCreateView(ServiceFormView):
    model = Case
    form_class = InvestigationForm
    page_title = gettext_lazy("Open an investigation")
    page_help = gettext_lazy(
        "For a caller the data does not know. The case has no computed amount; a supervisor "
        "settles it."
    )

    def get_initial(self) -> dict[str, Any]:
        initial = super().get_initial()
        for name in ("caller_name", "caller_phone", "caller_kana"):
            if name in self.request.GET:
                initial[name] = self.request.GET[name][:200]
        # The search that found nobody, in the field it belongs to (a number is not a name).
        query = self.request.GET.get("q", "").strip()[:200]
        if query:
            initial[identity.field_of(query, prefix="caller_")] = query
        return initial

    def perform(self, form: InvestigationForm) -> HttpResponse:
        case = services.investigation_open(user=self.user, **form.cleaned_data)
        messages.success(
            self.request,
            _("Investigation %(case)s opened for a supervisor.") % {"case": case.case_no},
        )
        return redirect(case)


class InvestigationListView(ObjectListView):
    model = Investigation
    table_class = InvestigationTable
    filterset_class = InvestigationFilter
    default_filters = {"settled": "false"}
    title = gettext_lazy("Investigations")

    def get_queryset(self) -> QuerySet[Investigation]:
        return selectors.investigations()


class InvestigationSettleView(ServiceFormView):
    allowed_roles = SUPERVISORS
    model = Case
    form_class = SettleForm
    page_title = gettext_lazy("Settle the investigation")

    def get_queryset(self) -> QuerySet[Case]:
        return Case.objects.filter(investigation__isnull=False)

    def perform(self, form: SettleForm) -> HttpResponse:
        services.investigation_settle(case=self.object, user=self.user, **form.cleaned_data)
        messages.success(self.request, _("Amount set."))
        return redirect(self.object)


class ClaimCodeUnlockView(ServiceFormView):
    """Lift the lock of a case's portal code after wrong birth dates: the member on the line
    has been checked (a supervisor may lift it without a call)."""

    allowed_roles = ALL_ROLES
    model = Case
    form_class = NoteForm
    page_title = gettext_lazy("Unlock the portal code")
    page_help = gettext_lazy(
        "The member can then sign in on the portal again with the code of their latest letter."
    )

    def perform(self, form: NoteForm) -> HttpResponse:
        claim_code_unlock(case=self.object, user=self.user, reason=form.cleaned_data["reason"])
        messages.success(self.request, _("The portal code is unlocked."))
        return redirect(self.object)
