"""Virtual machines: create, reconfigure, power, snapshots, remove."""

from __future__ import annotations

from django.db.models import F

from inventory.choices import DISK_PROVISIONING, GUEST_OS, WORKLOAD, DiskProvisioning, Workload, VmPowerState
from inventory.models import (
    Datastore, Host, Network, Snapshot, VirtualDisk, VirtualMachine, VirtualNic,
)
from inventory.rules import (
    MAX_DISKS, cpu_reservation_problems, disk_growth_problems, disk_size_problems, iso_path_problems,
    memory_problems, memory_reservation_problems, overhead_problems, snapshot_problems, switch_problems,
    vcpu_problems,
)
from inventory.selectors import datastore_free_mb, host_reserved
from operations.checks.migrate import MAX_VMS_PER_HOST
from operations.faults import InsufficientResources, InvalidArgument, InvalidState
from operations.services import record
from operations.services.connection import require_manageable
from operations.services.locking import claiming_name, lab_write, reread
from operations.services.tasks import require_idle

from .common import ensure_unique_name, refuse, validated
from .quotas import require_vm_room

MAX_SNAPSHOTS = 32


def _where(vm: VirtualMachine) -> str:
    return f"{vm.name} on {vm.host.name} in {vm.host.datacenter.name}"


def _require_usable_host(host: Host, doing: str) -> None:
    if not host.is_usable:
        raise InvalidState(f"Cannot {doing}: host {host.name} {host.unusable_reason}.")


def _require_space(datastore: Datastore, needed_mb: int) -> None:
    free = datastore_free_mb(datastore)
    if needed_mb > free:
        raise InsufficientResources(
            f"Insufficient disk space on datastore '{datastore.name}': {needed_mb:,} MB needed, {free:,} MB free."
        )


def _disk_used_mb(capacity_mb: int, provisioning: str) -> int:
    # thick disks take their full size at once; a thin disk grows as the guest writes
    return 0 if provisioning == DiskProvisioning.THIN else capacity_mb


@lab_write("host")
def vm_create(
    *, host: Host, name: str, user, datastore: Datastore, network: Network, guest_os: str, num_cpu: int,
    memory_mb: int, disk_mb: int, provisioning: str, workload: str = Workload.IDLE,
) -> VirtualMachine:
    """New Virtual Machine (Typical): one disk, one network adapter, powered off."""
    host = reread(host, "lab", "datacenter")
    lab = host.lab
    name = ensure_unique_name(VirtualMachine, lab=lab, name=name)
    refuse(GUEST_OS.problems(guest_os), vcpu_problems(num_cpu), memory_problems(memory_mb), disk_size_problems(disk_mb),
           DISK_PROVISIONING.problems(provisioning), WORKLOAD.problems(workload))
    datastore, network = reread(datastore), reread(network)
    require_manageable(host)
    _require_usable_host(host, "create a virtual machine")
    if not datastore.hosts.filter(pk=host.pk).exists():
        raise InvalidArgument(f"Datastore {datastore.name} is not accessible from host {host.name}.")
    if not host.portgroups.filter(network=network).exists():
        raise InvalidArgument(f"Network {network.name} has no port group on host {host.name}.")
    if host.vms.count() >= MAX_VMS_PER_HOST:
        raise InvalidState(f"Host {host.name} already has {MAX_VMS_PER_HOST} virtual machines, the vSphere 4.1 maximum.")
    require_vm_room(lab)
    used = _disk_used_mb(disk_mb, provisioning)
    _require_space(datastore, used)
    vm = validated(VirtualMachine(
        lab=lab, host=host, datastore=datastore, name=name, guest_os=guest_os, num_cpu=num_cpu,
        memory_mb=memory_mb, workload=workload,
    ))
    with claiming_name(f"The name '{name}' already exists."):
        vm.save()
    VirtualDisk.objects.create(vm=vm, datastore=datastore, capacity_mb=disk_mb, provisioning=provisioning, used_mb=used)
    VirtualNic.objects.create(vm=vm, network=network)
    record(lab=lab, task_name="Create virtual machine", target=vm, user=user,
           event_type="VmCreatedEvent", message=f"Created virtual machine {_where(vm)}")
    return vm


def _locked(vm: VirtualMachine) -> VirtualMachine:
    """The VM row as committed now, locked (only its own row: the lab's lock is already held)."""
    try:
        return VirtualMachine.objects.select_for_update(of=("self",)).select_related(
            "host", "host__datacenter", "lab").get(pk=vm.pk)
    except VirtualMachine.DoesNotExist:
        raise InvalidState(f"{vm.name} is no longer in the inventory.") from None


@lab_write("vm")
def vm_reconfigure(
    *, vm: VirtualMachine, user, num_cpu: int | None = None, memory_mb: int | None = None,
    cpu_reservation_mhz: int | None = None, memory_reservation_mb: int | None = None,
    memory_overhead_override_mb: int | None | str = "keep", workload: str | None = None,
    disk_sizes_mb: dict[str, int] | None = None, cdrom: dict | None = None,
) -> VirtualMachine:
    """Edit Settings. CPU and memory change only while powered off (no hot add in this lab);
    reservations and the workload change at any time; disks only grow, and not under snapshots.
    `cdrom` = {"datastore", "iso", "connected"} backs CD/DVD drive 1 with an ISO file."""
    refuse(_settings_problems(num_cpu, memory_mb, memory_overhead_override_mb, workload))
    vm = _locked(vm)
    require_manageable(vm.host)
    require_idle(vm)
    if cdrom is not None:
        _set_cdrom(vm, **cdrom)
    cpu_changes = num_cpu is not None and num_cpu != vm.num_cpu
    memory_changes = memory_mb is not None and memory_mb != vm.memory_mb
    if cpu_changes or memory_changes:
        if vm.power_state != VmPowerState.POWERED_OFF:
            raise InvalidState(f"Power off {vm.name} to change its number of virtual CPUs or its memory.")
        if vm.ft_role:
            raise InvalidState(f"{vm.name} is protected by Fault Tolerance; its CPU and memory cannot change.")
        vm.num_cpu = num_cpu if num_cpu is not None else vm.num_cpu
        vm.memory_mb = memory_mb if memory_mb is not None else vm.memory_mb
    if cpu_reservation_mhz is not None:
        refuse(cpu_reservation_problems(cpu_reservation_mhz, num_cpu=vm.num_cpu, host_mhz=vm.host.cpu_mhz,
                                        host_name=vm.host.name))
        vm.cpu_reservation_mhz = cpu_reservation_mhz
    if memory_reservation_mb is not None:
        vm.memory_reservation_mb = memory_reservation_mb
    refuse(memory_reservation_problems(vm.memory_reservation_mb, memory_mb=vm.memory_mb))
    if memory_overhead_override_mb != "keep":
        vm.memory_overhead_override_mb = memory_overhead_override_mb
    if workload is not None:
        vm.workload = workload
    if vm.is_powered_on:
        _check_host_reservations(vm, vm.host)
    validated(vm)
    vm.save()
    for label, new_mb in (disk_sizes_mb or {}).items():
        _grow_disk(vm, label, new_mb)
    record(lab=vm.lab, task_name="Reconfigure virtual machine", target=vm, user=user,
           event_type="VmReconfiguredEvent", message=f"Reconfigured {_where(vm)}")
    return vm


def _settings_problems(num_cpu, memory_mb, overhead_mb, workload) -> list[str]:
    """Edit Settings' values that need no other object to be judged (None: unchanged)."""
    return [
        *(vcpu_problems(num_cpu) if num_cpu is not None else []),
        *(memory_problems(memory_mb) if memory_mb is not None else []),
        *(overhead_problems(overhead_mb) if overhead_mb != "keep" else []),
        *(WORKLOAD.problems(workload) if workload is not None else []),
    ]


def _set_cdrom(vm: VirtualMachine, *, datastore: Datastore | None, iso: str, connected: bool) -> None:
    if datastore is None:
        vm.cdrom_datastore, vm.cdrom_iso, vm.cdrom_connected = None, "", False
        return
    if not datastore.hosts.filter(pk=vm.host_id).exists():
        raise InvalidArgument(f"Datastore {datastore.name} is not accessible from host {vm.host.name}.")
    refuse(iso_path_problems(iso), switch_problems(cd_dvd_connected=connected))
    vm.cdrom_datastore, vm.cdrom_iso, vm.cdrom_connected = datastore, iso.strip(), connected


def _grow_disk(vm: VirtualMachine, label: str, new_mb: int) -> None:
    disk = vm.disks.select_related("datastore").filter(label=label).first()
    if disk is None:
        raise InvalidArgument(f"{vm.name} has no disk named '{label}'.")
    if new_mb == disk.capacity_mb:
        return
    refuse(disk_growth_problems(label, disk.capacity_mb, new_mb))
    if vm.snapshots.exists():
        raise InvalidState(f"{label} of {vm.name} cannot be extended while the virtual machine has snapshots.")
    grow = 0 if disk.is_thin else new_mb - disk.capacity_mb
    _require_space(disk.datastore, grow)
    disk.capacity_mb = new_mb
    disk.used_mb += grow
    disk.save(update_fields=["capacity_mb", "used_mb"])


@lab_write("vm")
def vm_add_disk(*, vm: VirtualMachine, user, capacity_mb: int, provisioning: str, datastore: Datastore | None = None) -> VirtualDisk:
    vm = _locked(vm)
    require_manageable(vm.host)
    require_idle(vm)
    datastore = datastore or vm.datastore
    if vm.disks.count() >= MAX_DISKS:
        raise InvalidState(f"{vm.name} already has {MAX_DISKS} disks.")
    refuse(disk_size_problems(capacity_mb), DISK_PROVISIONING.problems(provisioning))
    if not datastore.hosts.filter(pk=vm.host_id).exists():
        raise InvalidArgument(f"Datastore {datastore.name} is not accessible from host {vm.host.name}.")
    used = _disk_used_mb(capacity_mb, provisioning)
    _require_space(datastore, used)
    labels = set(vm.disks.values_list("label", flat=True))
    n = 1
    while f"Hard disk {n}" in labels:
        n += 1
    disk = VirtualDisk.objects.create(
        vm=vm, label=f"Hard disk {n}", datastore=datastore, capacity_mb=capacity_mb, provisioning=provisioning, used_mb=used,
    )
    record(lab=vm.lab, task_name="Reconfigure virtual machine", target=vm, user=user,
           event_type="VmReconfiguredEvent", message=f"Reconfigured {_where(vm)}: added {disk.label}")
    return disk


def _check_host_reservations(vm: VirtualMachine, host: Host, exclude_task=None) -> None:
    """Host-level admission: what is reserved on the host (its running VMs, the power-ons admitted
    and the CPU of high-priority VMotions: selectors.host_reserved) plus the VM must fit it."""
    cpu_reserved, mem_reserved = host_reserved(host, exclude_vm=vm, exclude_task=exclude_task)
    need_cpu = vm.cpu_reservation_mhz
    need_mem = vm.memory_reservation_mb + vm.memory_overhead_mb
    if cpu_reserved + need_cpu > host.cpu_total_mhz or mem_reserved + need_mem > host.memory_mb:
        raise InsufficientResources(
            f"Insufficient resources on host {host.name}: {vm.name} reserves {need_cpu} MHz and {need_mem} MB "
            f"(with overhead); {max(0, host.cpu_total_mhz - cpu_reserved)} MHz and "
            f"{max(0, host.memory_mb - mem_reserved)} MB are unreserved."
        )


@lab_write("vm")
def vm_snapshot_create(*, vm: VirtualMachine, name: str, description: str = "", user) -> Snapshot:
    vm = _locked(vm)
    require_manageable(vm.host)
    require_idle(vm)
    refuse(snapshot_problems(name, description))
    name = name.strip()
    if vm.ft_role:
        raise InvalidState(f"{vm.name} is protected by Fault Tolerance, which does not support snapshots.")
    if vm.snapshots.count() >= MAX_SNAPSHOTS:
        raise InvalidState(f"{vm.name} already has {MAX_SNAPSHOTS} snapshots, the maximum in one chain.")
    snapshot = Snapshot.objects.create(vm=vm, name=name, description=description, sim_seconds=vm.lab.sim_seconds)
    record(lab=vm.lab, task_name="Create virtual machine snapshot", target=vm, user=user,
           event_type="VmSnapshotCreatedEvent", message=f"Created snapshot '{name}' of {_where(vm)}")
    return snapshot


@lab_write("snapshot")
def vm_snapshot_remove(*, snapshot: Snapshot, user) -> None:
    vm = _locked(snapshot.vm)
    require_manageable(vm.host)
    snapshot = reread(snapshot)
    name = snapshot.name
    snapshot.delete()
    record(lab=vm.lab, task_name="Remove snapshot", target=vm, user=user,
           event_type="VmSnapshotRemovedEvent", message=f"Removed snapshot '{name}' of {_where(vm)}")


@lab_write("vm")
def vm_snapshot_remove_all(*, vm: VirtualMachine, user) -> int:
    vm = _locked(vm)
    require_manageable(vm.host)
    require_idle(vm)
    count, _ = vm.snapshots.all().delete()
    if not count:
        raise InvalidState(f"{vm.name} has no snapshots.")
    record(lab=vm.lab, task_name="Remove all snapshots", target=vm, user=user,
           event_type="VmSnapshotRemovedEvent", message=f"Removed all {count} snapshot(s) of {_where(vm)}")
    return count


def vm_files_left_behind(vm: VirtualMachine) -> None:
    """A VM removed from inventory leaves its files: the space stays used on its datastores."""
    for disk in vm.disks.all():
        Datastore.objects.filter(pk=disk.datastore_id).update(other_used_mb=F("other_used_mb") + disk.used_mb)


def _require_off(vm: VirtualMachine, doing: str) -> None:
    if vm.power_state != VmPowerState.POWERED_OFF:
        raise InvalidState(f"Power off {vm.name} before you {doing}.")
    if vm.ft_role:
        raise InvalidState(f"Turn off Fault Tolerance for {vm.name} before you {doing}.")


@lab_write("vm")
def vm_unregister(*, vm: VirtualMachine, user) -> None:
    """Remove from Inventory: vCenter forgets the VM; its files stay on the datastore."""
    vm = _locked(vm)
    require_idle(vm)
    _require_off(vm, "remove it from the inventory")
    vm_files_left_behind(vm)
    record(lab=vm.lab, task_name="Unregister virtual machine", target=vm, user=user,
           event_type="VmRemovedEvent", message=f"Removed {vm.name} on {vm.host.name} from {vm.host.datacenter.name}")
    vm.delete()


@lab_write("vm")
def vm_destroy(*, vm: VirtualMachine, user) -> None:
    """Delete from Disk: the VM and its files are gone; the datastore space is freed (the host
    deletes them: it must be reachable). Remove from Inventory needs only vCenter."""
    vm = _locked(vm)
    require_manageable(vm.host)
    require_idle(vm)
    _require_off(vm, "delete it")
    record(lab=vm.lab, task_name="Delete virtual machine", target=vm, user=user,
           event_type="VmRemovedEvent", message=f"Deleted {vm.name} on {vm.host.name} from {vm.host.datacenter.name}")
    vm.delete()
