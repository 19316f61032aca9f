"""The "Simulate failure" submenus (issue 10): each failure of the catalogue
(operations/engine/fault_kinds.py) on the object it needs, with a confirmation that says in plain
words what will happen, and, while it is simulated, its restore instead. inventory/actions.py puts
them in the host's, the VM's, the datacenter's and the vCenter's menus.

Every entry calls the fault services (operations/services/faults.py): they refuse what cannot be
done (the same failure twice, a restore of nothing) with the message the dialog shows, the same
as the API and scenario scripts get."""

from __future__ import annotations

from django import forms as django_forms

from inventory.choices import VmPowerState
from inventory.forms import Pick
from inventory.models import Host, Lab
from inventory.selectors import Simulated, object_for, simulated_faults
from operations.engine.fault_kinds import FAULT_KINDS, HOST_FAULTS
from operations.engine.monitor import BOOT_S, HEARTBEAT_TIMEOUT_S
from operations.services.faults import fault_restore, fault_start

HEARTBEAT = f"{HEARTBEAT_TIMEOUT_S:.0f} s"
BOOT = f"{BOOT_S:.0f} s"
SUBMENU = "Simulate failure"

# the command that starts each failure, as the menu lists it (the catalogue's labels name the state)
START_LABELS = {
    "host-power-off": "Power failure",
    "host-crash": "Crash (purple diagnostic screen)",
    "management-network": "Pull the management network cable",
    "vmotion-network": "Pull the VMotion network cable",
    "storage-paths": "Fail all paths to shared storage",
    "ft-logging-network": "Pull the FT logging network cable",
    "network-partition": "Network partition with another host",
    "management-switch": "Management switch failure (every host)",
    "guest-hang": "Hang the guest OS",
}
NOT_RESPONDING = (f"vCenter notices after its {HEARTBEAT} heartbeat timeout: the host then shows as not responding "
                  "and its virtual machines as disconnected; until then, operations on it are accepted and fail "
                  "when they reach it.")


def _running(host: Host) -> str:
    names = list(host.vms.filter(power_state=VmPowerState.POWERED_ON).values_list("name", flat=True)[:6])
    if not names:
        return f"No virtual machine runs on {host.name}."
    more = host.vms.filter(power_state=VmPowerState.POWERED_ON).count() - len(names)
    listed = ", ".join(names) + (f" and {more} more" if more > 0 else "")
    return f"The virtual machines running on {host.name} ({listed}) go down with it; a VMotion from or to it fails."


START_TEXTS = {
    "host-power-off": lambda h: f"{h.name} loses power at once, as if its power cords were pulled. {_running(h)} "
                                f"{NOT_RESPONDING}",
    "host-crash": lambda h: f"ESXi on {h.name} stops with a purple diagnostic screen. {_running(h)} {NOT_RESPONDING}",
    "management-network": lambda h: f"The management network cable of {h.name} is pulled: vCenter stops hearing its "
                                    f"heartbeats. Its virtual machines keep running. {NOT_RESPONDING}",
    "vmotion-network": lambda h: f"The VMotion network cable of {h.name} is pulled. Its virtual machines keep running "
                                 "and vCenter still manages it, but a VMotion from or to it fails at once: the hosts "
                                 "cannot connect over the VMotion network.",
    "storage-paths": lambda h: f"Every path from {h.name} to its shared storage goes down (all paths down). The guests "
                               "whose disks are on shared storage hang until the paths are back; a Storage VMotion or "
                               "cold migration that uses those datastores from this host fails.",
    "ft-logging-network": lambda h: f"The FT logging network cable of {h.name} is pulled: Fault Tolerance logging "
                                    "traffic to and from it stops. Its virtual machines keep running and vCenter "
                                    "still manages it.",
    "network-partition": lambda h: f"{h.name} and the host you choose can no longer reach each other. vCenter still "
                                   "reaches both, so both stay connected; a VMotion between them fails.",
    "management-switch": lambda o: "The management network switch fails: no host's management network reaches "
                                   f"vCenter. Virtual machines keep running. After {HEARTBEAT} (vCenter's heartbeat "
                                   "timeout) every host shows as not responding and its virtual machines as "
                                   "disconnected.",
    "guest-hang": lambda vm: f"The guest OS of {vm.name} stops responding, as after a blue screen: the virtual machine "
                             "stays powered on, but VMware Tools stops and its console is frozen. A Reset or Power Off "
                             "ends it too.",
}
POWER_BACK = (lambda h: f"{h.name} is powered on. ESXi boots (about {BOOT}); then vCenter connects it again. Its "
              "virtual machines stay powered off: nothing restarts them without VMware HA.")
RESTORE_TEXTS = {
    "host-power-off": POWER_BACK,
    "host-crash": POWER_BACK,
    "management-network": lambda h: f"The management network cable of {h.name} is plugged back in: vCenter hears its "
                                    "heartbeats again and the host is connected.",
    "vmotion-network": lambda h: f"The VMotion network cable of {h.name} is plugged back in: VMotion to and from it "
                                 "works again.",
    "storage-paths": lambda h: f"The paths from {h.name} to its shared storage come back; its hung guests go on.",
    "ft-logging-network": lambda h: f"The FT logging network cable of {h.name} is plugged back in.",
    "network-partition": lambda h: f"{h.name} and the host you choose reach each other again.",
    "management-switch": lambda o: "The management network switch is back: every host whose own management cable is "
                                   "in is heard again and connected.",
    "guest-hang": lambda vm: f"The guest OS of {vm.name} responds again.",
}


def _simulated(obj) -> list[Simulated]:
    # every entry of a menu asks: one read per lab and request (the navbar's badge reads it too)
    lab = obj if isinstance(obj, Lab) else obj.lab
    if "_simulated_faults" not in lab.__dict__:
        lab.__dict__["_simulated_faults"] = simulated_faults(lab)
    return lab.__dict__["_simulated_faults"]


def _on(obj, kind: str) -> list[Simulated]:
    """The failures of `kind`'s group simulated on `obj` (a host, a VM, or anything for the lab)."""
    spec = FAULT_KINDS[kind]
    found = [s for s in _simulated(obj) if FAULT_KINDS.get(s.kind) and FAULT_KINDS[s.kind].exclusive == spec.exclusive]
    if spec.needs == "host":
        return [s for s in found if s.host_id == obj.pk]
    if spec.needs == "host pair":
        return [s for s in found if s.on_host(obj.pk)]
    if spec.needs == "vm":
        return [s for s in found if s.vm_id == obj.pk]
    return found


def _restorable(obj, kind: str) -> bool:
    return any(s.kind == kind and not s.restoring for s in _on(obj, kind))


def _startable(obj, kind: str) -> bool:
    if FAULT_KINDS[kind].needs == "vm" and obj.power_state != VmPowerState.POWERED_ON:
        return False  # only a running guest can hang (the service says so too)
    return not any(not s.restoring for s in _on(obj, kind))


class PeerForm(django_forms.Form):
    """The second host of a network partition."""

    peer = Pick("Other host", [])

    def __init__(self, data=None, *, host: Host, healing: bool):
        super().__init__(data)
        hosts = Host.objects.filter(lab_id=host.lab_id).exclude(pk=host.pk)
        if healing:  # the hosts partitioned from this one; the service refuses any other
            peers = {s.peer_id if s.host_id == host.pk else s.host_id for s in _on(host, "network-partition")}
            hosts = hosts.filter(pk__in=peers)
        self.fields["peer"].choices = [(h.moid, h.name) for h in hosts]
        self.lab = host.lab

    def values(self) -> dict:
        return {"peer": object_for(self.lab, self.cleaned_data["peer"])}


def _calling(service):
    """An Action's run that asks `service` (fault_start or fault_restore) for fault `kind` on the
    object the menu was opened on: a host (with the partition's peer), a VM, or the whole lab."""
    def for_kind(kind: str):
        def run(obj, data, user):
            if isinstance(obj, Host):
                service(lab=obj.lab, kind=kind, host=obj, peer=data.get("peer"), user=user)
            elif FAULT_KINDS[kind].needs == "vm":
                service(lab=obj.lab, kind=kind, vm=obj, user=user)
            else:
                service(lab=obj if isinstance(obj, Lab) else obj.lab, kind=kind, user=user)
            return obj
        return run
    return for_kind


_start = _calling(fault_start)
_restore = _calling(fault_restore)


def fault_entries(action_type, kinds: tuple[str, ...]) -> tuple:
    """For each kind: its start, shown while it is not simulated on the object, and its restore
    (the catalogue's restore label), shown while it is. `action_type` is actions.Action."""
    entries = []
    for kind in kinds:
        spec = FAULT_KINDS[kind]
        start_form, restore_form = {}, {}
        if spec.needs == "host pair":  # the dialog asks for the other host
            start_form = {"form": lambda o, data=None: PeerForm(data, host=o, healing=False)}
            restore_form = {"form": lambda o, data=None: PeerForm(data, host=o, healing=True)}
        entries.append(action_type(
            f"fault-{kind}", START_LABELS[kind], _start(kind), available=lambda o, k=kind: _startable(o, k),
            confirm=START_TEXTS[kind], danger=True, submit="Simulate failure",
            title=f"{SUBMENU}: {START_LABELS[kind]}", **start_form,
        ))
        entries.append(action_type(
            f"restore-{kind}", spec.restore_label, _restore(kind), available=lambda o, k=kind: _restorable(o, k),
            confirm=RESTORE_TEXTS[kind], submit="Restore", title=f"Restore: {spec.label}", **restore_form,
        ))
    return tuple(entries)


HOST_KINDS = tuple(k.kind for k in HOST_FAULTS) + ("network-partition",)
LAB_KINDS = ("management-switch",)
VM_KINDS = ("guest-hang",)
