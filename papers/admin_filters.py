"""Admin list filters that know papers' models, for every admin that lists papers or what hangs off them."""

from django.db.models import Q

from shortscience.lib.admin import InputFilter


class VenueFilter(InputFilter):
    """Rows whose ``field`` (a venue) has the typed acronym or slug; other admins point ``field`` at theirs."""

    title = "venue (acronym or slug)"
    parameter_name = "venue"
    field = "venue"

    def queryset(self, request, queryset):
        value = (self.value() or "").strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(**{f"{self.field}__slug": value.lower()}) | Q(**{f"{self.field}__acronym__iexact": value})
        )
