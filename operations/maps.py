"""The Maps tab (vSphere 4 drew one): hosts, the VMs on them and the datastores they use, as an
SVG laid out on the server; and the VMotion resources view: where a VM could move, and why not."""

from __future__ import annotations

from dataclasses import dataclass, field

from inventory.models import Datastore, Host, Lab, VirtualMachine
from operations.services.migrate import host_compatibility

HOST_W, HOST_GAP, VM_H, TOP = 160, 24, 20, 20
MAX_VMS_DRAWN = 10  # per host; the rest is a "+N more" line
MAX_LINES = 120  # VM-to-datastore lines; above, hosts link to datastores instead


@dataclass
class Box:
    x: int
    y: int
    w: int
    h: int
    label: str
    moid: str
    kind: str
    state: str = ""

    @property
    def cx(self) -> int:
        return self.x + self.w // 2


@dataclass
class Map:
    width: int
    height: int
    boxes: list[Box] = field(default_factory=list)
    lines: list[tuple[int, int, int, int, str]] = field(default_factory=list)
    notes: list[tuple[int, int, str]] = field(default_factory=list)


def lab_map(lab: Lab) -> Map:
    hosts = list(Host.objects.filter(lab=lab).order_by("name"))
    vms = list(VirtualMachine.objects.filter(lab=lab).order_by("name").values(
        "pk", "name", "host_id", "datastore_id", "power_state"))
    datastores = list(Datastore.objects.filter(lab=lab).order_by("name"))
    by_host: dict[int, list[dict]] = {h.pk: [] for h in hosts}
    for vm in vms:
        by_host.setdefault(vm["host_id"], []).append(vm)
    deepest = max([min(len(v), MAX_VMS_DRAWN + 1) for v in by_host.values()] + [1])
    ds_y = TOP + 34 + deepest * (VM_H + 4) + 70
    columns = max(len(hosts), len(datastores), 1)
    width = columns * (HOST_W + HOST_GAP) + HOST_GAP
    result = Map(width=width, height=ds_y + 60)
    vm_boxes: dict[int, Box] = {}
    for i, host in enumerate(hosts):
        x = HOST_GAP + i * (HOST_W + HOST_GAP)
        result.boxes.append(Box(x, TOP, HOST_W, 28, host.name, host.moid, "host",
                                "up" if host.is_usable else ("maint" if host.in_maintenance_mode else "down")))
        for j, vm in enumerate(by_host[host.pk][:MAX_VMS_DRAWN]):
            box = Box(x + 10, TOP + 34 + j * (VM_H + 4), HOST_W - 20, VM_H, vm["name"], f"vm-{vm['pk']}", "vm",
                      "on" if vm["power_state"] == "poweredOn" else "off")
            vm_boxes[vm["pk"]] = box
            result.boxes.append(box)
        hidden = len(by_host[host.pk]) - MAX_VMS_DRAWN
        if hidden > 0:
            result.notes.append((x + 14, TOP + 34 + MAX_VMS_DRAWN * (VM_H + 4) + 14, f"+{hidden} more"))
    ds_boxes = {}
    for i, ds in enumerate(datastores):
        box = Box(HOST_GAP + i * (HOST_W + HOST_GAP), ds_y, HOST_W, 30, ds.name, ds.moid, "datastore", ds.backing)
        ds_boxes[ds.pk] = box
        result.boxes.append(box)
    if len(vm_boxes) <= MAX_LINES:
        for vm in vms:
            a, b = vm_boxes.get(vm["pk"]), ds_boxes.get(vm["datastore_id"])
            if a and b:
                result.lines.append((a.cx, a.y + a.h, b.cx, b.y, "vm-ds"))
    else:
        host_boxes = {b.moid: b for b in result.boxes if b.kind == "host"}
        for ds in datastores:
            for host_id in ds.hosts.values_list("pk", flat=True):
                a = host_boxes.get(f"host-{host_id}")
                if a:
                    result.lines.append((a.cx, a.y + a.h, ds_boxes[ds.pk].cx, ds_y, "host-ds"))
    return result


@dataclass(frozen=True)
class Reach:
    host: Host
    verdict: str  # ok, warning, error, current
    reasons: list[str]


def vmotion_resources(vm: VirtualMachine) -> list[Reach]:
    """The VMotion resources map of a VM: every host of its datacenter, compatible or not, and why."""
    hosts = Host.objects.filter(lab=vm.lab, datacenter_id=vm.host.datacenter_id).select_related("cluster").order_by("name")
    result = []
    for host, problems in host_compatibility(vm, hosts):
        if host.pk == vm.host_id:
            result.append(Reach(host, "current", []))
            continue
        verdict = "error" if any(p.is_error for p in problems) else ("warning" if problems else "ok")
        result.append(Reach(host, verdict, [p.message for p in problems]))
    return result
