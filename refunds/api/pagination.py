from rest_framework.exceptions import NotFound
from rest_framework.pagination import Cursor, CursorPagination
from rest_framework.request import Request

from refunds.filters import MAX_ID


class IdCursorPagination(CursorPagination):
    """Newest first by primary key: unique, indexed and never changed, so a cursor stays valid
    while rows are added (no page is counted, no row is skipped or shown twice)."""

    ordering = "-id"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def decode_cursor(self, request: Request) -> Cursor | None:
        """The cursor, refused (404, as DRF refuses a cursor it cannot read) unless its
        position is an id: a cursor is only base64 and a client can write any position."""
        cursor = super().decode_cursor(request)
        if cursor is None or cursor.position is None:
            return cursor
        try:
            position = int(cursor.position)
        except (TypeError, ValueError):
            raise NotFound(self.invalid_cursor_message) from None
        if not 0 <= position <= MAX_ID:
            raise NotFound(self.invalid_cursor_message)
        return cursor
