"""Deleting a member's account while keeping what they gave the community.

* Public summaries stay, shown as anonymous (``is_anonymous=True``, ``writer`` set to NULL by the foreign key).
* Private summaries are deleted: nobody but their writer could ever read them, and the writer is leaving
  (the confirmation page says so and offers the export first).
* Comments stay, shown as by a "deleted member" (``writer`` set to NULL).
* Votes go with the account: a person who left should not keep ranking summaries. The scores of the summaries
  they voted on are recomputed from the remaining votes, so every score stays equal to the sum of its votes.
"""

from __future__ import annotations

from django.db import transaction

from summaries import counters
from summaries.models import Summary


@transaction.atomic
def delete_account(user) -> None:
    summaries = Summary.objects.filter(writer=user)
    private = summaries.filter(visibility=Summary.Visibility.PRIVATE)
    # Private summaries never count on listings, so deleting them changes no counter; their revisions,
    # votes and comments go with them.
    private.delete()
    # Anonymous summaries are still listed: paper and venue counters are unchanged by this update.
    summaries.update(is_anonymous=True)
    voted_on = list(Summary.objects.filter(votes__user=user).values_list("pk", flat=True).distinct())
    kept = list(Summary.objects.filter(writer=user).values_list("pk", "paper_id"))
    user.delete()  # votes cascade; summaries.writer and comments.writer become NULL
    counters.member_left(voted_on=voted_on, paper_ids=sorted({paper_id for _, paper_id in kept}))
