"""The simulated failures, defined once: each kind with the words the lab shows (the host's
"Simulate failure" menu, the fault panel, events), what it needs (a host, a pair of hosts, a
virtual machine, or nothing: the whole lab), the actions that start and restore it (the old
`fault?action=` endpoints and scenario scripts use these words) and its group: two faults of one
group cannot be simulated on the same object at once (a host that crashed cannot also lose power).

What each does to the world is applied by operations/services/faults.py, which returns the
engine's Changes (engine/changes.py)."""

from __future__ import annotations

from dataclasses import dataclass

HOST = "host"
PAIR = "host pair"
LAB = "nothing"
VM = "vm"


@dataclass(frozen=True)
class FaultKind:
    kind: str
    label: str  # what is broken, as the fault panel lists it
    restore_label: str  # the command that ends it
    needs: str  # HOST, PAIR, VM or LAB
    start: str  # the action that starts it
    end: str  # the action that restores it (shared by the kinds of one group)
    noun: str  # "A {noun} is already simulated on esx01.lab.local."
    group: str = ""  # faults of one group exclude each other on one object (default: the kind)

    @property
    def exclusive(self) -> str:
        return self.group or self.kind


CATALOGUE = (
    FaultKind("host-power-off", "Power failure", "Power on", HOST, "power-off", "power-on", "power failure",
              group="power"),
    FaultKind("host-crash", "Host crash (purple diagnostic screen)", "Power on (reboot)", HOST, "crash", "power-on",
              "host crash", group="power"),
    FaultKind("management-network", "Management network cable pulled", "Reconnect the management network cable", HOST,
              "disconnect-management-network", "reconnect-management-network", "management network failure"),
    FaultKind("vmotion-network", "VMotion network cable pulled", "Reconnect the VMotion network cable", HOST,
              "disconnect-vmotion-network", "reconnect-vmotion-network", "VMotion network failure"),
    FaultKind("storage-paths", "All paths down to shared storage", "Restore the storage paths", HOST,
              "disconnect-storage", "reconnect-storage", "storage path failure"),
    FaultKind("ft-logging-network", "FT logging network cable pulled", "Reconnect the FT logging network cable", HOST,
              "disconnect-ft-logging-network", "reconnect-ft-logging-network", "FT logging network failure"),
    FaultKind("network-partition", "Network partition between two hosts", "Heal the partition", PAIR,
              "partition-network", "heal-network-partition", "network partition"),
    FaultKind("management-switch", "Management network switch failure (every host)",
              "Bring the management switch back", LAB, "fail-management-switch", "restore-management-switch",
              "management switch failure"),
    FaultKind("guest-hang", "Guest OS hang", "Recover the guest OS", VM, "guest-hang", "guest-recover",
              "guest OS hang"),
)
FAULT_KINDS = {k.kind: k for k in CATALOGUE}
FAULT_TYPES = tuple(FAULT_KINDS)
HOST_FAULTS = tuple(k for k in CATALOGUE if k.needs == HOST)
# a host's and a VM's actions, as the old endpoints and scenario scripts name them
HOST_ACTIONS = tuple(dict.fromkeys(a for k in HOST_FAULTS for a in (k.start, k.end)))
VM_ACTIONS = tuple(dict.fromkeys(a for k in CATALOGUE if k.needs == VM for a in (k.start, k.end)))


def started_by(action: str, needs: str) -> FaultKind | None:
    """The kind that `action` starts on an object of `needs`, if it is a start action."""
    return next((k for k in CATALOGUE if k.start == action and k.needs == needs), None)


def ended_by(action: str, needs: str) -> tuple[FaultKind, ...]:
    """The kinds that `action` restores (power-on ends a power failure or a crash)."""
    return tuple(k for k in CATALOGUE if k.end == action and k.needs == needs)


def where(kind: FaultKind, *, host: str = "", peer: str = "", vm: str = "") -> str:
    """The object a fault is on, in words."""
    if kind.needs == PAIR:
        return f"{host} and {peer}"
    if kind.needs == VM:
        return vm
    if kind.needs == LAB:
        return "this lab"
    return host


def already(kind: FaultKind, **names: str) -> str:
    return f"A {kind.noun} is already simulated on {where(kind, **names)}."


def not_simulated(kind: FaultKind, **names: str) -> str:
    return f"No {kind.noun} is simulated on {where(kind, **names)}."
