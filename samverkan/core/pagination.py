from typing import Any

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest

# From this many skipped rows on, a page reads its ids first (see IdsFirstPaginator).
DEEP_OFFSET = 100


class IdsFirstPaginator(Paginator):
    """A deep page costs what the first one does.

    With OFFSET the database computes every skipped row in full, annotations included
    (counts, latest dates), before it throws them away. A deep page therefore reads only
    the ids of its rows first, which an index serves, and then those rows in full.
    """

    def page(self, number: Any) -> Page:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        queryset = self.object_list
        if bottom < DEEP_OFFSET or not isinstance(queryset, QuerySet):
            return Page(queryset[bottom:top], number, self)
        ids = list(queryset.values_list("pk", flat=True)[bottom:top])
        rows = {row.pk: row for row in queryset.filter(pk__in=ids).order_by()}
        return Page([rows[pk] for pk in ids if pk in rows], number, self)


def paginate(
    request: HttpRequest,
    queryset: QuerySet,
    per_page: int | None = None,
    *,
    count: int | None = None,
) -> Page:
    """A page of the queryset; `count` when the caller has the number of rows already."""
    paginator = IdsFirstPaginator(queryset, per_page or settings.PAGE_SIZE)
    if count is not None:
        paginator.count = count  # a cached property, known here
    return paginator.get_page(request.GET.get("page"))
