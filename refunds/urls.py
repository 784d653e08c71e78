from django.urls import path

from .views import callcenter, cases, data, detection, imports, programs

app_name = "refunds"

urlpatterns = [
    path("members/", data.MemberListView.as_view(), name="member_list"),
    path("search/", callcenter.SearchView.as_view(), name="search"),
    path("members/<int:pk>/", callcenter.MemberDetailView.as_view(), name="member_detail"),
    path("members/<int:pk>/reveal/", callcenter.MemberRevealView.as_view(), name="member_reveal"),
    path("members/<int:pk>/identity/", callcenter.InquiryStartView.as_view(), name="inquiry_start"),
    path("inquiries/", callcenter.InquiryListView.as_view(), name="inquiry_list"),
    path("inquiries/new/", callcenter.InquiryCreateView.as_view(), name="inquiry_create"),
    path("inquiries/<int:pk>/", callcenter.InquiryDetailView.as_view(), name="inquiry_detail"),
    path("inquiries/<int:pk>/close/", callcenter.InquiryCloseView.as_view(), name="inquiry_close"),
    path(
        "inquiries/<int:pk>/follow-up-done/",
        callcenter.InquiryFollowUpDoneView.as_view(),
        name="inquiry_follow_up_done",
    ),
    path(
        "inquiries/<int:pk>/complaint/",
        callcenter.ComplaintCloseView.as_view(),
        name="complaint_close",
    ),
    path("callbacks/", callcenter.CallbackListView.as_view(), name="callback_list"),
    path("complaints/", callcenter.ComplaintListView.as_view(), name="complaint_list"),
    path("claims/", callcenter.ClaimListView.as_view(), name="claim_list"),
    path("cases/<int:pk>/claim/", callcenter.ClaimCreateView.as_view(), name="claim_create"),
    path("payee/bank-lookup/", callcenter.BankLookupView.as_view(), name="bank_lookup"),
    path("claims/<int:pk>/payee/", callcenter.PayeeChangeView.as_view(), name="payee_change"),
    path("investigations/", callcenter.InvestigationListView.as_view(), name="investigation_list"),
    path(
        "investigations/new/",
        callcenter.InvestigationCreateView.as_view(),
        name="investigation_create",
    ),
    path(
        "cases/<int:pk>/settle/",
        callcenter.InvestigationSettleView.as_view(),
        name="investigation_settle",
    ),
    path("contracts/", data.ContractListView.as_view(), name="contract_list"),
    path("tariffs/", data.TariffListView.as_view(), name="tariff_list"),
    path("cases/", cases.CaseListView.as_view(), name="case_list"),
    path("cases/<int:pk>/", cases.CaseDetailView.as_view(), name="case_detail"),
    path("programs/", programs.ProgramListView.as_view(), name="program_list"),
    path("programs/new/", programs.ProgramCreateView.as_view(), name="program_create"),
    path("programs/<int:pk>/edit/", programs.ProgramUpdateView.as_view(), name="program_update"),
    path("detection/", detection.DetectionView.as_view(), name="detection"),
    path("detection/scope-test/", detection.ScopeTestView.as_view(), name="scope_test"),
    path("detection/<int:pk>/", detection.DetectionDetailView.as_view(), name="detection_detail"),
    path("imports/", imports.ImportListView.as_view(), name="import_list"),
    path("imports/new/", imports.ImportCreateView.as_view(), name="import_create"),
    path("imports/<int:pk>/", imports.ImportDetailView.as_view(), name="import_detail"),
    path(
        "imports/<int:pk>/progress/",
        imports.ImportProgressView.as_view(),
        name="import_progress",
    ),
    path(
        "imports/<int:pk>/errors.csv",
        imports.ImportErrorsCsvView.as_view(),
        name="import_errors_csv",
    ),
]
