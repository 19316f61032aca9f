"""Ready-made labs. `seed-article` is the datacenter of ../shared/REFERENCE.md §1 at the start of the
article: two PowerEdge R805 hosts, one shared iSCSI VMFS volume, no cluster yet."""

from __future__ import annotations

import inspect
from dataclasses import dataclass

from inventory.builder import DatastorePlan, HostPlan, VmPlan, build_lab
from inventory.choices import DiskProvisioning as Disk
from inventory.choices import GuestOs, StorageBacking, Workload
from inventory.models import Lab
from inventory.rules import Choice, name_problems, scale_plan_problems
from inventory.services.common import refuse
from inventory.services.quotas import require_lab_room, require_preset_room
from operations.faults import AlreadyExists, InvalidArgument
from operations.services import event_log
from operations.services.locking import claiming_name, lock_user, locked_transaction

GB = 1024


@dataclass(frozen=True)
class Preset:
    key: str
    label: str
    description: str


PRESETS = [
    Preset("seed-article", "Seed article",
           "Two Dell PowerEdge R805 hosts (AMD Opteron, 32 GB, ESXi 4.0) sharing an iSCSI VMFS datastore, three VMs, "
           "no cluster yet: the start of the article."),
    Preset("classroom", "Classroom", "Three hosts already in a cluster, shared iSCSI and NFS storage, six VMs."),
    Preset("mixed-cpu", "Mixed CPUs",
           "Two AMD Opteron Gen 3 hosts, an older Opteron Gen 2 host and an Intel Xeon host: for VMotion and EVC lessons."),
    Preset("scale", "Scale", "Many hosts and VMs in 32-host clusters, up to the vCenter 4.1 maxima."),
]
PRESET_KEYS = [p.key for p in PRESETS]
PRESET_CHOICES = [(p.key, p.label) for p in PRESETS]
PRESET = Choice("preset", tuple(PRESET_KEYS))


def _host(n: int, profile: str, cluster: str | None = None, domain: str = "lab.local", vmotion: bool = True) -> HostPlan:
    return HostPlan(
        name=f"esx{n:02d}.{domain}", profile=profile, cluster=cluster,
        management_ip=f"192.168.1.{10 + n}", vmkernel_ip=f"10.0.0.{10 + n}", vmotion=vmotion,
    )


def _seed_article(lab: Lab) -> None:
    build_lab(
        lab, datacenter="Datacenter", clusters=[],
        hosts=[_host(1, "r805-2435-32"), _host(2, "r805-2435-32")],
        datastores=[DatastorePlan("iscsi-vmfs01", 500 * GB)],
        vms=[
            VmPlan("W2K8-Web01", "esx01.lab.local", "iscsi-vmfs01", GuestOs.WIN2008R2, 1, 2048, 40 * GB,
                   powered_on=True, workload=Workload.WEB),
            VmPlan("RHEL5-DB01", "esx01.lab.local", "iscsi-vmfs01", GuestOs.RHEL5_64, 2, 4096, 60 * GB,
                   powered_on=True, workload=Workload.DATABASE),
            VmPlan("XP-Client01", "esx02.lab.local", "iscsi-vmfs01", GuestOs.WINXP, 1, 1024, 16 * GB,
                   provisioning=Disk.THIN, thin_used_mb=6 * GB + 512),
        ],
    )


def _classroom(lab: Lab) -> None:
    hosts = ["esx01.lab.local", "esx02.lab.local", "esx03.lab.local"]
    build_lab(
        lab, datacenter="Datacenter", clusters=["Cluster"],
        hosts=[_host(n, "r805-2435-32", cluster="Cluster") for n in (1, 2, 3)],
        datastores=[
            DatastorePlan("iscsi-vmfs01", 1024 * GB),
            DatastorePlan("nfs-iso01", 200 * GB, backing=StorageBacking.NFS),
        ],
        vms=[
            VmPlan("W2K8-Web01", hosts[0], "iscsi-vmfs01", GuestOs.WIN2008R2, 1, 2048, 40 * GB,
                   powered_on=True, workload=Workload.WEB),
            VmPlan("W2K8-Web02", hosts[1], "iscsi-vmfs01", GuestOs.WIN2008R2, 1, 2048, 40 * GB,
                   powered_on=True, workload=Workload.WEB),
            VmPlan("RHEL5-DB01", hosts[2], "iscsi-vmfs01", GuestOs.RHEL5_64, 2, 8192, 80 * GB,
                   powered_on=True, workload=Workload.DATABASE),
            VmPlan("SLES11-App01", hosts[0], "iscsi-vmfs01", GuestOs.SLES11_64, 2, 4096, 30 * GB,
                   powered_on=True, workload=Workload.MEMORY_HEAVY),
            VmPlan("XP-Client01", hosts[1], "iscsi-vmfs01", GuestOs.WINXP, 1, 1024, 16 * GB,
                   provisioning=Disk.THIN, thin_used_mb=6 * GB),
            VmPlan("W2K3-Legacy01", hosts[2], "iscsi-vmfs01", GuestOs.WIN2003, 1, 1024, 20 * GB,
                   provisioning=Disk.EAGER_ZEROED),
        ],
    )


def _mixed_cpu(lab: Lab) -> None:
    build_lab(
        lab, datacenter="Datacenter", clusters=[],
        hosts=[
            _host(1, "r805-2435-32"), _host(2, "r805-2435-32"),
            _host(3, "dl385g2-2218-16"), _host(4, "r710-x5570-48"),
        ],
        datastores=[DatastorePlan("iscsi-vmfs01", 1024 * GB)],
        vms=[
            VmPlan("W2K8-Web01", "esx01.lab.local", "iscsi-vmfs01", GuestOs.WIN2008R2, 1, 2048, 40 * GB,
                   powered_on=True, workload=Workload.WEB),
            VmPlan("RHEL5-DB01", "esx02.lab.local", "iscsi-vmfs01", GuestOs.RHEL5_64, 2, 4096, 60 * GB,
                   powered_on=True, workload=Workload.DATABASE),
            VmPlan("Debian5-Old01", "esx03.lab.local", "iscsi-vmfs01", GuestOs.DEBIAN5_64, 1, 1024, 10 * GB,
                   powered_on=True),
            VmPlan("W2K8-Intel01", "esx04.lab.local", "iscsi-vmfs01", GuestOs.WIN2008_64, 2, 4096, 40 * GB,
                   powered_on=True, workload=Workload.WEB),
            VmPlan("XP-Client01", "esx01.lab.local", "iscsi-vmfs01", GuestOs.WINXP, 1, 1024, 16 * GB,
                   provisioning=Disk.THIN, thin_used_mb=6 * GB),
        ],
    )


def _scale(lab: Lab, *, hosts: int = 64, vms: int = 640, cluster_size: int = 32) -> None:
    """`hosts` hosts in clusters of `cluster_size`, each cluster with its own shared datastore, and
    `vms` small VMs spread evenly, all powered on (the maxima count powered-on VMs)."""
    refuse(scale_plan_problems(hosts, vms, cluster_size))
    n_clusters = -(-hosts // cluster_size)
    clusters = [f"Cluster-{c + 1:02d}" for c in range(n_clusters)]
    host_plans = []
    for i in range(hosts):
        # Management 10.(1 + i/250).(i%250).10 and VMkernel 172.16.(i/200).(10 + i%200), each /24
        # holding .10-.209: valid and unique for 51,200 hosts (host 247 was 172.16.0.256 before;
        # migration inventory 0005 repairs labs built then).
        host_plans.append(HostPlan(
            name=f"esx{i + 1:04d}.scale.local", profile="dl380g7-x5670-96", cluster=clusters[i // cluster_size],
            management_ip=f"10.{1 + i // 250}.{i % 250}.10", vmkernel_ip=f"172.16.{i // 200}.{10 + i % 200}",
            esx_version="4.1.0",
        ))
    datastores = [
        DatastorePlan(f"{name.lower()}-vmfs", 16 * 1024 * GB,
                      hosts=[h.name for h in host_plans if h.cluster == name])
        for name in clusters
    ]
    workloads = [Workload.IDLE, Workload.WEB, Workload.WEB, Workload.DATABASE]
    vm_plans = []
    for i in range(vms):
        host = host_plans[i % hosts]
        vm_plans.append(VmPlan(
            f"VM{i + 1:05d}", host.name, f"{host.cluster.lower()}-vmfs", GuestOs.RHEL5_64, 1, 1024 + 1024 * (i % 2),
            20 * GB, provisioning=Disk.THIN, thin_used_mb=4 * GB, powered_on=True, workload=workloads[i % 4],
        ))
    build_lab(lab, datacenter="Datacenter", clusters=clusters, hosts=host_plans, datastores=datastores, vms=vm_plans)


BUILDERS = {"seed-article": _seed_article, "classroom": _classroom, "mixed-cpu": _mixed_cpu, "scale": _scale}


def lab_create(*, owner, preset: str, name: str = "", quota: bool = True, **params) -> Lab:
    """Create a lab from a preset. `params` go to the preset (only `scale` takes any). The owner's
    row is the lock of their labs: concurrent creations take turns for the name and the quota.
    `quota=False` is for the server's operator (`manage.py createlab`): students' quotas bound what
    users create through the pages and the API, not what the operator builds for them."""
    refuse(PRESET.problems(preset))
    return locked_transaction(lambda: lock_user(owner), lambda: _lab_create(owner, preset, name, params, quota),
                              what="lab creation")


def _lab_create(owner, preset: str, name: str, params: dict, quota: bool) -> Lab:
    if params and preset != "scale":
        raise InvalidArgument(f"Preset '{preset}' takes no parameters.")
    if name:  # empty: the preset's name
        refuse(name_problems(name, subject="The lab name", reserved=""))
    name = (name or "").strip() or _free_lab_name(owner, dict(PRESET_CHOICES)[preset])
    taken = f"You already have a lab named '{name}'."
    if Lab.objects.filter(owner=owner, name__iexact=name).exists():
        raise AlreadyExists(taken)
    if quota:
        require_lab_room(owner)
    if preset == "scale":
        size = {**_defaults(_scale), **params}
        refuse(scale_plan_problems(size["hosts"], size["vms"], size["cluster_size"]))  # the vCenter maxima say it first
        if quota:
            require_preset_room(owner, hosts=size["hosts"], vms=size["vms"])
    with claiming_name(taken):
        lab = Lab.objects.create(owner=owner, name=name, preset=preset)
    BUILDERS[preset](lab, **params)
    event_log(lab=lab, type="LabCreatedEvent", message=f"Lab {name} created from preset {preset} by {owner.get_username()}",
              user=owner)
    return lab


def _defaults(builder) -> dict:
    return {k: p.default for k, p in inspect.signature(builder).parameters.items() if p.default is not p.empty}


def _free_lab_name(owner, base: str) -> str:
    taken = {n.lower() for n in Lab.objects.filter(owner=owner).values_list("name", flat=True)}
    name, n = base, 1
    while name.lower() in taken:
        n += 1
        name = f"{base} {n}"
    return name
