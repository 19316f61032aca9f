"""Migrate wizard compatibility (REFERENCE.md §4): what vCenter checks before a VMotion, a Storage
VMotion or a cold migration."""

from __future__ import annotations

from dataclasses import dataclass, field

from inventory.hardware import evc_supported
from operations.engine import vmotion
from operations.engine.workloads import WORKLOADS

from . import ERROR, WARNING, Problem
from .connection import connection_problems

MAX_VMS_PER_HOST = 320  # vSphere 4.1 (REFERENCE.md §5)


@dataclass(frozen=True)
class HostFacts:
    name: str
    unusable: str | None  # why no VM can run or arrive there (maintenance, disconnected), or None
    cpu_vendor: str  # "intel" or "amd"
    cpu_family: str  # its newest EVC baseline's name, e.g. "AMD Opteron Generation 3"
    cpu_baseline: str  # that baseline's key: the CPU features a VM started there may use
    cpu_supports: frozenset[str]  # every baseline the CPU can run
    evc: str | None  # "domain-c7:amd-rev-e": the EVC cluster and its baseline, when EVC is on
    vmotion_nic: bool
    networks: frozenset[str]
    datastores: frozenset[int]
    cpu_unreserved_mhz: int
    memory_unreserved_mb: int
    nic_gbps: int = 1
    vms: int = 0  # virtual machines registered on it
    connection: str = "connected"  # vCenter's view: connected, notResponding, disconnected


@dataclass(frozen=True)
class Nic:
    label: str
    network: str
    connected: bool


@dataclass(frozen=True)
class Cdrom:
    iso: str
    datastore_id: int
    datastore: str
    connected: bool


@dataclass(frozen=True)
class VmFacts:
    name: str
    powered_on: bool
    memory_mb: int
    cpu_reservation_mhz: int
    memory_needed_mb: int  # reservation + overhead: what the destination must hold back
    workload: str
    datastores: dict[int, str]  # home and disks: id -> name
    nics: tuple[Nic, ...] = ()
    cdrom: Cdrom | None = None
    snapshots: int = 0
    ft_role: str = ""
    used_mb: int = 0  # what its files take, which the destination datastore must have free


@dataclass(frozen=True)
class DatastoreFacts:
    id: int
    name: str
    free_mb: int
    hosts: frozenset[str] = field(default_factory=frozenset)


def _live(vm: VmFacts) -> bool:
    return vm.powered_on


def check_connected(*hosts: HostFacts) -> list[Problem]:
    """The connection rule (checks/connection.py) for the source and the destination alike."""
    return [Problem(ERROR, m) for h in hosts for m in connection_problems(h.name, h.connection)]


def check_destination_host(vm: VmFacts, src: HostFacts, dst: HostFacts) -> list[Problem]:
    if dst.name == src.name:
        return [Problem(ERROR, f"{vm.name} already runs on {dst.name}. Select another host.")]
    if dst.unusable:
        return [Problem(ERROR, f"Host {dst.name} {dst.unusable}.")]
    if dst.vms >= MAX_VMS_PER_HOST:
        return [Problem(ERROR, f"Host {dst.name} already has {MAX_VMS_PER_HOST} virtual machines, the vSphere 4.1 "
                               f"maximum.")]
    return []


def check_cpu(vm: VmFacts, src: HostFacts, dst: HostFacts) -> list[Problem]:
    """Same vendor and a destination CPU with every feature of the source's (same or newer
    family), or two hosts of one EVC cluster; never Intel <-> AMD.
    A powered-off VM boots afresh on the new CPU: only a warning."""
    severity = ERROR if _live(vm) else WARNING
    if src.cpu_vendor != dst.cpu_vendor:
        return [Problem(severity,
            f"The CPU of host {dst.name} ({_vendor(dst)}) is incompatible with the CPU {vm.name} runs on "
            f"({_vendor(src)}): VMotion cannot move a running virtual machine between Intel and AMD processors.")]
    if dst.evc and dst.evc != src.evc:
        mode = dst.evc.split(":", 1)[1]
        uses = src.evc.split(":", 1)[1] if src.evc else src.cpu_baseline  # the features the VM may use now
        if uses not in evc_supported(dst.cpu_vendor, mode):
            return [Problem(severity,
                f"The EVC mode of the cluster of {dst.name} hides CPU features {vm.name} may use on {src.name}: "
                f"power it off to move it in, or raise the cluster's EVC mode.")]
    if src.cpu_baseline not in dst.cpu_supports and not (src.evc and src.evc == dst.evc):
        return [Problem(severity,
            f"Host {dst.name} has an {dst.cpu_family} CPU, which lacks features of the {src.cpu_family} CPU "
            f"{vm.name} runs on. Put both hosts in a cluster with EVC enabled to migrate between them.")]
    return []


def _vendor(host: HostFacts) -> str:
    return {"intel": "Intel", "amd": "AMD"}.get(host.cpu_vendor, host.cpu_vendor)


def check_vmotion_network(vm: VmFacts, src: HostFacts, dst: HostFacts) -> list[Problem]:
    if not _live(vm):
        return []
    return [
        Problem(ERROR, f"Host {h.name} has no VMkernel port enabled for VMotion. Enable VMotion on a VMkernel "
                       f"port in Configuration > Networking.")
        for h in (src, dst) if not h.vmotion_nic
    ]


def check_shared_storage(vm: VmFacts, dst: HostFacts) -> list[Problem]:
    return [
        Problem(ERROR, f"Datastore '{name}' of {vm.name} is not accessible from host {dst.name}: the files of "
                       f"the virtual machine must be on storage both hosts share.")
        for ds_id, name in vm.datastores.items() if ds_id not in dst.datastores
    ]


def check_networks(vm: VmFacts, dst: HostFacts) -> list[Problem]:
    problems = []
    for nic in vm.nics:
        if nic.network in dst.networks:
            continue
        if nic.connected and _live(vm):
            problems.append(Problem(ERROR, f"{nic.label} uses network '{nic.network}', which has no port group on "
                                           f"host {dst.name}."))
        else:
            problems.append(Problem(WARNING, f"{nic.label} uses network '{nic.network}', which has no port group on "
                                             f"host {dst.name}; it will not be connected there."))
    return problems


def check_local_devices(vm: VmFacts, dst: HostFacts) -> list[Problem]:
    cd = vm.cdrom
    if cd is None or cd.datastore_id in dst.datastores:
        return []
    if cd.connected and _live(vm):
        return [Problem(ERROR, f"CD/DVD drive 1 is connected to [{cd.datastore}] {cd.iso}, a host-local device "
                               f"that host {dst.name} cannot reach. Disconnect it first.")]
    return [Problem(WARNING, f"CD/DVD drive 1 uses [{cd.datastore}] {cd.iso}, which host {dst.name} cannot reach.")]


def check_resources(vm: VmFacts, dst: HostFacts) -> list[Problem]:
    if not _live(vm):
        return []
    problems = []
    if vm.cpu_reservation_mhz > dst.cpu_unreserved_mhz:
        problems.append(Problem(ERROR, f"Insufficient CPU resources on {dst.name}: {vm.name} reserves "
                                       f"{vm.cpu_reservation_mhz} MHz, {dst.cpu_unreserved_mhz} MHz are unreserved."))
    if vm.memory_needed_mb > dst.memory_unreserved_mb:
        problems.append(Problem(ERROR, f"Insufficient memory resources on {dst.name}: {vm.name} needs "
                                       f"{vm.memory_needed_mb} MB reserved with overhead, {dst.memory_unreserved_mb} MB "
                                       f"are unreserved."))
    return problems


def check_convergence(vm: VmFacts, src: HostFacts, dst: HostFacts) -> list[Problem]:
    """[model] A warning a teacher wants: the pre-copy cannot converge on this network."""
    if not _live(vm):
        return []
    dirty = WORKLOADS[vm.workload].dirty_mb_s
    link = min(vmotion.link_mb_s(src.nic_gbps), vmotion.link_mb_s(dst.nic_gbps))
    if dirty < link:
        return []
    return [Problem(WARNING, f"{vm.name} dirties memory at about {dirty:.0f} MB/s, faster than the VMotion network "
                             f"copies it ({link:.0f} MB/s): the migration may not converge and fail after 100 s.")]


def check_fault_tolerance(vm: VmFacts) -> list[Problem]:
    if vm.ft_role == "secondary":
        return [Problem(ERROR, f"{vm.name} is a Fault Tolerance secondary: use Fault Tolerance > Migrate Secondary.")]
    return []


def host_problems(vm: VmFacts, src: HostFacts, dst: HostFacts) -> list[Problem]:
    """Change host: a VMotion when the VM runs, a cold migration when it is off."""
    problems = check_connected(src, dst) or check_destination_host(vm, src, dst)
    if problems:
        return problems
    return [
        *check_fault_tolerance(vm), *check_cpu(vm, src, dst), *check_vmotion_network(vm, src, dst),
        *check_shared_storage(vm, dst), *check_networks(vm, dst), *check_local_devices(vm, dst),
        *check_resources(vm, dst), *check_convergence(vm, src, dst),
    ]


def datastore_problems(vm: VmFacts, host: HostFacts, ds: DatastoreFacts) -> list[Problem]:
    """Change datastore: a Storage VMotion when the VM runs (not with snapshots), a cold
    relocation when it is off. `host` is where the VM will run."""
    if vm.datastores and set(vm.datastores) == {ds.id}:
        return [Problem(ERROR, f"All files of {vm.name} are already on {ds.name}. Select another datastore.")]
    problems = check_connected(host)
    if problems:
        return problems
    problems = [*check_fault_tolerance(vm)]
    if ds.id not in host.datastores:
        problems.append(Problem(ERROR, f"Datastore {ds.name} is not accessible from host {host.name}."))
    if vm.snapshots and _live(vm):
        problems.append(Problem(ERROR, f"{vm.name} has {vm.snapshots} snapshot(s): Storage VMotion does not support "
                                       f"virtual machines with snapshots. Delete them, or power the VM off."))
    to_copy = vm.used_mb
    if to_copy > ds.free_mb:
        problems.append(Problem(ERROR, f"Insufficient disk space on datastore '{ds.name}': {to_copy:,} MB needed, "
                                       f"{ds.free_mb:,} MB free."))
    return problems


def check_change_both(vm: VmFacts) -> list[Problem]:
    """Change both host and datastore: a cold migration only, in vSphere 4."""
    if _live(vm):
        return [Problem(ERROR, f"Power off {vm.name} to change both its host and its datastore: vSphere 4 moves a "
                               f"running virtual machine's host or its storage, one at a time.")]
    return []


def both_problems(vm: VmFacts, src: HostFacts, dst: HostFacts, ds: DatastoreFacts) -> list[Problem]:
    """Change both host and datastore: a cold migration only, in vSphere 4."""
    problems = check_change_both(vm)
    if problems:
        return problems
    problems = check_connected(src, dst) or check_destination_host(vm, src, dst)
    if problems:
        return problems
    return [*check_cpu(vm, src, dst), *check_networks(vm, dst), *check_local_devices(vm, dst),
            *datastore_problems(vm, dst, ds)]
