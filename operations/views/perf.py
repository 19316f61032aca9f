"""The Performance tab's charts alone, refreshed every few seconds by the tab."""

from django.http import Http404
from django.shortcuts import render

from inventory.selectors import lab_for, object_for
from operations.perf import charts_for


def performance_charts(request, lab_id: int, moid: str):
    """A host's or VM's charts."""
    lab = lab_for(request.user, lab_id)
    charts = charts_for(lab, object_for(lab, moid))
    if charts is None:
        raise Http404("Only hosts and virtual machines have performance charts")
    return render(request, "operations/partials/perf_charts.html", {"charts": charts})
