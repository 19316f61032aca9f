"""Bulk construction of inventory: the presets build whole labs here, and Add Host builds one
host's networking here too, so a host made either way looks the same."""

from __future__ import annotations

from dataclasses import dataclass

from inventory.choices import DiskProvisioning, StorageBacking, VmPowerState, Workload
from inventory.hardware import ESX_BUILDS, PROFILES_BY_KEY
from inventory.models import (
    Cluster, Datacenter, Datastore, Host, Lab, Network, PortGroup, VirtualDisk, VirtualMachine, VirtualNic,
    VirtualSwitch, VMkernelNic,
)

BATCH = 2000
LOCAL_DATASTORE_MB = 136 * 1024
VMFS_METADATA_MB = 600

# VMs a preset starts running have been up for three days: booted, VMware Tools running,
# a user session open in the guest. (Negative: before the lab's simulated clock starts.)
PRESET_UPTIME_S = -3 * 86400.0


@dataclass
class HostPlan:
    name: str
    profile: str
    management_ip: str
    vmkernel_ip: str | None = None  # a VMkernel port for storage and VMotion on vSwitch1
    vmotion: bool = True
    cluster: str | None = None
    esx_version: str = "4.0.0"


@dataclass
class DatastorePlan:
    name: str
    capacity_mb: int
    backing: str = StorageBacking.ISCSI
    hosts: list[str] | None = None  # None: every host of the lab


@dataclass
class VmPlan:
    name: str
    host: str
    datastore: str
    guest_os: str
    num_cpu: int
    memory_mb: int
    disk_mb: int
    provisioning: str = DiskProvisioning.LAZY_ZEROED
    thin_used_mb: int = 0
    powered_on: bool = False
    workload: str = Workload.IDLE


def build_networking(rows: list[tuple[Host, str, str | None, bool]], network: Network) -> None:
    """vSwitch0 (vmnic0) with VM Network and the Management Network (vmk0); with a VMkernel IP,
    vSwitch1 (vmnic1) with the VMkernel port group (vmk1) for iSCSI and VMotion."""
    vswitches = []
    for host, _mgmt, vmk_ip, _vmotion in rows:
        vswitches.append(VirtualSwitch(host=host, name="vSwitch0", uplinks="vmnic0"))
        if vmk_ip:
            vswitches.append(VirtualSwitch(host=host, name="vSwitch1", uplinks="vmnic1"))
    VirtualSwitch.objects.bulk_create(vswitches, batch_size=BATCH)
    by_host = {(vs.host_id, vs.name): vs for vs in vswitches}
    groups, kernel = [], []
    for host, mgmt_ip, vmk_ip, vmotion in rows:
        vs0 = by_host[(host.pk, "vSwitch0")]
        groups.append(PortGroup(host=host, vswitch=vs0, network=network, name=network.name))
        mgmt = PortGroup(host=host, vswitch=vs0, name="Management Network")
        groups.append(mgmt)
        kernel.append((mgmt, VMkernelNic(host=host, device="vmk0", ip=mgmt_ip, management=True)))
        if vmk_ip:
            pg = PortGroup(host=host, vswitch=by_host[(host.pk, "vSwitch1")], name="VMkernel")
            groups.append(pg)
            kernel.append((pg, VMkernelNic(host=host, device="vmk1", ip=vmk_ip, vmotion=vmotion)))
    PortGroup.objects.bulk_create(groups, batch_size=BATCH)
    for pg, nic in kernel:
        nic.portgroup = pg
    VMkernelNic.objects.bulk_create([nic for _, nic in kernel], batch_size=BATCH)


def local_datastore_names(lab: Lab, count: int) -> list[str]:
    """ESXi names each host's local VMFS volume datastore1, then datastore1 (1), (2)..."""
    taken = {n.lower() for n in Datastore.objects.filter(lab=lab, name__istartswith="datastore1").values_list("name", flat=True)}
    names, n = [], 0
    while len(names) < count:
        name = "datastore1" if n == 0 else f"datastore1 ({n})"
        if name.lower() not in taken:
            names.append(name)
        n += 1
    return names


def add_local_datastores(lab: Lab, datacenter: Datacenter, hosts: list[Host]) -> None:
    names = local_datastore_names(lab, len(hosts))
    locals_ = Datastore.objects.bulk_create([
        Datastore(lab=lab, datacenter=datacenter, name=name, backing=StorageBacking.LOCAL,
                  capacity_mb=LOCAL_DATASTORE_MB, other_used_mb=VMFS_METADATA_MB)
        for name in names
    ], batch_size=BATCH)
    Through = Datastore.hosts.through
    Through.objects.bulk_create(
        [Through(datastore_id=ds.pk, host_id=h.pk) for ds, h in zip(locals_, hosts)], batch_size=BATCH
    )


def vm_network(lab: Lab, datacenter: Datacenter) -> Network:
    network = Network.objects.filter(lab=lab, name__iexact="VM Network").first()
    return network or Network.objects.create(lab=lab, datacenter=datacenter, name="VM Network")


def build_lab(
    lab: Lab, *, datacenter: str, clusters: list[str], hosts: list[HostPlan], datastores: list[DatastorePlan],
    vms: list[VmPlan], cluster_options: dict | None = None,
) -> None:
    dc = Datacenter.objects.create(lab=lab, name=datacenter)
    network = vm_network(lab, dc)
    cluster_objs = {
        name: Cluster.objects.create(lab=lab, datacenter=dc, name=name, **(cluster_options or {})) for name in clusters
    }
    host_objs = []
    for plan in hosts:
        host_objs.append(Host(
            lab=lab, datacenter=dc, cluster=cluster_objs.get(plan.cluster), name=plan.name,
            esx_version=plan.esx_version, esx_build=ESX_BUILDS[plan.esx_version],
            **PROFILES_BY_KEY[plan.profile].spec.__dict__,
        ))
    Host.objects.bulk_create(host_objs, batch_size=BATCH)
    by_name = {h.name: h for h in host_objs}
    build_networking(
        [(by_name[p.name], p.management_ip, p.vmkernel_ip, p.vmotion) for p in hosts], network
    )
    shared = Datastore.objects.bulk_create([
        Datastore(lab=lab, datacenter=dc, name=d.name, backing=d.backing, capacity_mb=d.capacity_mb,
                  type="NFS" if d.backing == StorageBacking.NFS else "VMFS",
                  other_used_mb=0 if d.backing == StorageBacking.NFS else VMFS_METADATA_MB)
        for d in datastores
    ])
    Through = Datastore.hosts.through
    Through.objects.bulk_create([
        Through(datastore_id=ds.pk, host_id=by_name[h].pk if isinstance(h, str) else h.pk)
        for ds, plan in zip(shared, datastores)
        for h in (plan.hosts if plan.hosts is not None else host_objs)
    ], batch_size=BATCH)
    add_local_datastores(lab, dc, host_objs)
    ds_by_name = {d.name: d for d in Datastore.objects.filter(lab=lab)}
    vm_objs = [
        VirtualMachine(
            lab=lab, name=v.name, host=by_name[v.host], datastore=ds_by_name[v.datastore], guest_os=v.guest_os,
            num_cpu=v.num_cpu, memory_mb=v.memory_mb, workload=v.workload,
            power_state=VmPowerState.POWERED_ON if v.powered_on else VmPowerState.POWERED_OFF,
            powered_on_at=PRESET_UPTIME_S if v.powered_on else None,
        )
        for v in vms
    ]
    VirtualMachine.objects.bulk_create(vm_objs, batch_size=BATCH)
    VirtualDisk.objects.bulk_create([
        VirtualDisk(
            vm=vm, datastore=vm.datastore, capacity_mb=v.disk_mb, provisioning=v.provisioning,
            used_mb=v.thin_used_mb if v.provisioning == DiskProvisioning.THIN else v.disk_mb,
        )
        for vm, v in zip(vm_objs, vms)
    ], batch_size=BATCH)
    VirtualNic.objects.bulk_create([VirtualNic(vm=vm, network=network) for vm in vm_objs], batch_size=BATCH)
