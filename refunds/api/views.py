"""The API's endpoints. Reads are querysets; every write calls the service the page calls
(``refunds.services.callcenter`` and ``refunds.services.review``), so a rule lives in one place
and each change writes the same audit event as on the page. ``refunds.api.exceptions`` turns the
services' refusals into JSON responses."""

from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet
from django.http import FileResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from accounts.mixins import signed_in_user
from refunds import policies, selectors
from refunds.models import Case, Claim, Contract, Inquiry, Member, PaymentBatch
from refunds.services import callcenter, payments, review

from . import filters
from .idempotency import IdempotentMixin
from .permissions import HasAnyRole, IsSupervisor
from .serializers import (
    CaseSerializer,
    ClaimCreateSerializer,
    ClaimSerializer,
    ContractSerializer,
    ErrorSerializer,
    IdentityCheckSerializer,
    InquiryCreateSerializer,
    InquirySerializer,
    MemberPersonalDataSerializer,
    MemberSerializer,
    NoteSerializer,
    PaymentBatchDetailSerializer,
    PaymentBatchSerializer,
    PaymentItemSerializer,
    PaymentRunCreateSerializer,
    PaymentRunExcludeSerializer,
    ReasonSerializer,
    ReconcileOutcomeSerializer,
    RefusalSerializer,
    RevealSerializer,
)

_ERROR = OpenApiResponse(ErrorSerializer, description='`{"detail": message}`')
_BAD_REQUEST = OpenApiResponse(
    OpenApiTypes.OBJECT,
    description='Field errors (`{field: [messages]}`) or `{"detail": message}`.',
)
READ_ERRORS: dict[int, OpenApiResponse] = {401: _ERROR, 403: _ERROR}
# A list refuses a filter it cannot read (400) and a cursor it did not write (404).
LIST_ERRORS: dict[int, OpenApiResponse] = {**READ_ERRORS, 400: _BAD_REQUEST, 404: _ERROR}
DETAIL_ERRORS: dict[int, OpenApiResponse] = {**READ_ERRORS, 404: _ERROR}
_REFUSED = OpenApiResponse(
    RefusalSerializer,
    description="A rule refused the action (the state machine, separation of duties, QA): "
    '`{"detail": message, "code": stable code}`.',
)
WRITE_ERRORS: dict[int, OpenApiResponse] = {**DETAIL_ERRORS, 400: _BAD_REQUEST, 409: _REFUSED}


def _with(serializer: type[BaseSerializer[Any]], errors: dict[int, OpenApiResponse]) -> Any:
    return {200: serializer, **errors}


def _read_schema(tag: str, serializer: type[BaseSerializer[Any]]) -> dict[str, Any]:
    return {
        "list": extend_schema(
            tags=[tag], summary=f"List {tag}", responses=_with(serializer, LIST_ERRORS)
        ),
        "retrieve": extend_schema(
            tags=[tag], summary=f"One of the {tag}", responses=_with(serializer, DETAIL_ERRORS)
        ),
    }


# -- members and contracts ------------------------------------------------------------------


@extend_schema_view(**_read_schema("members", MemberSerializer))
class MemberViewSet(IdempotentMixin, viewsets.ReadOnlyModelViewSet[Member]):
    """Members with their personal data masked; ``reveal`` shows it, logged."""

    queryset = Member.objects.all()
    serializer_class = MemberSerializer
    filterset_class = filters.MemberFilter

    @extend_schema(
        tags=["members"],
        summary="Reveal a member's personal data (logged; supervisors and admins)",
        request=RevealSerializer,
        responses=_with(MemberPersonalDataSerializer, WRITE_ERRORS),
    )
    @action(detail=True, methods=["post"], permission_classes=[IsSupervisor])
    def reveal(self, request: Request, pk: str | None = None) -> Response:
        member = self.get_object()
        body = RevealSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        callcenter.member_reveal(
            user=signed_in_user(self.request), member=member, reason=body.validated_data["reason"]
        )
        return Response(MemberPersonalDataSerializer(member).data)

    @extend_schema(
        tags=["members"],
        summary="Record the caller's identity check (opens an inquiry)",
        request=IdentityCheckSerializer,
        responses={201: InquirySerializer, **WRITE_ERRORS},
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="identity-check",
        permission_classes=[HasAnyRole],
    )
    def identity_check(self, request: Request, pk: str | None = None) -> Response:
        member = self.get_object()
        body = IdentityCheckSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        inquiry = callcenter.inquiry_start(
            user=signed_in_user(self.request),
            member=member,
            answers=body.answers(),
            relation=body.validated_data["relation"],
            channel=body.validated_data["channel"],
        )
        data = InquirySerializer(inquiry, context=self.get_serializer_context()).data
        return Response(data, status=status.HTTP_201_CREATED)


@extend_schema_view(**_read_schema("contracts", ContractSerializer))
class ContractViewSet(IdempotentMixin, viewsets.ReadOnlyModelViewSet[Contract]):
    queryset = Contract.objects.select_related("member")
    serializer_class = ContractSerializer
    filterset_class = filters.ContractFilter


# -- cases ----------------------------------------------------------------------------------


def _transition_schema(summary: str, request: Any, who: str) -> Any:
    return extend_schema(
        tags=["cases"],
        summary=f"{summary} ({who})",
        request=request,
        responses=_with(CaseSerializer, WRITE_ERRORS),
    )


@extend_schema_view(**_read_schema("cases", CaseSerializer))
class CaseViewSet(IdempotentMixin, viewsets.ReadOnlyModelViewSet[Case]):
    """Cases, and their decisions as actions: each calls ``refunds.services.review``."""

    queryset = Case.objects.select_related(
        "member", "contract", "prepared_by", "approved_by", "second_approved_by"
    )
    serializer_class = CaseSerializer
    filterset_class = filters.CaseFilter

    def _decide(
        self,
        run: Callable[..., Any],
        body_class: type[BaseSerializer[Any]] | None = None,
        rename: dict[str, str] | None = None,
    ) -> Response:
        case = self.get_object()
        values: dict[str, Any] = {}
        if body_class is not None:
            body = body_class(data=self.request.data)
            body.is_valid(raise_exception=True)
            values = {(rename or {}).get(k, k): v for k, v in body.validated_data.items()}
        run(case=case, user=self.request.user, **values)
        fresh = self.get_queryset().get(pk=case.pk)
        return Response(self.get_serializer(fresh).data)

    @_transition_schema("Prepare for approval", NoteSerializer, "every role")
    @action(detail=True, methods=["post"], permission_classes=[HasAnyRole])
    def prepare(self, request: Request, pk: str | None = None) -> Response:
        return self._decide(review.case_prepare, NoteSerializer)

    @_transition_schema("Approve (four-eyes)", None, "supervisors and admins")
    @action(detail=True, methods=["post"], permission_classes=[IsSupervisor])
    def approve(self, request: Request, pk: str | None = None) -> Response:
        return self._decide(review.case_approve)

    @_transition_schema("Reject: no refund is due", ReasonSerializer, "supervisors and admins")
    @action(detail=True, methods=["post"], permission_classes=[IsSupervisor])
    def reject(self, request: Request, pk: str | None = None) -> Response:
        return self._decide(review.case_reject, ReasonSerializer)

    @_transition_schema("Put on hold", ReasonSerializer, "supervisors and admins")
    @action(detail=True, methods=["post"], permission_classes=[IsSupervisor])
    def hold(self, request: Request, pk: str | None = None) -> Response:
        return self._decide(review.case_hold, ReasonSerializer)

    @_transition_schema("Release the hold", NoteSerializer, "supervisors and admins")
    @action(detail=True, methods=["post"], permission_classes=[IsSupervisor])
    def release(self, request: Request, pk: str | None = None) -> Response:
        return self._decide(review.case_release, NoteSerializer, rename={"note": "reason"})

    @_transition_schema("Reopen a rejected case", ReasonSerializer, "supervisors and admins")
    @action(detail=True, methods=["post"], permission_classes=[IsSupervisor])
    def reopen(self, request: Request, pk: str | None = None) -> Response:
        return self._decide(review.case_reopen, ReasonSerializer)


# -- inquiries and claims -------------------------------------------------------------------


@extend_schema_view(
    **_read_schema("inquiries", InquirySerializer),
    create=extend_schema(
        tags=["inquiries"],
        summary="Log a whole inquiry",
        request=InquiryCreateSerializer,
        responses={201: InquirySerializer, **WRITE_ERRORS},
    ),
)
class InquiryViewSet(
    IdempotentMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet[Inquiry]
):
    queryset = Inquiry.objects.select_related("member", "case", "created_by")
    serializer_class = InquirySerializer
    filterset_class = filters.InquiryFilter

    def get_queryset(self) -> QuerySet[Inquiry]:
        user = signed_in_user(self.request)
        return super().get_queryset().filter(policies.readable_inquiries(user))

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = InquiryCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        inquiry = callcenter.inquiry_log(
            user=signed_in_user(self.request), member=data.pop("member_no"), **data
        )
        fresh = self.get_queryset().get(pk=inquiry.pk)
        return Response(self.get_serializer(fresh).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    **_read_schema("claims", ClaimSerializer),
    create=extend_schema(
        tags=["claims"],
        summary="Record a member's claim with its payee",
        request=ClaimCreateSerializer,
        responses={
            201: ClaimSerializer,
            200: OpenApiResponse(ClaimSerializer, description="The same submission_key again."),
            **WRITE_ERRORS,
        },
    ),
)
class ClaimViewSet(IdempotentMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet[Claim]):
    """Claims; staff take bank details once the caller's identity is confirmed (the service
    checks the identity check this user recorded for the member, as the page does)."""

    # The claim's own columns and, of the four rows it refers to (the case's 35 columns, the
    # member's 20…), only the number or name the answer shows, as columns of the claim's row.
    queryset = selectors.claims()
    serializer_class = ClaimSerializer
    filterset_class = filters.ClaimFilter

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = ClaimCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        case: Case = data["case"]
        claim, created = callcenter.claim_record(
            case=case,
            user=signed_in_user(self.request),
            method=data["method"],
            bank=body.bank_values(),
            credit_contract=data["credit_contract"],
            inquiry=policies.verified_inquiry(
                user=signed_in_user(self.request), member=case.member
            ),
            channel=data["channel"],
            submission_key=data["submission_key"],
            documents_received=data["documents_received"],
            payee_reason=data["payee_reason"],
        )
        fresh = self.get_queryset().get(pk=claim.pk)
        return Response(
            self.get_serializer(fresh).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


# -- payments -------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        tags=["payments"],
        summary="List payment batches (supervisors and admins)",
        responses=_with(PaymentBatchSerializer, LIST_ERRORS),
    ),
    retrieve=extend_schema(
        tags=["payments"],
        summary="One payment batch with its items (supervisors and admins)",
        responses=_with(PaymentBatchDetailSerializer, DETAIL_ERRORS),
    ),
)
class PaymentBatchViewSet(
    IdempotentMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet[PaymentBatch]
):
    permission_classes = [IsSupervisor]
    serializer_class = PaymentBatchSerializer
    filterset_class = filters.PaymentBatchFilter

    def get_queryset(self) -> QuerySet[PaymentBatch]:
        return PaymentBatch.objects.select_related("created_by", "exported_by")

    def get_serializer_class(self) -> type[BaseSerializer[PaymentBatch]]:
        if self.action in ("retrieve", "create", "exclude", "release"):
            return PaymentBatchDetailSerializer
        return PaymentBatchSerializer

    def _detail(self, batch: PaymentBatch, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=batch.pk)
        context = self.get_serializer_context()
        return Response(PaymentBatchDetailSerializer(fresh, context=context).data, status=code)

    @extend_schema(
        tags=["payments"],
        summary="A run's payments, a page at a time (supervisors)",
        responses={200: PaymentItemSerializer(many=True), **DETAIL_ERRORS},
    )
    @action(detail=True, methods=["get"])
    def items(self, request: Request, pk: str | None = None) -> Response:
        batch = self.get_object()
        items = selectors.batch_items(batch)
        paginator = self.paginator
        assert paginator is not None  # the API's cursor pagination (settings)
        page = paginator.paginate_queryset(items, request, view=self)
        return paginator.get_paginated_response(PaymentItemSerializer(page, many=True).data)

    @extend_schema(
        tags=["payments"],
        summary="Build a run's proposal (a draft) of the approved cases (supervisors)",
        request=PaymentRunCreateSerializer,
        responses={201: PaymentBatchDetailSerializer, **WRITE_ERRORS},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = PaymentRunCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        proposal = payments.Proposal.of(body.validated_data)
        batch = payments.batch_create(
            method=proposal.method,
            user=signed_in_user(request),
            transfer_date=body.validated_data["transfer_date"],
            proposal=proposal,
        )
        return self._detail(batch, status.HTTP_201_CREATED)

    @extend_schema(
        tags=["payments"],
        summary="Take payments out of a draft run, with the reason (its builder)",
        request=PaymentRunExcludeSerializer,
        responses=_with(PaymentBatchDetailSerializer, WRITE_ERRORS),
    )
    @action(detail=True, methods=["post"])
    def exclude(self, request: Request, pk: str | None = None) -> Response:
        body = PaymentRunExcludeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        batch = payments.batch_exclude(
            batch=self.get_object(),
            user=signed_in_user(request),
            item_ids=body.validated_data["items"],
            reason=body.validated_data["reason"],
        )
        return self._detail(batch)

    @extend_schema(
        tags=["payments"],
        summary="Release a draft run: write its file (a supervisor other than its builder)",
        request=None,
        responses=_with(PaymentBatchDetailSerializer, WRITE_ERRORS),
    )
    @action(detail=True, methods=["post"])
    def release(self, request: Request, pk: str | None = None) -> Response:
        batch = payments.batch_export(batch=self.get_object(), user=signed_in_user(request))
        return self._detail(batch)

    @extend_schema(
        tags=["payments"],
        summary="The run's file for the bank or the billing system",
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY, **DETAIL_ERRORS},
    )
    @action(detail=True, methods=["get"])
    def file(self, request: Request, pk: str | None = None) -> FileResponse:
        batch = self.get_object()
        if not batch.file:
            raise NotFound()
        name = (batch.file.name or "").rsplit("/", 1)[-1]
        return FileResponse(batch.file.open("rb"), as_attachment=True, filename=name)

    @extend_schema(
        tags=["payments"],
        summary="Apply the bank's result file (not by the run's releaser): all of it or nothing",
        request={
            "multipart/form-data": {
                "type": "object",
                "properties": {"file": {"type": "string", "format": "binary"}},
            }
        },
        responses={
            200: ReconcileOutcomeSerializer,
            400: ReconcileOutcomeSerializer,
            **DETAIL_ERRORS,
            409: _REFUSED,
        },
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, JSONParser])
    def results(self, request: Request, pk: str | None = None) -> Response:
        upload = request.FILES.get("file")
        if upload is None:
            raise ValidationError({"file": [_("Choose the result file.")]})
        kept, outcome = payments.batch_apply_result_file(
            batch=self.get_object(),
            user=signed_in_user(request),
            data=upload.read(),
            file_name=upload.name or "result.csv",
        )
        body = {
            "applied": kept.applied,
            "paid": outcome.paid,
            "failed": outcome.failed,
            "still_open": outcome.still_open,
            "sha256": kept.sha256,
            "errors": outcome.errors,
        }
        return Response(body, status=status.HTTP_200_OK if kept.applied else 400)
