"""The plain facts the checks and the engine work on, read from the inventory."""

from __future__ import annotations

from collections import defaultdict


from inventory.capacity import reservations
from inventory.choices import VmPowerState
from inventory.hardware import EVC_LABELS
from inventory.models import Cluster, Datastore, Host, PortGroup, VirtualMachine, VMkernelNic
from inventory.selectors import datastore_free_mb, in_flight_reservations

from .checks.migrate import Cdrom, DatastoreFacts, HostFacts, Nic, VmFacts


def host_facts(host: Host, *, for_vm: VirtualMachine | None = None, exclude_task=None) -> HostFacts:
    """The host as the checks see it; `exclude_task`: a VMotion whose own CPU reservation is not
    counted against it (at its commit)."""
    return hosts_facts([host], for_vm=for_vm, exclude_task=exclude_task)[host.pk]


def hosts_facts(hosts, *, for_vm: VirtualMachine | None = None, exclude_task=None) -> dict[int, HostFacts]:
    """The facts of many hosts of one lab at once, by host id, in six queries whatever their
    number (the Migrate wizard's compatibility column, the VMotion resources map, the runner).
    The same reservations as `host_reserved`: powered-on VMs, VMs whose Power On is queued or
    running, and the CPU that running VMotions from or to a host hold; `for_vm` is left out of its
    own host's reservations."""
    hosts = list(hosts)
    if not hosts:
        return {}
    ids = [h.pk for h in hosts]
    clusters = {h.cluster_id: h.cluster for h in hosts if h.cluster_id and Host.cluster.is_cached(h)}
    missing = {h.cluster_id for h in hosts if h.cluster_id and h.cluster_id not in clusters}
    if missing:
        clusters.update({c.pk: c for c in Cluster.objects.filter(pk__in=missing)})
    powering, vmotion_cpu = in_flight_reservations(hosts[0].lab_id, exclude_task=exclude_task)
    reserving, vm_counts = defaultdict(list), defaultdict(int)
    powering = {p for p in powering if isinstance(p, int)}
    for vm in VirtualMachine.objects.filter(host_id__in=ids).only(
            "pk", "host_id", "power_state", "cpu_reservation_mhz", "memory_reservation_mb", "num_cpu", "memory_mb",
            "memory_overhead_override_mb"):
        vm_counts[vm.host_id] += 1
        if (vm.power_state == VmPowerState.POWERED_ON or vm.pk in powering) and (for_vm is None or vm.pk != for_vm.pk):
            reserving[vm.host_id].append(vm)
    vmotion_nics = set(VMkernelNic.objects.filter(host_id__in=ids, vmotion=True).values_list("host_id", flat=True))
    networks = defaultdict(set)
    for host_id, name in PortGroup.objects.filter(host_id__in=ids, network__isnull=False).values_list(
            "host_id", "network__name"):
        networks[host_id].add(name)
    datastores = defaultdict(list)
    for host_id, ds_id, backing in Host.datastores.through.objects.filter(host_id__in=ids).values_list(
            "host_id", "datastore_id", "datastore__backing"):
        datastores[host_id].append((ds_id, backing))
    result = {}
    for host in hosts:
        cpu_reserved, memory_reserved = reservations(reserving[host.pk])
        cpu_reserved += vmotion_cpu[host.pk]
        cluster = clusters.get(host.cluster_id)
        result[host.pk] = HostFacts(
            name=host.name, unusable=host.unusable_reason, cpu_vendor=host.cpu_vendor,
            cpu_family=EVC_LABELS.get(host.evc_max, host.cpu_model), cpu_baseline=host.evc_max,
            cpu_supports=frozenset(host.evc_modes),
            evc=f"{cluster.moid}:{cluster.evc_mode}" if cluster is not None and cluster.evc_mode else None,
            vmotion_nic=host.pk in vmotion_nics, networks=frozenset(networks[host.pk]),
            datastores=frozenset(ds for ds, backing in datastores[host.pk]
                                 if host.storage_connected or backing == "local"),
            cpu_unreserved_mhz=max(0, host.cpu_total_mhz - cpu_reserved),
            memory_unreserved_mb=max(0, host.memory_mb - memory_reserved), nic_gbps=host.nic_gbps,
            vms=vm_counts.get(host.pk, 0), connection=host.connection_state,
        )
    return result


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
