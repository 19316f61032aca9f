"""Template helpers: URLs by managed object id, and numbers as the vSphere Client prints them."""

import datetime as dt
import json
import time

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from accounts.roles import is_instructor
from inventory.choices import state_colour
from inventory.choices import ConnectionState, HostPowerState
from inventory.models import SIM_EPOCH
from inventory.selectors import active_faults
from operations.engine.fault_kinds import FAULT_KINDS

register = template.Library()


def _moid(obj) -> str:
    return "root" if obj.MOID_PREFIX == "lab-" else obj.moid


@register.filter
def object_url(obj) -> str:
    if obj.MOID_PREFIX == "lab-":
        return reverse("lab", args=[obj.pk])
    return reverse("object", args=[obj.lab_id, obj.moid])


@register.simple_tag
def tab_url(obj, tab: str) -> str:
    if tab == "summary":
        return object_url(obj)
    lab_id = obj.pk if obj.MOID_PREFIX == "lab-" else obj.lab_id
    return reverse("object-tab", args=[lab_id, _moid(obj), tab])


@register.simple_tag
def action_url(obj, slug: str) -> str:
    lab_id = obj.pk if obj.MOID_PREFIX == "lab-" else obj.lab_id
    return reverse("action", args=[lab_id, _moid(obj), slug])


@register.filter
def mb(value) -> str:
    """Megabytes as the Client shows them: 512 MB, 2.00 GB, 1.50 TB."""
    value = float(value or 0)
    if abs(value) >= 1024 * 1024:
        return f"{value / 1024 / 1024:,.2f} TB"
    if abs(value) >= 1024:
        return f"{value / 1024:,.2f} GB"
    return f"{value:,.0f} MB"


@register.filter
def mhz(value) -> str:
    value = float(value or 0)
    return f"{value / 1000:,.2f} GHz" if value >= 1000 else f"{value:,.0f} MHz"


@register.filter
def colour(state) -> str:
    return state_colour(state)


@register.filter
def simtime(seconds) -> str:
    if seconds is None:
        return ""
    return (SIM_EPOCH + dt.timedelta(seconds=float(seconds))).strftime("%Y/%m/%d %H:%M:%S")


@register.filter
def duration(seconds) -> str:
    if seconds is None:
        return ""
    seconds = int(seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days} days {hours} hours"
    if hours:
        return f"{hours} hours {minutes} minutes"
    return f"{minutes} minutes {secs} seconds" if minutes else f"{secs} seconds"


@register.filter
def percent(part, whole) -> int:
    whole = float(whole or 0)
    return max(0, min(100, round(100 * float(part or 0) / whole))) if whole else 0


@register.simple_tag
def icon(name: str, label: str = ""):
    """An icon from the sprite in base.html."""
    if label:
        return format_html('<svg class="icon icon-{0}" role="img" aria-label="{1}"><use href="#i-{0}"></use></svg>', name, label)
    return format_html('<svg class="icon icon-{0}" aria-hidden="true"><use href="#i-{0}"></use></svg>', name)


@register.filter
def call_with(function, arg):
    """{{ action.href|call_with:obj }}: a callable of one argument, from a template."""
    return function(arg)


@register.filter
def window_url(action, obj) -> str:
    """{% if a|window_url:obj %}: the URL of the window a command opens (Open Console), or "".
    Not `a.href` in a template: Django calls a callable with no argument and gets nothing."""
    return action.href(obj) if action.href is not None else ""


@register.filter
def entries_for(action, obj) -> list:
    """{% for e in action|entries_for:obj %}: a submenu's entries available on this object."""
    return action.entries_for(obj)


@register.filter
def question_for(action, obj) -> str:
    """A confirmation dialog's question, which may name the object (its host, its VMs)."""
    return action.question(obj)


@register.filter
def get(mapping, key):
    """{{ choices|get:key }}: a dict lookup by a variable key."""
    return mapping.get(key)


@register.filter
def any_active(tasks) -> bool:
    """Whether a task list holds a queued or running task (the panel then polls faster)."""
    return any(t.state in ("queued", "running") for t in tasks)


@register.filter
def mul(value, factor):
    return int(value) * int(factor)


@register.filter
def sub(value, other):
    return int(value) - int(other)


@register.filter
def json_script_value(value) -> str:
    """A string as a JavaScript literal, safe inside a <script> element."""
    return mark_safe(json.dumps(str(value)).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


SPEEDS = [0.1, 0.5, 1, 2, 5, 10, 30, 100]
ADVANCES = [(60, "+1 min"), (600, "+10 min")]


def clock_context(lab, user) -> dict:
    """The clock partial's context: the header's first render and the clock view's reply."""
    return {"lab": lab, "can_control": is_instructor(user) or lab.owner_id == user.pk, "speeds": SPEEDS,
            "advances": ADVANCES, "server_wall": time.time()}


@register.inclusion_tag("operations/partials/clock.html", takes_context=True)
def lab_clock(context, lab):
    """The lab's clock and, for its owner and instructors, its controls."""
    return clock_context(lab, context["request"].user)


GUEST_STAGES = {
    "off": "off", "post": "in BIOS POST", "loader": "loading its OS", "os": "starting",
    "login": "at its login screen", "shutdown": "shutting down", "hung": "not responding (hung)",
}


@register.filter
def guest_stage(stage: str) -> str:
    return GUEST_STAGES.get(stage, stage)


@register.filter
def half(value):
    return float(value) / 2


@register.filter
def simclock(seconds) -> str:
    """Simulated time of day, HH:MM:SS."""
    return simtime(seconds)[-8:]


@register.filter
def chart_path(chart, series) -> str:
    return chart.path(series)


@register.filter
def fault_kind(kind: str):
    """{{ fault.kind|fault_kind }}: the catalogue's entry (label, restore label)."""
    return FAULT_KINDS[kind]


@register.filter
def switch_down(faults) -> bool:
    """Whether the management switch failure is among these active faults (the panel offers it otherwise)."""
    return any(f.kind == "management-switch" for f in faults)


@register.inclusion_tag("operations/partials/fault_badge.html")
def fault_badge(lab):
    """The navbar's count of simulated failures (pushed as it changes); from the faults the
    page's menus read in this request when they did."""
    read = lab.__dict__.get("_simulated_faults")
    return {"count": sum(not s.pending for s in read) if read is not None else len(active_faults(lab))}


# --- a host's state as the vSphere Client shows it: the words after its name, its icon, greyed ---

@register.filter
def host_state(host) -> str:
    """What the tree and the Summary header write after a host's name: "esx01.lab.local (not
    responding)". vCenter's view first; then the physical power state, which this simulator shows
    at once [model]."""
    if host.connection_state == ConnectionState.NOT_RESPONDING:
        return "not responding"
    if host.connection_state == ConnectionState.DISCONNECTED:
        return "disconnected"
    if host.power_state == HostPowerState.STANDBY:
        return "standby mode"
    if host.power_state == HostPowerState.POWERED_OFF:
        return "powered off"
    if host.in_maintenance_mode:
        return "maintenance mode"
    return ""


@register.filter
def host_icon(host) -> str:
    """The host icon's variant: red for not responding, grey for disconnected, a moon in standby."""
    return {
        "not responding": "host-notresp", "disconnected": "host-disconnected", "standby mode": "host-standby",
        "powered off": "host-off", "maintenance mode": "host-maint",
    }.get(host_state(host), "host")


@register.filter
def host_greyed(host) -> bool:
    """Greyed in the tree and its Summary: vCenter does not hear from it, or it is not running."""
    return host.connection_state != ConnectionState.CONNECTED or host.power_state != HostPowerState.POWERED_ON
