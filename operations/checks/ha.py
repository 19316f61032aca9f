"""HA admission control, "Host failures cluster tolerates" (REFERENCE.md §2): the slot
arithmetic a class can check by hand.

Slot size [doc, vSphere 4.1]: the largest CPU reservation of a powered-on VM (at least 256 MHz)
and the largest memory reservation plus overhead. A host holds as many slots as both its CPU and
its memory allow. The current failover capacity is how many hosts can fail, the largest first,
while the rest still hold a slot for every powered-on VM.
"""

from __future__ import annotations

from dataclasses import dataclass

MIN_CPU_SLOT_MHZ = 256


@dataclass(frozen=True)
class HostCapacity:
    name: str
    cpu_mhz: int
    memory_mb: int


@dataclass(frozen=True)
class VmNeed:
    cpu_reservation_mhz: int
    memory_reservation_mb: int
    overhead_mb: int


@dataclass(frozen=True)
class SlotInfo:
    cpu_slot_mhz: int
    memory_slot_mb: int
    slots_per_host: dict[str, int]
    used_slots: int

    @property
    def total_slots(self) -> int:
        return sum(self.slots_per_host.values())

    @property
    def available_slots(self) -> int:
        return max(0, self.total_slots - self.used_slots)

    @property
    def failover_capacity(self) -> int:
        """Hosts that can fail, the largest first, while the others still hold a slot for every
        powered-on VM; at most all hosts but one."""
        slots = sorted(self.slots_per_host.values(), reverse=True)
        left, failed = sum(slots), 0
        for host_slots in slots[:-1]:
            if left - host_slots < self.used_slots:
                break
            left -= host_slots
            failed += 1
        return failed


def slot_info(hosts: list[HostCapacity], vms: list[VmNeed]) -> SlotInfo:
    cpu_slot = max([MIN_CPU_SLOT_MHZ] + [v.cpu_reservation_mhz for v in vms])
    memory_slot = max([1] + [v.memory_reservation_mb + v.overhead_mb for v in vms])
    per_host = {h.name: min(h.cpu_mhz // cpu_slot, h.memory_mb // memory_slot) for h in hosts}
    return SlotInfo(cpu_slot, memory_slot, per_host, len(vms))
