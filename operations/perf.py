"""Performance charts (the Performance tab): CPU, memory and network of a host or a VM over the
last 10 simulated minutes, one sample every 20 s as vCenter's real-time charts had.

[model] Samples are derived, not stored: a VM's load follows its workload profile with a steady
pseudo-random wobble; a host adds up the VMs that ran on it at each instant (placement before a
migration or power change in the window comes from its task); VMotion traffic is the bandwidth
of the migrations that ran on the host's VMkernel port. FT logging stays 0 until FT arrives.
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass

from inventory.choices import VmPowerState
from inventory.models import Host, Lab, VirtualMachine
from operations.engine.workloads import WORKLOADS
from operations.models import Task, TaskState

INTERVAL_S = 20
WINDOW_S = 600
GUEST_NET_MBPS = {"idle": 0.2, "web": 25.0, "database": 9.0, "memoryHeavy": 3.0}  # [model]


@dataclass
class Series:
    label: str
    unit: str
    css: str
    points: list[float]

    @property
    def latest(self) -> float:
        return self.points[-1] if self.points else 0.0


@dataclass
class Chart:
    title: str
    unit: str
    times: list[float]
    series: list[Series]

    @property
    def top(self) -> float:
        peak = max([max(s.points, default=0) for s in self.series] + [1e-9])
        magnitude = 10 ** math.floor(math.log10(peak)) if peak > 0 else 1
        return math.ceil(peak / magnitude) * magnitude

    def path(self, series: Series, width: int = 560, height: int = 140) -> str:
        n = max(1, len(series.points) - 1)
        return " ".join(f"{'M' if i == 0 else 'L'}{i * width / n:.1f},{height - height * v / self.top:.1f}"
                        for i, v in enumerate(series.points))


def _wobble(key: str, t: float) -> float:
    """A steady pseudo-random factor around 1 (0.85-1.15) for `key` at sample time `t`."""
    return 0.85 + (zlib.crc32(f"{key}:{int(t // INTERVAL_S)}".encode()) % 300) / 1000


def _times(now: float) -> list[float]:
    last = now - now % INTERVAL_S
    return [last - INTERVAL_S * i for i in range(WINDOW_S // INTERVAL_S, -1, -1)]


def _history(lab: Lab, since: float) -> tuple[dict[int, list[tuple[float, int, int]]], list[Task]]:
    """VM moves in the window (vm -> [(time, from host, to host)]) and the VMotions that ran in it."""
    tasks = list(Task.objects.filter(lab=lab, kind__in=["vm.vmotion", "vm.relocate", "vm.power"])
                 .exclude(state=TaskState.QUEUED).filter(started_sim__isnull=False)
                 .exclude(completed_sim__lt=since))
    moves: dict[int, list[tuple[float, int, int]]] = {}
    for t in tasks:
        if t.state == TaskState.SUCCESS and t.kind != "vm.power" and t.params.get("host"):
            moves.setdefault(t.params["vm"], []).append((t.completed_sim, t.params["src"], t.params["host"]))
    return moves, [t for t in tasks if t.kind == "vm.vmotion"]


def _power_offs(lab: Lab, since: float) -> dict[int, float]:
    offs = Task.objects.filter(lab=lab, kind="vm.power", state=TaskState.SUCCESS, completed_sim__gte=since,
                               params__action__in=["power-off", "shutdown"])
    return {t.params["vm"]: t.completed_sim for t in offs}


def _vm_on(vm: VirtualMachine, t: float, off_at: float | None) -> bool:
    if vm.power_state == VmPowerState.POWERED_ON:
        return vm.powered_on_at is not None and t >= vm.powered_on_at
    return off_at is not None and t < off_at


def _vm_load(vm: VirtualMachine, core_mhz: int, t: float) -> tuple[float, float, float]:
    w = WORKLOADS[vm.workload]
    wobble = _wobble(vm.moid, t)
    return (vm.num_cpu * core_mhz * w.cpu_busy * wobble, vm.memory_mb * w.memory_active * (0.97 + 0.03 * wobble),
            GUEST_NET_MBPS.get(vm.workload, 1.0) * wobble)


def vm_charts(lab: Lab, vm: VirtualMachine) -> list[Chart]:
    now = lab.now()
    times = _times(now)
    off_at = _power_offs(lab, times[0]).get(vm.pk)
    cpu, mem, net = [], [], []
    for t in times:
        c, m, n = _vm_load(vm, vm.host.cpu_mhz, t) if _vm_on(vm, t, off_at) else (0.0, 0.0, 0.0)
        cpu.append(c), mem.append(m), net.append(n)
    return [
        Chart("CPU", "MHz", times, [Series("Usage", "MHz", "cpu", cpu)]),
        Chart("Memory", "MB", times, [Series("Active", "MB", "mem", mem)]),
        Chart("Network", "Mbit/s", times, [Series("Guest traffic", "Mbit/s", "net", net)]),
    ]


def host_charts(lab: Lab, host: Host) -> list[Chart]:
    now = lab.now()
    times = _times(now)
    moves, vmotions = _history(lab, times[0])
    offs = _power_offs(lab, times[0])
    here = {vm.pk: vm for vm in VirtualMachine.objects.filter(lab=lab, host=host)}
    moved_away = [m for m, hops in moves.items() if m not in here and any(h[1] == host.pk for h in hops)]
    candidates = list(here.values()) + list(VirtualMachine.objects.filter(pk__in=moved_away))

    def host_of(vm, t):
        location = vm.host_id
        for done, src, _dst in sorted(moves.get(vm.pk, []), reverse=True):
            if t < done:  # a move after t: the VM was still on its source then
                location = src
        return location

    cpu, mem, guest, vmotion = [], [], [], []
    for t in times:
        c = m = n = 0.0
        for vm in candidates:
            if host_of(vm, t) == host.pk and _vm_on(vm, t, offs.get(vm.pk)):
                vc, vmem, vn = _vm_load(vm, host.cpu_mhz, t)
                c, m, n = c + vc, m + vmem + vm.memory_overhead_mb, n + vn
        traffic = sum(task.plan.get("inputs", {}).get("bandwidth_mb_s", 0) * 8 for task in vmotions
                      if host.pk in (task.params.get("src"), task.params.get("host"))
                      and task.started_sim <= t < (task.completed_sim if task.completed_sim is not None else now + 1))
        cpu.append(min(c, host.cpu_total_mhz)), mem.append(min(m, host.memory_mb)), guest.append(n), vmotion.append(traffic)
    return [
        Chart("CPU", "MHz", times, [Series("Usage", "MHz", "cpu", cpu)]),
        Chart("Memory", "MB", times, [Series("Active + overhead", "MB", "mem", mem)]),
        Chart("Network", "Mbit/s", times, [
            Series("VM traffic", "Mbit/s", "net", guest), Series("VMotion", "Mbit/s", "vmotion", vmotion),
            Series("FT logging", "Mbit/s", "ft", [0.0] * len(times)),
        ]),
    ]


def charts_for(lab: Lab, obj) -> list[Chart] | None:
    """The charts of a host or a VM; None for anything else."""
    if isinstance(obj, Host):
        return host_charts(lab, obj)
    if isinstance(obj, VirtualMachine):
        return vm_charts(lab, VirtualMachine.objects.select_related("host").get(pk=obj.pk))
    return None
