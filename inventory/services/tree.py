"""Datacenters, clusters and hosts: building the Hosts and Clusters tree."""

from __future__ import annotations

import ipaddress

from inventory.builder import add_local_datastores, build_networking, vm_network
from inventory.choices import ADMISSION_CONTROL_POLICY, ConnectionState, StorageBacking, VmPowerState
from inventory.hardware import ESX_BUILDS, EVC_LABELS, HostSpec, evc_supported
from inventory.models import (
    Cluster, Datacenter, Datastore, Host, Lab, Network, VMkernelNic,
)
from inventory.rules import (
    ESX_VERSION, EVC_MODE, failover_problems, host_name_problems, host_spec_problems, management_ip_problems,
    switch_problems,
)
from operations.faults import InvalidArgument, InvalidState, ResourceBusy, ResourceInUse
from operations.models import Task, TaskState
from operations.services import record
from operations.services.connection import require_manageable
from operations.services.locking import claiming_name, lab_write, reread

from .common import ensure_unique_name, refuse, validated
from .quotas import require_host_room
from .vms import vm_files_left_behind

MAX_HOSTS_PER_CLUSTER = 32
MAX_HOSTS_PER_VCENTER = 1000
MANAGEMENT_NET = ipaddress.ip_network("192.168.1.0/24")
VMKERNEL_NET = ipaddress.ip_network("10.0.0.0/24")


@lab_write("lab")
def datacenter_create(*, lab: Lab, name: str, user) -> Datacenter:
    name = ensure_unique_name(Datacenter, lab=lab, name=name)
    with claiming_name(f"The name '{name}' already exists."):
        datacenter = Datacenter.objects.create(lab=lab, name=name)
    record(lab=lab, task_name="Create datacenter", target=datacenter, user=user,
           event_type="DatacenterCreatedEvent", message=f"Created datacenter {name} in folder Datacenters")
    return datacenter


@lab_write("datacenter")
def cluster_create(
    *, datacenter: Datacenter, name: str, user, ha_enabled: bool = False, drs_enabled: bool = False,
    evc_mode: str = "",
) -> Cluster:
    """New Cluster. Its HA and DRS pages arrive with the HA issue; the switches are kept now."""
    datacenter = reread(datacenter, "lab")
    lab = datacenter.lab
    name = ensure_unique_name(Cluster, lab=lab, name=name)
    refuse(EVC_MODE.problems(evc_mode), switch_problems(ha_enabled=ha_enabled, drs_enabled=drs_enabled))
    cluster = validated(Cluster(
        lab=lab, datacenter=datacenter, name=name, ha_enabled=ha_enabled, drs_enabled=drs_enabled, evc_mode=evc_mode,
    ))
    with claiming_name(f"The name '{name}' already exists."):
        cluster.save()
    record(lab=lab, task_name="Create cluster", target=cluster, user=user,
           event_type="ClusterCreatedEvent", message=f"Created cluster {name} in {datacenter.name}")
    return cluster


def _next_free_ip(network: ipaddress.IPv4Network, used: set[str], start: int = 11) -> str:
    for offset, address in enumerate(network.hosts(), start=1):
        if offset >= start and str(address) not in used:
            return str(address)
    raise InvalidState(f"No free address left in {network}.")


def _evc_problem(cluster: Cluster, modes: list[str]) -> str | None:
    if cluster.evc_mode and cluster.evc_mode not in modes:
        return (
            f"The host's CPU hardware does not support the cluster's current Enhanced VMotion Compatibility "
            f"mode ({EVC_LABELS[cluster.evc_mode]})."
        )
    return None


@lab_write("lab")
def host_add(
    *, lab: Lab, name: str, spec: HostSpec, user, datacenter: Datacenter, cluster: Cluster | None = None,
    esx_version: str = "4.0.0", management_ip: str = "", shared_storage: bool = True, vmotion: bool = True,
) -> Host:
    """Add Host: registers an ESXi host with its default networking (vSwitch0 with the Management
    Network and VM Network) and its local datastore. With shared_storage, the host also gets a
    VMkernel port on vSwitch1 and mounts the datacenter's shared datastores, as if its iSCSI
    adapter had been configured and rescanned (the article's part 3)."""
    refuse(host_name_problems(name), host_spec_problems(spec), ESX_VERSION.problems(esx_version),
           management_ip_problems(management_ip), switch_problems(shared_storage=shared_storage, vmotion=vmotion))
    name = ensure_unique_name(Host, lab=lab, name=name.lower())
    datacenter = reread(datacenter)
    cluster = reread(cluster) if cluster is not None else None
    if Host.objects.filter(lab=lab).count() >= MAX_HOSTS_PER_VCENTER:
        raise InvalidState(f"This vCenter already manages {MAX_HOSTS_PER_VCENTER} hosts, the vCenter 4.1 maximum.")
    require_host_room(lab)
    if cluster is not None:
        if cluster.datacenter_id != datacenter.pk:
            raise InvalidArgument(f"Cluster {cluster.name} is not in datacenter {datacenter.name}.")
        _check_cluster_room(cluster)
        problem = _evc_problem(cluster, evc_supported(spec.cpu_vendor, spec.evc_max))
        if problem:
            raise InvalidState(problem)
    used_ips = set(VMkernelNic.objects.filter(host__lab=lab).values_list("ip", flat=True))
    if management_ip:
        if management_ip in used_ips:
            raise InvalidArgument(f"The IP address {management_ip} is already used by another VMkernel port.")
    else:
        management_ip = _next_free_ip(MANAGEMENT_NET, used_ips)
    host = validated(Host(
        lab=lab, datacenter=datacenter, cluster=cluster, name=name, esx_version=esx_version,
        esx_build=ESX_BUILDS[esx_version], **spec.__dict__,
    ))
    with claiming_name(f"The name '{name}' already exists."):
        host.save()
    vmkernel_ip = _next_free_ip(VMKERNEL_NET, used_ips) if shared_storage else None
    build_networking([(host, management_ip, vmkernel_ip, vmotion)], vm_network(lab, datacenter))
    add_local_datastores(lab, datacenter, [host])
    if shared_storage:
        for datastore in Datastore.objects.filter(lab=lab, datacenter=datacenter).exclude(backing=StorageBacking.LOCAL):
            datastore.hosts.add(host)
    where = f"cluster {cluster.name}" if cluster else f"datacenter {datacenter.name}"
    record(lab=lab, task_name="Add host", target=host, user=user,
           event_type="HostAddedEvent", message=f"Added host {name} to {where}")
    return host


def _check_cluster_room(cluster: Cluster) -> None:
    if cluster.hosts.count() >= MAX_HOSTS_PER_CLUSTER:
        raise InvalidState(f"Cluster {cluster.name} already has {MAX_HOSTS_PER_CLUSTER} hosts, the vSphere 4.1 maximum.")


@lab_write("host")
def host_move(*, host: Host, destination: Cluster | Datacenter, user) -> Host:
    """Move a host into a cluster (the article's drag and drop), or out of one to its datacenter.
    A host leaves a cluster only in maintenance mode, as vCenter requires."""
    host = Host.objects.select_for_update().get(pk=host.pk)
    require_manageable(host)
    is_cluster = isinstance(destination, Cluster)
    datacenter_id = destination.datacenter_id if is_cluster else destination.pk
    if datacenter_id != host.datacenter_id:
        raise InvalidArgument(f"Host {host.name} can only be moved within datacenter {host.datacenter.name}.")
    target_cluster = destination if is_cluster else None
    if host.cluster_id == (target_cluster.pk if target_cluster else None):
        where = f"cluster {destination.name}" if is_cluster else f"datacenter {destination.name}"
        raise InvalidArgument(f"Host {host.name} is already in {where}.")
    if host.cluster_id is not None and not host.in_maintenance_mode:
        raise InvalidState(
            f"Host {host.name} must be in maintenance mode to be moved out of cluster {host.cluster.name}."
        )
    if target_cluster is not None:
        target_cluster = Cluster.objects.select_for_update().get(pk=target_cluster.pk)
        _check_cluster_room(target_cluster)
        problem = _evc_problem(target_cluster, host.evc_modes)
        if problem:
            raise InvalidState(problem)
        if target_cluster.evc_mode and host.evc_max != target_cluster.evc_mode and host.vms.filter(
                power_state=VmPowerState.POWERED_ON).exists():
            raise InvalidState(
                f"Host {host.name} has powered-on virtual machines that may use CPU features above the cluster's EVC "
                f"mode ({EVC_LABELS[target_cluster.evc_mode]}): power them off or move them first.")
    host.cluster = target_cluster
    host.save(update_fields=["cluster"])
    if is_cluster:
        task, message = "Move host into cluster", f"Moved host {host.name} into cluster {destination.name}"
    else:
        task, message = "Move host", f"Moved host {host.name} out of its cluster to datacenter {destination.name}"
    record(lab=host.lab, task_name=task, target=host, user=user, event_type="HostMovedEvent", message=message)
    return host


@lab_write("host")
def host_enter_maintenance(*, host: Host, user) -> Host:
    host = Host.objects.select_for_update().get(pk=host.pk)
    require_manageable(host)
    if host.in_maintenance_mode:
        raise InvalidState(f"Host {host.name} is already in maintenance mode.")
    running = host.vms.filter(power_state=VmPowerState.POWERED_ON).count()
    if running:
        raise InvalidState(
            f"Host {host.name} runs {running} powered-on virtual machine(s). Migrate them or power them off first."
        )
    host.in_maintenance_mode = True
    host.save(update_fields=["in_maintenance_mode"])
    record(lab=host.lab, task_name="Enter maintenance mode", target=host, user=user,
           event_type="EnteredMaintenanceModeEvent", message=f"Host {host.name} in {host.datacenter.name} has entered maintenance mode")
    return host


@lab_write("host")
def host_exit_maintenance(*, host: Host, user) -> Host:
    host = Host.objects.select_for_update().get(pk=host.pk)
    require_manageable(host)
    if not host.in_maintenance_mode:
        raise InvalidState(f"Host {host.name} is not in maintenance mode.")
    host.in_maintenance_mode = False
    host.save(update_fields=["in_maintenance_mode"])
    record(lab=host.lab, task_name="Exit maintenance mode", target=host, user=user,
           event_type="ExitMaintenanceModeEvent", message=f"Host {host.name} in {host.datacenter.name} has exited maintenance mode")
    return host


@lab_write("host")
def host_remove(*, host: Host, user) -> None:
    """Remove host: only in maintenance mode or disconnected (vCenter no longer manages it). Its VMs leave the inventory with it (their files stay
    on the datastores); a local datastore no other host sees goes too."""
    host = Host.objects.select_for_update().get(pk=host.pk)
    if not host.in_maintenance_mode and host.connection_state != ConnectionState.DISCONNECTED:
        raise InvalidState(f"Host {host.name} must be in maintenance mode or disconnected before it can be removed.")
    command = Task.objects.filter(lab_id=host.lab_id, object_moid=host.moid, kind="",
                                  state__in=(TaskState.QUEUED, TaskState.RUNNING)).first()
    if command is not None:  # a host command (Reconnect host...) still runs on it
        raise ResourceBusy(f"Another task is already in progress: {command.name} on {host.name} ({command.moid}). "
                           f"Wait for it to finish.")
    lab, name, datacenter = host.lab, host.name, host.datacenter
    for vm in host.vms.all():
        vm_files_left_behind(vm)
        vm.delete()
    orphaned = [ds for ds in host.datastores.all() if ds.hosts.count() == 1]
    host.datastores.clear()
    record(lab=lab, task_name="Remove host", target=host, user=user, event_type="HostRemovedEvent",
           message=f"Removed host {name} in {datacenter.name}")
    Cluster.objects.filter(ha_failover_host=host).update(ha_failover_host=None)
    host.delete()
    for datastore in orphaned:
        if not datastore.vms.exists() and not datastore.disks.exists():
            datastore.delete()


RENAMEABLE = {"datacenter-": "datacenter", "domain-c": "cluster", "vm-": "virtual machine", "datastore-": "datastore"}


@lab_write("obj")
def entity_rename(*, obj, new_name: str, user):
    """Rename a datacenter, cluster, virtual machine or datastore. Hosts keep their DNS names."""
    kind = RENAMEABLE.get(obj.MOID_PREFIX)
    if kind is None:
        raise InvalidState("A host cannot be renamed: its name is the name vCenter connects to.")
    obj = reread(obj, "lab")
    new_name = ensure_unique_name(type(obj), lab=obj.lab, name=new_name, exclude_pk=obj.pk)
    old = obj.name
    if old == new_name:
        raise InvalidArgument(f"The {kind} is already named '{new_name}'.")
    obj.name = new_name
    with claiming_name(f"The name '{new_name}' already exists."):
        obj.save(update_fields=["name"])
    record(lab=obj.lab, task_name=f"Rename {kind}", target=obj, user=user, event_type="EntityRenamedEvent",
           message=f"Renamed {kind} {old} to {new_name}")
    return obj


@lab_write("obj")
def entity_remove(*, obj, user) -> None:
    """Remove an empty datacenter or cluster."""
    if isinstance(obj, (Cluster, Datacenter)):
        obj = reread(obj, "lab")
    if isinstance(obj, Cluster):
        if obj.hosts.exists():
            raise ResourceInUse(f"Cluster {obj.name} still contains hosts. Move them out or remove them first.")
        kind = "cluster"
    elif isinstance(obj, Datacenter):
        if obj.hosts.exists() or obj.clusters.exists():
            raise ResourceInUse(f"Datacenter {obj.name} is not empty. Remove its clusters and hosts first.")
        kind = "datacenter"
    else:
        raise InvalidArgument("Only datacenters and clusters are removed this way.")
    lab, name = obj.lab, obj.name
    record(lab=lab, task_name=f"Remove {kind}", target=obj, user=user, event_type=f"{kind.title()}RemovedEvent",
           message=f"Removed {kind} {name}")
    if kind == "datacenter":
        # what a datacenter holds besides hosts: its networks and datastores with nothing on them
        Network.objects.filter(datacenter=obj).delete()
        Datastore.objects.filter(datacenter=obj).delete()
    obj.delete()


@lab_write("cluster")
def cluster_reconfigure(
    *, cluster: Cluster, user, ha_enabled: bool | None = None, drs_enabled: bool | None = None,
    admission_control_enabled: bool | None = None, admission_control_policy: str | None = None,
    failover_level: int | None = None, failover_cpu_percent: int | None = None,
    failover_memory_percent: int | None = None, evc_mode: str | None = None,
) -> Cluster:
    """Edit Settings of a cluster: HA and its admission control, DRS, EVC. EVC needs every host
    to support the baseline, and no running VM on a host whose CPU is above it (it may use
    features the baseline hides); each problem is reported."""
    refuse(EVC_MODE.problems(evc_mode) if evc_mode is not None else [],
           ADMISSION_CONTROL_POLICY.problems(admission_control_policy) if admission_control_policy is not None else [],
           failover_problems(failover_level, failover_cpu_percent, failover_memory_percent),
           switch_problems(ha_enabled=ha_enabled, drs_enabled=drs_enabled,
                           admission_control_enabled=admission_control_enabled))
    cluster = Cluster.objects.select_for_update().get(pk=cluster.pk)
    problems = []
    if evc_mode is not None and evc_mode != cluster.evc_mode:
        for host in cluster.hosts.all() if evc_mode else []:
            if evc_mode not in host.evc_modes:
                problems.append(f"Host {host.name} ({host.evc_max_label}) does not support the EVC mode "
                                f"{EVC_LABELS[evc_mode]}.")
            elif host.evc_max != evc_mode and host.vms.filter(power_state="poweredOn").exists():
                problems.append(f"Host {host.name} has powered-on virtual machines that may use CPU features above "
                                f"{EVC_LABELS[evc_mode]}: power them off or move them out of the cluster first.")
        cluster.evc_mode = evc_mode
    if problems:
        raise InvalidState(*problems)
    if admission_control_policy is not None:
        cluster.ha_admission_control_policy = admission_control_policy
    for field, value in (
        ("ha_enabled", ha_enabled), ("drs_enabled", drs_enabled),
        ("ha_admission_control_enabled", admission_control_enabled), ("ha_failover_level", failover_level),
        ("ha_failover_cpu_percent", failover_cpu_percent), ("ha_failover_memory_percent", failover_memory_percent),
    ):
        if value is not None:
            setattr(cluster, field, value)
    validated(cluster)
    cluster.save()
    record(lab=cluster.lab, task_name="Reconfigure cluster", target=cluster, user=user,
           event_type="ClusterReconfiguredEvent", message=f"Reconfigured cluster {cluster.name}")
    return cluster


@lab_write("host")
def host_vmknics_configure(*, host: Host, user, ports: dict[str, dict]) -> None:
    """The VMkernel Port Properties dialog's OK: {device: {"vmotion": bool, "ft_logging": bool}};
    each port whose boxes changed is configured (one event each). Refused as a single port's change
    is, even when nothing changes, on a host vCenter cannot manage."""
    host = Host.objects.select_for_update().get(pk=host.pk)
    require_manageable(host)
    current = {n.device: n for n in host.vmknics.all()}
    for device, flags in ports.items():
        nic = current.get(device)
        if nic is not None and (nic.vmotion, nic.ft_logging) != (flags["vmotion"], flags["ft_logging"]):
            host_vmknic_configure(host=host, device=device, user=user, **flags)


def host_vmknic_configure(*, host: Host, device: str, user, vmotion: bool | None = None,
                          ft_logging: bool | None = None) -> VMkernelNic:
    """VMkernel port properties > General: the VMotion and Fault Tolerance Logging boxes."""
    refuse(switch_problems(vmotion=vmotion, ft_logging=ft_logging))
    host = Host.objects.select_for_update().get(pk=host.pk)
    require_manageable(host)
    nic = VMkernelNic.objects.select_for_update().filter(host=host, device=device).first()
    if nic is None:
        raise InvalidArgument(f"Host {host.name} has no VMkernel port {device}.")
    if vmotion is not None:
        nic.vmotion = vmotion
    if ft_logging is not None:
        nic.ft_logging = ft_logging
    nic.save(update_fields=["vmotion", "ft_logging"])
    flags = [name for name, on in (("VMotion", nic.vmotion), ("Fault Tolerance Logging", nic.ft_logging)) if on]
    record(lab=host.lab, task_name="Update virtual NIC", target=host, user=user, event_type="HostVnicUpdatedEvent",
           message=f"{device} on {host.name}: {', '.join(flags) or 'no VMotion, no FT logging'}")
    return nic
