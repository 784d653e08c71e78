"""The member portal's pages: sign in with the letter's code, see the case, claim, or ask to
be found without a letter. No staff login: ``request.user`` is never read here."""

import uuid
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache

from accounts.client_ip import client_ip
from refunds import claimcodes
from refunds.models import ClaimCode, PortalAttemptKind, PortalOutcome
from refunds.selectors import PortalCase, portal_case, portal_line
from refunds.services import portal as service

from . import limits, session
from .forms import PortalPayoutForm, RequestForm, SignInForm
from .words import case_words


def _client(request: HttpRequest) -> service.Client:
    return service.Client(
        ip=client_ip(request), user_agent=request.headers.get("User-Agent", "")[:200]
    )


def _line() -> dict[str, Any]:
    number, hours = portal_line()
    return {"free_dial_number": number, "free_dial_hours": hours}


def _signed_in(request: HttpRequest) -> ClaimCode | None:
    found = session.code_id(request)
    return service.portal_code_usable(found) if found is not None else None


class PortalView(View):
    """Every portal page: never cached (they show the member's own data)."""

    template_name = ""

    @method_decorator(never_cache)
    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        return super().dispatch(request, *args, **kwargs)


class StartView(PortalView):
    """The code from the letter (typed, or filled in from the QR code) and the birth date."""

    template_name = "portal/start.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        typed = claimcodes.fold(request.GET.get("c", ""))[: claimcodes.LENGTH]
        form = SignInForm(initial={"code": claimcodes.group(typed)} if typed else None)
        response = self._page(request, form)
        # The code may be in this page's address (the QR code): no other site sees it. (Not
        # "no-referrer": the form's POST would then carry "Origin: null" and fail CSRF.)
        response["Referrer-Policy"] = "same-origin"
        return response

    def post(self, request: HttpRequest) -> HttpResponse:
        client = _client(request)
        limit = limits.reached(request, limits.GUESSES)
        if limit is not None:
            service.portal_attempt_log(
                kind=PortalAttemptKind.SIGN_IN, outcome=limit.outcome, client=client
            )
            return self._page(
                request, SignInForm(), outcome=limit.outcome, until=limit.until, status=429
            )
        form = SignInForm(request.POST)
        if not form.is_valid():
            service.portal_attempt_log(
                kind=PortalAttemptKind.SIGN_IN, outcome=PortalOutcome.INVALID, client=client
            )
            return self._page(request, form)
        result = service.portal_sign_in(
            code=form.cleaned_data["code"],
            birth_date=form.cleaned_data["birth_date"],
            client=client,
        )
        if result.failed:
            limits.count(request, limits.GUESSES)
        if not result.ok:
            message = ""
            if result.outcome == PortalOutcome.CLOSED and result.code is not None:
                message = result.code.case.program.portal_message
            return self._page(request, SignInForm(), outcome=result.outcome, message=message)
        assert result.code is not None
        response = redirect("portal:case")
        session.start(response, result.code.pk)
        return response

    def _page(
        self, request: HttpRequest, form: SignInForm, status: int = 200, **context: Any
    ) -> HttpResponse:
        return render(
            request,
            self.template_name,
            {"form": form, **_line(), **context},
            status=status,
        )


class SignedInView(PortalView):
    """A page for a member signed in with a code: else back to the start."""

    code: ClaimCode

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        code = _signed_in(request)
        if code is None:
            response = redirect(f"{reverse('portal:start')}?expired=1")
            session.end(response)
            return response
        self.code = code
        return super().dispatch(request, *args, **kwargs)

    def page(
        self,
        request: HttpRequest,
        view: PortalCase,
        status: int = 200,
        template: str = "",
        **context: Any,
    ) -> HttpResponse:
        return render(
            request,
            template or self.template_name,
            {
                "view": view,
                "words": case_words(view),
                "free_dial_number": view.free_dial_number,
                "free_dial_hours": view.free_dial_hours,
                **context,
            },
            status=status,
        )


class CaseView(SignedInView):
    """The case in plain words; the payout form (then its confirmation) while it is open."""

    template_name = "portal/case.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        view = portal_case(self.code)
        form = PortalPayoutForm(case=view.case, initial={"submission_key": uuid.uuid4()})
        return self.page(request, view, form=form)

    def post(self, request: HttpRequest) -> HttpResponse:
        view = portal_case(self.code)
        if not view.claimable:
            return redirect("portal:case")
        form = PortalPayoutForm(request.POST, case=view.case)
        step = request.POST.get("step", "check")
        if not form.is_valid() or step == "edit":
            return self.page(request, view, form=form)
        if step != "submit":
            return self.page(
                request, view, template="portal/confirm.html", form=form, summary=form.summary()
            )
        try:
            service.portal_claim(
                code_id=self.code.pk,
                method=form.cleaned_data["method"],
                bank=form.bank_values(),
                payee_reason=form.cleaned_data.get("payee_reason", ""),
                submission_key=form.cleaned_data["submission_key"],
                client=_client(request),
            )
        except ValidationError as exc:
            for field, errors in getattr(exc, "error_dict", {"__all__": exc.messages}).items():
                form.add_error(field if field in form.fields else None, errors)
            return self.page(request, view, form=form)
        except PermissionDenied:
            return redirect("portal:start")
        return redirect("portal:done")


class DoneView(SignedInView):
    """The receipt: the claim as recorded, and what happens next."""

    template_name = "portal/done.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        view = portal_case(self.code)
        if view.claim is None:
            return redirect("portal:case")
        return self.page(request, view)


class SignOutView(PortalView):
    def post(self, request: HttpRequest) -> HttpResponse:
        response = HttpResponseRedirect(f"{reverse('portal:start')}?signed_out=1")
        session.end(response)
        return response


class RequestView(PortalView):
    """For a former member without a letter: their details, for the call center to find
    them and call back. The answer is the same whoever they are."""

    template_name = "portal/request.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, self.template_name, {"form": RequestForm(), **_line()})

    def post(self, request: HttpRequest) -> HttpResponse:
        client = _client(request)
        limit = limits.reached(request, limits.REQUESTS)
        if limit is not None:
            service.portal_attempt_log(
                kind=PortalAttemptKind.REQUEST, outcome=limit.outcome, client=client
            )
            return render(
                request,
                self.template_name,
                {"form": RequestForm(), "until": limit.until, "limited": True, **_line()},
                status=429,
            )
        form = RequestForm(request.POST)
        if not form.is_valid():
            service.portal_attempt_log(
                kind=PortalAttemptKind.REQUEST, outcome=PortalOutcome.INVALID, client=client
            )
            return render(request, self.template_name, {"form": form, **_line()})
        service.portal_request_file(details=form.details(), client=client)
        limits.count(request, limits.REQUESTS)
        return redirect("portal:request_sent")


class RequestSentView(PortalView):
    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, "portal/request_sent.html", _line())
