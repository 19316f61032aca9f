"""Changes: what applying an input, an agent's step or a task's commit changed in the simulated
world, as plain data the engine understands. Each names the keys it touches (`host:12`, `vm:42`,
`datastore:5`); a timed task names the keys it depends on (Kind.depends), and the runner asks the
task's kind how it reacts to each change that touches one of them (the kind's `react`).

Physical changes (a host goes down, a cable is pulled) come from inputs; vCenter's view changes
(`HostNotResponding`, `HostConnected`) come from its host connection monitor (engine/monitor.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field

# What vCenter says when an operation reaches a host it cannot talk to (vpxd's wording).
UNREACHABLE = "Unable to communicate with the remote host, since it is disconnected."


def host_key(host_id: int) -> str:
    return f"host:{host_id}"


def vm_key(vm_id: int) -> str:
    return f"vm:{vm_id}"


def datastore_key(datastore_id: int) -> str:
    return f"datastore:{datastore_id}"


@dataclass(frozen=True)
class Change:
    @property
    def keys(self) -> frozenset[str]:
        return frozenset()


@dataclass(frozen=True)
class HostChange(Change):
    host: int

    @property
    def keys(self) -> frozenset[str]:
        return frozenset({host_key(self.host)})


class HostDown(HostChange):
    """The host lost power or crashed: ESXi and its running VMs are gone."""


class HostBooting(HostChange):
    """The host was powered on again: ESXi boots (engine/monitor.py BOOT_S)."""


class HostUp(HostChange):
    """ESXi is up after a boot."""


class ManagementLost(HostChange):
    """vCenter's network path to the host is cut (its cable, or the management switch)."""


class ManagementRestored(HostChange):
    pass


class HostNotResponding(HostChange):
    """vCenter marked the host Not Responding (no heartbeat for its timeout)."""


class HostConnected(HostChange):
    """vCenter hears from the host again."""


class HostDisconnected(HostChange):
    """vCenter stopped managing the host (Disconnect)."""


class VmotionNetLost(HostChange):
    pass


class VmotionNetRestored(HostChange):
    pass


class FtLoggingLost(HostChange):
    pass


class FtLoggingRestored(HostChange):
    pass


@dataclass(frozen=True)
class HostStorageChange(HostChange):
    datastores: frozenset[int] = field(default_factory=frozenset)  # the host's shared datastores

    @property
    def keys(self) -> frozenset[str]:
        return frozenset({host_key(self.host), *(datastore_key(d) for d in self.datastores)})


class StorageLost(HostStorageChange):
    """All paths down from `host` to its shared datastores."""


class StorageRestored(HostStorageChange):
    pass


@dataclass(frozen=True)
class PairChange(Change):
    a: int
    b: int

    @property
    def keys(self) -> frozenset[str]:
        return frozenset({host_key(self.a), host_key(self.b)})

    def between(self, x: int, y: int) -> bool:
        return {self.a, self.b} == {x, y}


class PartitionStarted(PairChange):
    """Hosts `a` and `b` cannot reach each other (heartbeats, VMotion); vCenter reaches both."""


class PartitionEnded(PairChange):
    pass


@dataclass(frozen=True)
class VmChange(Change):
    vm: int

    @property
    def keys(self) -> frozenset[str]:
        return frozenset({vm_key(self.vm)})


class VmDown(VmChange):
    """The VM stopped running (powered off, or its host went down)."""


class GuestHung(VmChange):
    pass


class GuestRecovered(VmChange):
    pass


LOST_HOST = (HostNotResponding, HostDisconnected)


def common_reaction(role: str, change: Change) -> str | None:
    """What every timed task does whatever its kind: a host it works on that vCenter loses
    (Not Responding, Disconnected) fails it with vCenter's words."""
    if isinstance(change, LOST_HOST):
        return UNREACHABLE
    return None
