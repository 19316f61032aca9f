"""The plain facts the checks and the engine work on, read from the inventory."""

from __future__ import annotations

from inventory.choices import VmPowerState
from inventory.hardware import EVC_LABELS
from inventory.models import Datastore, Host, VirtualMachine
from inventory.selectors import datastore_free_mb, host_reserved

from .checks.migrate import Cdrom, DatastoreFacts, HostFacts, Nic, VmFacts


def host_facts(host: Host, *, for_vm: VirtualMachine | None = None, exclude_task=None) -> HostFacts:
    """The host as the checks see it; `exclude_task`: a VMotion whose own CPU reservation is not
    counted against it (at its commit)."""
    cpu_reserved, memory_reserved = host_reserved(host, exclude_vm=for_vm, exclude_task=exclude_task)
    cluster = host.cluster
    return HostFacts(
        name=host.name, unusable=host.unusable_reason, cpu_vendor=host.cpu_vendor,
        cpu_family=EVC_LABELS.get(host.evc_max, host.cpu_model), cpu_baseline=host.evc_max,
        cpu_supports=frozenset(host.evc_modes),
        evc=f"{cluster.moid}:{cluster.evc_mode}" if cluster is not None and cluster.evc_mode else None,
        vmotion_nic=host.vmknics.filter(vmotion=True).exists(),
        networks=frozenset(host.portgroups.filter(network__isnull=False).values_list("network__name", flat=True)),
        datastores=frozenset(reachable_datastores(host)),
        cpu_unreserved_mhz=max(0, host.cpu_total_mhz - cpu_reserved),
        memory_unreserved_mb=max(0, host.memory_mb - memory_reserved), nic_gbps=host.nic_gbps,
        vms=host.vms.count(), connection=host.connection_state,
    )


def reachable_datastores(host: Host) -> list[int]:
    """The host's datastores it can reach now: only its local ones while its storage is down."""
    datastores = host.datastores.all()
    if not host.storage_connected:
        datastores = datastores.filter(backing="local")
    return list(datastores.values_list("pk", flat=True))


def vm_facts(vm: VirtualMachine) -> VmFacts:
    disks = list(vm.disks.select_related("datastore"))
    datastores = {vm.datastore_id: vm.datastore.name}
    datastores.update({d.datastore_id: d.datastore.name for d in disks})
    cdrom = None
    if vm.cdrom_datastore_id:
        cdrom = Cdrom(vm.cdrom_iso, vm.cdrom_datastore_id, vm.cdrom_datastore.name, vm.cdrom_connected)
    return VmFacts(
        name=vm.name, powered_on=vm.power_state == VmPowerState.POWERED_ON, memory_mb=vm.memory_mb,
        cpu_reservation_mhz=vm.cpu_reservation_mhz,
        memory_needed_mb=vm.memory_reservation_mb + vm.memory_overhead_mb, workload=vm.workload,
        datastores=datastores,
        nics=tuple(Nic(n.label, n.network.name, n.connected) for n in vm.nics.select_related("network")),
        cdrom=cdrom, snapshots=vm.snapshots.count(), ft_role=vm.ft_role,
        used_mb=sum(d.used_mb for d in disks),
    )


def datastore_facts(datastore: Datastore) -> DatastoreFacts:
    return DatastoreFacts(
        id=datastore.pk, name=datastore.name, free_mb=datastore_free_mb(datastore),
        hosts=frozenset(datastore.hosts.values_list("name", flat=True)),
    )
