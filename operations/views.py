from django.shortcuts import render

from inventory import selectors
from inventory.selectors import lab_for


def recent_tasks(request, lab_id: int):
    """The Recent Tasks panel alone, for polling (replaced by the websocket in the Live issue)."""
    lab = lab_for(request.user, lab_id)
    return render(request, "operations/recent_tasks.html", {"lab": lab, "recent_tasks": selectors.recent_tasks(lab)})
