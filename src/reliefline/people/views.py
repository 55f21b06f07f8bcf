"""The duplicate review queue: clusters by score, a side-by-side comparison, merge, undo.

Every page that shows a person's fields writes an audit entry. Views render the whole
page, or only the partial when HTMX asks (the pair chosen in a cluster).
"""

from typing import Any

from django.apps import apps
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from reliefline.access.auth import acting_user, requires
from reliefline.access.operations import operation_view, operations_recent
from reliefline.errors import NotFound, ReliefError
from reliefline.people.merge import (
    PICKS,
    MergeRequest,
    merge_snapshot,
    merge_undo,
    pair_mark_distinct,
    person_merge,
)
from reliefline.people.models import ClusterStatus, DuplicatePair, Merge, PairStatus, Person
from reliefline.people.operations import DEDUPE
from reliefline.people.review import (
    COMPARED_FIELDS,
    PICK_LABELS,
    ClusterView,
    cluster_get,
    cluster_members,
    cluster_queue,
    cluster_view,
    field_choices,
    field_label,
    linked_records,
    merge_get,
    merges_recent,
    pair_get,
    person_values_shown,
    review_audit,
)

PERMISSION = "people.merge_person"
QUEUE_PAGE = 25
LIST_FIELDS = ("given_name", "family_name", "birth_date")


def _partial(request: HttpRequest) -> bool:
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.history_restore_request  # type: ignore[union-attr]


def _or_404(error: NotFound) -> Http404:
    return Http404(error.message)


@requires(PERMISSION)
@require_GET
def duplicates(request: HttpRequest) -> HttpResponse:
    """Return the open clusters, most likely duplicates first, and the newest merges."""
    page = Paginator(cluster_queue(), QUEUE_PAGE).get_page(request.GET.get("page"))
    clusters = list(page.object_list)
    members = cluster_members(clusters)
    shown = [p for persons in members.values() for p in persons]
    recent = list(merges_recent())
    review_audit(
        shown + [p for m in recent for p in (m.survivor, m.merged)],
        by=acting_user(request),
        request=request,
        record="people.duplicates",
        fields=LIST_FIELDS,
    )
    rows = [(cluster, members.get(cluster.pk, [])) for cluster in clusters]
    searches = [operation_view(operation) for operation in operations_recent(DEDUPE, limit=1)]
    context = {"page": page, "rows": rows, "merges": recent, "searches": searches}
    return render(request, "people/duplicates.html", context)


def _pair_context(view: ClusterView, pair: DuplicatePair, **extra: Any) -> dict[str, Any]:
    first, second = pair.first, pair.second
    choices = field_choices(first, second)
    return {
        "view": view,
        "columns": [(person, view.linked[person.pk]) for person in view.persons],
        "pair": pair,
        "first": first,
        "second": second,
        "choices": choices,
        "selected": next((p for p in view.pairs if p.pair.pk == pair.pk), None),
        **extra,
    }


@requires(PERMISSION)
@require_GET
def cluster(request: HttpRequest, cluster_id: int) -> HttpResponse:
    """Return a cluster side by side: every field, linked records, pairs and reasons.

    `?pair=` chooses the pair in the merge form (HTMX swaps only that panel).
    """
    try:
        found = cluster_get(cluster_id)
    except NotFound as error:
        raise _or_404(error) from error
    view = cluster_view(found)
    if not view.pairs:
        messages.info(request, _("This cluster has no pair left to review."))
        return redirect("people:duplicates")
    chosen = next((p.pair for p in view.pairs if str(p.pair.pk) == request.GET.get("pair")), None)
    pair = chosen or view.pairs[0].pair
    review_audit(
        view.persons,
        by=acting_user(request),
        request=request,
        record=f"people.cluster:{found.pk}",
        fields=COMPARED_FIELDS,
    )
    context = _pair_context(view, pair)
    template = "people/_pair.html" if _partial(request) else "people/cluster.html"
    response = render(request, template, context)
    patch_vary_headers(response, ("HX-Request",))
    return response


def _picks(request: HttpRequest, first: Person, second: Person) -> tuple[MergeRequest, str]:
    """Return the merge the form asks for, or an empty request and the problem."""
    post = request.POST
    ids = {str(first.pk): first.pk, str(second.pk): second.pk}
    survivor = ids.get(post.get("survivor", ""))
    if survivor is None:
        return MergeRequest(0, 0, {}), _("Choose the record that stays.")
    merged = second.pk if survivor == first.pk else first.pk
    fields: dict[str, int] = {}
    for name in PICKS:
        picked = ids.get(post.get(f"pick_{name}", ""))
        if picked is None:
            return MergeRequest(0, 0, {}), _("Choose a value for %(field)s.") % {
                "field": PICK_LABELS[name]
            }
        fields[name] = picked
    households = post.get("merge_households") == "on"
    return MergeRequest(survivor, merged, fields, merge_households=households), ""


def _pair_or_404(pair_id: int) -> DuplicatePair:
    try:
        return pair_get(pair_id)
    except NotFound as error:
        raise _or_404(error) from error


def _pair_error(request: HttpRequest, pair: DuplicatePair, error: str, status: int) -> HttpResponse:
    if pair.cluster is None:
        raise Http404("no cluster")
    view = cluster_view(pair.cluster)
    template = "people/_pair.html" if _partial(request) else "people/cluster.html"
    return render(request, template, _pair_context(view, pair, error=error), status=status)


@requires(PERMISSION)
@require_POST
def pair_merge(request: HttpRequest, pair_id: int) -> HttpResponse:
    """Merge the pair as the form picks; answer with the merge page, or the form and why."""
    pair = _pair_or_404(pair_id)
    if pair.status != PairStatus.OPEN:
        return _pair_error(request, pair, _("This pair was decided already."), 409)
    wanted, problem = _picks(request, pair.first, pair.second)
    if problem:
        return _pair_error(request, pair, problem, 422)
    try:
        merge = person_merge(wanted, by=acting_user(request))
    except ReliefError as failure:
        return _pair_error(request, pair, failure.message, failure.status)
    messages.success(request, _("Merged. Every case and record now belongs to the kept person."))
    return _to(request, reverse("people:merge", args=[merge.pk]))


@requires(PERMISSION)
@require_POST
def pair_distinct(request: HttpRequest, pair_id: int) -> HttpResponse:
    """Record that the pair are different people; go back to the cluster or the queue."""
    pair = _pair_or_404(pair_id)
    try:
        pair_mark_distinct(pair.pk, by=acting_user(request))
    except ReliefError as failure:
        return _pair_error(request, pair, failure.message, failure.status)
    messages.success(request, _("Marked as different people; they will not be proposed again."))
    cluster_id = pair.cluster_id
    still_open = (
        cluster_id is not None
        and DuplicatePair.objects.filter(cluster_id=cluster_id, status=PairStatus.OPEN).exists()
    )
    target = (
        reverse("people:cluster", args=[cluster_id]) if still_open else reverse("people:duplicates")
    )
    return _to(request, target)


def _to(request: HttpRequest, url: str) -> HttpResponse:
    """Redirect; for HTMX, ask it to load the page (a swapped fragment would be half a page)."""
    if _partial(request):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


def _merge_context(merge: Merge, **extra: Any) -> dict[str, Any]:
    snapshot = merge_snapshot(merge) or {
        "survivor_before": {},
        "survivor_after": {},
        "merged_before": {},
    }
    moved: dict[str, set[object]] = {}
    for row in merge.moved:  # a case moves by its caller and by its household: one case
        moved.setdefault(_records_label(row["model"]), set()).add(row["pk"])
    changed = sorted(
        field_label(name)
        for name, before in snapshot["survivor_before"].items()
        if snapshot["survivor_after"].get(name) != before
    )
    return {
        "merge": merge,
        "moved": sorted((label, len(pks)) for label, pks in moved.items()),
        "changed": changed,
        "merged_before": person_values_shown(snapshot["merged_before"]),
        "linked": linked_records([merge.survivor_id, merge.merged_id]),
        "cluster_open": ClusterStatus.OPEN,
        **extra,
    }


def _records_label(model: str) -> str:
    """Return what a moved row is ("Case"), in the reader's language; as stored if gone."""
    try:
        return capfirst(str(apps.get_model(model)._meta.verbose_name))
    except (LookupError, ValueError):
        return model


def _merge_or_404(merge_id: int) -> Merge:
    try:
        return merge_get(merge_id)
    except NotFound as error:
        raise _or_404(error) from error


@requires(PERMISSION)
@require_GET
def merge_detail(request: HttpRequest, merge_id: int) -> HttpResponse:
    """Return what a merge did: the kept record, the merged values, what moved; undo."""
    merge = _merge_or_404(merge_id)
    review_audit(
        [merge.survivor, merge.merged],
        by=acting_user(request),
        request=request,
        record=f"people.merge:{merge.pk}",
        fields=COMPARED_FIELDS,
    )
    return render(request, "people/merge.html", _merge_context(merge))


@requires(PERMISSION)
@require_POST
def merge_undo_view(request: HttpRequest, merge_id: int) -> HttpResponse:
    """Undo a merge; answer with the merge page, with the reason when it is refused."""
    merge = _merge_or_404(merge_id)
    try:
        merge_undo(merge.pk, by=acting_user(request))
    except ReliefError as failure:
        merge = _merge_or_404(merge_id)
        context = _merge_context(merge, error=failure.message)
        return render(request, "people/merge.html", context, status=failure.status)
    messages.success(request, _("Merge undone: both records and everything moved are back."))
    return _to(request, reverse("people:merge", args=[merge.pk]))
