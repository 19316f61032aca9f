"""What each kind of inventory object can do, as the vSphere Client's menus list it.

One registry feeds the Summary tab's Commands box, the tree's right-click menu and the action
view, so a command cannot appear in one place and be missing in another.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from django.template.loader import render_to_string
from django.urls import reverse

from inventory import forms, services
from inventory.fault_actions import HOST_KINDS, LAB_KINDS, SUBMENU, VM_KINDS, fault_entries
from inventory.choices import VmPowerState
from inventory.models import Cluster, Datacenter, Datastore, Host, Lab, Network, VirtualMachine
from inventory.selectors import hosts_in, object_for
from operations.live.widgets import provide_render
from operations.services import host_commands, power
from operations.services.faults import can_power_on, host_fault_action


@dataclass(frozen=True)
class Action:
    slug: str
    label: str
    run: Callable[[Any, dict, Any], Any]  # (object, cleaned data, user) -> object to show next, or None
    form: Callable[..., Any] = lambda obj, data=None: forms.ConfirmForm(data)
    available: Callable[[Any], bool] = lambda obj: True
    dialog: bool = True  # False: the command button posts at once
    confirm: str | Callable[[Any], str] = ""  # the question a confirmation dialog asks (or a function of the object)
    submit: str = "OK"
    danger: bool = False
    wizard: bool = False  # a view of its own, not a dialog: inventory/views/actions.py WIZARDS[slug]
    href: Callable[[Any], str] | None = None  # opens a window instead (the console)
    title: str = ""  # the dialog's title, when it is not the label
    entries: tuple["Action", ...] = ()  # a submenu: these entries, each shown when available
    listed: bool = True  # False: not in the menus nor the Commands box (a page links to it)
    tab: str = ""  # where to go once it succeeded: this tab of the object (default: its Summary)

    def entries_for(self, obj) -> list["Action"]:
        return [e for e in self.entries if e.available(obj)]

    def question(self, obj) -> str:
        return self.confirm(obj) if callable(self.confirm) else self.confirm


def kind_of(obj) -> str:
    if isinstance(obj, Lab):
        return "root"
    return {
        Datacenter: "datacenter", Cluster: "cluster", Host: "host", VirtualMachine: "vm",
        Datastore: "datastore", Network: "network",
    }[type(obj)]


# --- form factories: each knows the object the dialog was opened on -------------------------

def _new_vm_form(obj, data=None):
    hosts = hosts_in(obj.lab, obj, kind_of(obj)).filter(in_maintenance_mode=False, connection_state="connected", power_state="poweredOn")
    datastores = Datastore.objects.filter(lab=obj.lab, hosts__in=hosts).distinct()
    networks = Network.objects.filter(lab=obj.lab, portgroups__host__in=hosts).distinct()
    initial = {"datastore": datastores.filter(backing__in=["iscsi", "fc", "nfs"]).first()}
    return forms.NewVmForm(data, lab=obj.lab, hosts=hosts, datastores=datastores, networks=networks, initial=initial)


def _edit_settings_form(vm, data=None):
    initial = {
        "num_cpu": vm.num_cpu, "memory_mb": vm.memory_mb, "cpu_reservation_mhz": vm.cpu_reservation_mhz,
        "memory_reservation_mb": vm.memory_reservation_mb,
        "memory_overhead_override_mb": vm.memory_overhead_override_mb, "workload": vm.workload,
    }
    return forms.EditSettingsForm(data, vm=vm, initial=initial)


# --- runners: call one service each ----------------------------------------------------------

def _add_host(obj, d, user):
    cluster = obj if isinstance(obj, Cluster) else None
    datacenter = obj.datacenter if cluster else obj
    return services.host_add(
        lab=obj.lab, name=d["name"], spec=d["spec"], user=user, datacenter=datacenter,
        cluster=cluster, esx_version=d["esx_version"], management_ip=d["management_ip"] or "",
        shared_storage=d["shared_storage"], vmotion=d["vmotion"],
    )


def _new_vm(obj, d, user):
    return services.vm_create(
        host=d["host"], name=d["name"], user=user, datastore=d["datastore"], network=d["network"],
        guest_os=d["guest_os"], num_cpu=d["num_cpu"], memory_mb=d["memory_mb"], disk_mb=d["disk_gb"] * 1024,
        provisioning=d["provisioning"], workload=d["workload"],
    )


def _edit_settings(vm, d, user):
    services.vm_reconfigure(
        vm=vm, user=user, num_cpu=d["num_cpu"], memory_mb=d["memory_mb"],
        cpu_reservation_mhz=d["cpu_reservation_mhz"], memory_reservation_mb=d["memory_reservation_mb"],
        memory_overhead_override_mb=d["memory_overhead_override_mb"], workload=d["workload"],
        disk_sizes_mb=d["disk_sizes"], cdrom=d["cdrom"],
    )
    if d.get("add_disk_gb"):
        services.vm_add_disk(vm=vm, user=user, capacity_mb=d["add_disk_gb"] * 1024, provisioning=d["add_disk_provisioning"])
    return vm


def _move_host(host, d, user):
    return services.host_move(host=host, destination=object_for(host.lab, d["destination"]), user=user)


def _power(action: str):
    def run(vm, d, user):
        power.vm_power(vm=vm, action=action, user=user)
        return vm
    return run


def _removing_vm(vm, service, user):
    host = vm.host
    service(vm=vm, user=user)
    return host


def _host_command(command: str):
    def run(host, d, user):
        host_commands.host_command(host=host, command=command, user=user, reason=d.get("reason", ""))
        return host
    return run


def _connected_and_on(host) -> bool:
    return host.connection_state == "connected" and host.power_state == "poweredOn"


# the host's commands (Disconnect / Connect, standby, Reboot, Shut Down), each a task
HOST_COMMANDS = [
    Action("disconnect", "Disconnect", _host_command("disconnect"), available=lambda h: h.connection_state != "disconnected",
           confirm="Disconnect the host? vCenter stops managing it until it is connected again; its virtual machines "
                   "keep running."),
    Action("connect", "Connect", _host_command("connect"), available=lambda h: h.connection_state != "connected",
           dialog=False),
    Action("enter-standby", "Enter Standby Mode", _host_command("enter-standby"), available=_connected_and_on,
           confirm="Put the host in standby mode? It powers down until it is brought out of standby mode. It must run "
                   "no powered-on virtual machine."),
    Action("exit-standby", "Exit Standby Mode", _host_command("exit-standby"),
           available=lambda h: h.power_state == "standBy", dialog=False),
    Action("reboot", "Reboot", _host_command("reboot"), available=_connected_and_on, danger=True,
           form=lambda h, data=None: forms.HostReasonForm(data, host=h), confirm="Reboot the host?"),
    Action("shutdown", "Shut Down", _host_command("shutdown"), available=_connected_and_on, danger=True,
           form=lambda h, data=None: forms.HostReasonForm(data, host=h), confirm="Shut down the host?"),
    # a host that was shut down (or lost its power) is powered on through its management board
    Action("power-on-host", "Power On", lambda h, d, u: host_fault_action(host=h, action="power-on", user=u) and h,
           available=can_power_on, dialog=False),
]


def _parent(obj):
    return obj.datacenter if isinstance(obj, Cluster) else obj.lab


def _is_on(vm) -> bool:
    return vm.power_state == VmPowerState.POWERED_ON


rename = Action("rename", "Rename", lambda o, d, u: services.entity_rename(obj=o, new_name=d["name"], user=u),
                form=lambda o, data=None: forms.NameForm(data, initial={"name": o.name}))


def _remove(obj, d, user):
    parent = _parent(obj)
    services.entity_remove(obj=obj, user=user)
    return parent


# --- Simulate failure (issue 10): submenus of the fault catalogue, in inventory/fault_actions.py ---
def _simulate_failure(kinds: tuple[str, ...]) -> Action:
    entries = fault_entries(Action, kinds)
    return Action("simulate-failure", SUBMENU, lambda o, d, u: None, entries=entries,
                  available=lambda o: any(e.available(o) for e in entries))
# --- end of Simulate failure ---


ACTIONS: dict[str, list[Action]] = {
    "root": [
        Action("new-datacenter", "New Datacenter", lambda lab, d, u: services.datacenter_create(lab=lab, name=d["name"], user=u),
               form=lambda o, data=None: forms.NameForm(data, initial={"name": "New Datacenter"})),
        _simulate_failure(LAB_KINDS),  # Simulate failure (issue 10)
    ],
    "datacenter": [
        Action("new-cluster", "New Cluster",
               lambda dc, d, u: services.cluster_create(datacenter=dc, user=u, **d),
               form=lambda o, data=None: forms.NewClusterForm(data, initial={"name": "New Cluster"})),
        Action("add-host", "Add Host", _add_host, form=lambda o, data=None: forms.AddHostForm(data)),
        Action("new-vm", "New Virtual Machine", _new_vm, form=_new_vm_form),
        rename,
        Action("remove", "Remove", _remove, confirm="Remove this datacenter? It must be empty.", danger=True),
        _simulate_failure(LAB_KINDS),  # Simulate failure (issue 10)
    ],
    "cluster": [
        Action("add-host", "Add Host", _add_host, form=lambda o, data=None: forms.AddHostForm(data)),
        Action("new-vm", "New Virtual Machine", _new_vm, form=_new_vm_form),
        rename,
        Action("remove", "Remove", _remove, confirm="Remove this cluster? It must have no hosts.", danger=True),
    ],
    "host": [
        Action("new-vm", "New Virtual Machine", _new_vm, form=_new_vm_form, available=lambda h: h.is_usable),
        Action("move", "Move To...", _move_host, form=lambda h, data=None: forms.MoveHostForm(data, host=h)),
        Action("enter-maintenance", "Enter Maintenance Mode",
               lambda h, d, u: services.host_enter_maintenance(host=h, user=u),
               available=lambda h: not h.in_maintenance_mode,
               confirm="Enter maintenance mode? The host runs no virtual machines while in maintenance mode."),
        Action("exit-maintenance", "Exit Maintenance Mode", lambda h, d, u: services.host_exit_maintenance(host=h, user=u),
               available=lambda h: h.in_maintenance_mode, dialog=False),
        *HOST_COMMANDS,
        Action("vmkernel-ports", "Properties...", lambda h, d, u: services.host_vmknics_configure(host=h, user=u, ports=d),
               listed=False, tab="configuration",
               title="VMkernel Port Properties",
               form=lambda h, data=None: forms.VmkernelPortsForm(data, host=h)),
        Action("remove", "Remove", lambda h, d, u: services.host_remove(host=h, user=u) or h.cluster or h.datacenter,
               available=lambda h: h.in_maintenance_mode or h.connection_state == "disconnected", danger=True,
               confirm="Remove this host and all its virtual machines from the inventory? Their files stay on the datastores."),
        # --- Simulate failure (issue 10) ---
        _simulate_failure(HOST_KINDS),
        # --- end of Simulate failure ---
    ],
    "vm": [
        Action("power-on", "Power On", _power("power-on"), available=lambda vm: not _is_on(vm), dialog=False),
        Action("power-off", "Power Off", _power("power-off"), available=_is_on,
               confirm="Powering off the virtual machine is like pulling its power cord: the guest does not shut down."),
        Action("shutdown", "Shut Down Guest", _power("shutdown"), available=_is_on, submit="Shut Down",
               confirm="Shut down the guest operating system? VMware Tools asks the guest to shut down cleanly."),
        Action("reset", "Reset", _power("reset"), available=_is_on,
               confirm="Resetting the virtual machine restarts the guest without shutting it down."),
        Action("migrate", "Migrate", lambda vm, d, u: None, wizard=True),
        Action("console", "Open Console", lambda vm, d, u: None, href=lambda vm: reverse("console", args=[vm.lab_id, vm.moid])),
        Action("edit-settings", "Edit Settings", _edit_settings, form=_edit_settings_form),
        Action("take-snapshot", "Take Snapshot",
               lambda vm, d, u: services.vm_snapshot_create(vm=vm, name=d["name"], description=d["description"], user=u) and vm,
               form=lambda o, data=None: forms.SnapshotForm(data, initial={"name": "Snapshot"})),
        Action("delete-snapshot", "Delete Snapshot",
               lambda vm, d, u: services.vm_snapshot_remove(snapshot=d["snapshot"], user=u) or vm,
               form=lambda vm, data=None: forms.SnapshotChoiceForm(data, vm=vm),
               available=lambda vm: _has_snapshots(vm), danger=True, submit="Delete"),
        Action("delete-all-snapshots", "Delete All Snapshots",
               lambda vm, d, u: services.vm_snapshot_remove_all(vm=vm, user=u) and vm,
               available=lambda vm: _has_snapshots(vm), danger=True, confirm="Delete all snapshots of this virtual machine?"),
        rename,
        Action("remove-from-inventory", "Remove from Inventory",
               lambda vm, d, u: _removing_vm(vm, services.vm_unregister, u),
               available=lambda vm: not _is_on(vm), danger=True,
               confirm="Remove this virtual machine from the inventory? Its files stay on the datastore."),
        Action("delete-from-disk", "Delete from Disk",
               lambda vm, d, u: _removing_vm(vm, services.vm_destroy, u),
               available=lambda vm: not _is_on(vm), danger=True,
               confirm="Delete this virtual machine and its files from the datastore? This cannot be undone."),
        _simulate_failure(VM_KINDS),  # Simulate failure (issue 10)
    ],
    "datastore": [rename],
    "network": [],
}


def _has_snapshots(vm) -> bool:
    # asked by two entries of a menu: one read per VM and request
    if "_has_snapshots" not in vm.__dict__:
        vm.__dict__["_has_snapshots"] = vm.snapshots.exists()
    return vm.__dict__["_has_snapshots"]


def actions_for(obj) -> list[Action]:
    return [a for a in ACTIONS[kind_of(obj)] if a.listed and a.available(obj)]


def find_action(obj, slug: str) -> Action | None:
    """The command `slug` of the object's kind, in its menu or a submenu, available or not (its
    service says why not)."""
    every = [e for a in ACTIONS[kind_of(obj)] for e in (a, *a.entries)]
    return next((a for a in every if a.slug == slug and not a.entries), None)


def render_commands(changes, arg: str) -> str:
    """The Commands box of a VM's or host's Summary as it stands (the widget commands:<moid>)."""
    kind, pk = arg.split("-", 1)
    obj = changes.vm(int(pk)) if kind == "vm" else changes.host(int(pk))
    return render_to_string("inventory/partials/commands.html",
                            {"obj": obj, "kind": kind, "actions": actions_for(obj), "pushed": True})


provide_render("commands", render_commands)
