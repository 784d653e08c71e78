"""What each list endpoint filters on: the model's FilterSet (``refunds.filters``) cut to exact
matches on indexed columns, so that no API query reads a whole table."""

from refunds import filters
from refunds.filters import only

MemberFilter = only(filters.MemberFilter, "member_no", "status")
ContractFilter = only(filters.ContractFilter, "contract_no", "member")
CaseFilter = only(
    filters.CaseFilter, "status", "category", "program", "program_code", "member", "case_no"
)
InquiryFilter = only(filters.InquiryFilter, "member", "case")
ClaimFilter = only(filters.ClaimFilter, "member", "case")
PaymentBatchFilter = only(filters.BatchFilter, "status", "method")
