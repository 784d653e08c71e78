from django.urls import path

from .views import cases, data, detection, imports, programs

app_name = "refunds"

urlpatterns = [
    path("members/", data.MemberListView.as_view(), name="member_list"),
    path("members/<int:pk>/", data.MemberDetailView.as_view(), name="member_detail"),
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
