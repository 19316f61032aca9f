import math

from django.db import models

from inventory.choices import (
    DiskProvisioning, FtRole, GuestOs, IsolationResponse, RestartPriority, VmPowerState, Workload,
)
from inventory.rules import MAX_DISK_MB, MAX_DISKS, MAX_MEMORY_MB, MAX_VCPUS, MIN_MEMORY_MB  # noqa: F401 (limits)

from .base import LabObject, unique_name_per_lab


def default_memory_overhead_mb(num_cpu: int, memory_mb: int) -> int:
    """[model] VMkernel overhead of a powered-on VM: a base, a share per extra vCPU, and page
    tables growing with memory. Close to vSphere 4.1's table and easy to check by hand."""
    return 90 + 30 * (num_cpu - 1) + math.ceil(memory_mb / 64)


class VirtualMachine(LabObject):
    MOID_PREFIX = "vm-"

    host = models.ForeignKey("inventory.Host", on_delete=models.PROTECT, related_name="vms")
    datastore = models.ForeignKey(
        "inventory.Datastore", on_delete=models.PROTECT, related_name="vms", help_text="Where the VM's home folder lives"
    )
    guest_os = models.CharField(max_length=40, choices=GuestOs.choices, default=GuestOs.WIN2008R2)
    num_cpu = models.PositiveSmallIntegerField(default=1)
    memory_mb = models.PositiveIntegerField(default=1024)
    cpu_reservation_mhz = models.PositiveIntegerField(default=0)
    memory_reservation_mb = models.PositiveIntegerField(default=0)
    memory_overhead_override_mb = models.PositiveIntegerField(
        null=True, blank=True, help_text="Leave empty for the computed overhead"
    )
    power_state = models.CharField(max_length=20, choices=VmPowerState.choices, default=VmPowerState.POWERED_OFF)
    workload = models.CharField(max_length=20, choices=Workload.choices, default=Workload.IDLE)
    ha_restart_priority = models.CharField(
        max_length=30, choices=RestartPriority.choices, default=RestartPriority.CLUSTER_DEFAULT
    )
    ha_isolation_response = models.CharField(
        max_length=30, choices=IsolationResponse.choices, default=IsolationResponse.CLUSTER_DEFAULT
    )
    ft_role = models.CharField(max_length=10, choices=FtRole.choices, blank=True, default=FtRole.NONE)
    ft_primary = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="ft_secondaries"
    )
    # Simulated second of the last power-on (guest uptime), None while off.
    powered_on_at = models.FloatField(null=True, blank=True)
    # Fault injection: when the guest OS hung (no heartbeat, no network; the VM stays powered on)
    guest_hung_at = models.FloatField(null=True, blank=True)
    # The last VMotion's stun: the console's session strip shows it as a blip.
    last_stun_at = models.FloatField(null=True, blank=True)
    last_stun_ms = models.PositiveIntegerField(null=True, blank=True)
    # CD/DVD drive 1 backed by an ISO image on a datastore (VMotion needs it on a shared one)
    cdrom_datastore = models.ForeignKey(
        "inventory.Datastore", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
    )
    cdrom_iso = models.CharField(max_length=120, blank=True)
    cdrom_connected = models.BooleanField(default=False)

    class Meta:
        constraints = [
            unique_name_per_lab("virtual machine"),
            models.CheckConstraint(
                condition=models.Q(num_cpu__gte=1) & models.Q(num_cpu__lte=MAX_VCPUS), name="vm_vcpu_range"
            ),
            models.CheckConstraint(
                condition=models.Q(memory_mb__gte=MIN_MEMORY_MB) & models.Q(memory_mb__lte=MAX_MEMORY_MB),
                name="vm_memory_range",
            ),
            models.CheckConstraint(
                condition=models.Q(memory_reservation_mb__lte=models.F("memory_mb")),
                name="vm_memory_reservation_within_memory",
            ),
            # an FT secondary always names its primary; nothing else does
            models.CheckConstraint(
                condition=models.Q(ft_role="secondary", ft_primary__isnull=False)
                | (~models.Q(ft_role="secondary") & models.Q(ft_primary__isnull=True)),
                name="vm_ft_secondary_has_primary",
            ),
        ]
        ordering = ["name", "pk"]

    @property
    def memory_overhead_mb(self) -> int:
        if self.memory_overhead_override_mb is not None:
            return self.memory_overhead_override_mb
        return default_memory_overhead_mb(self.num_cpu, self.memory_mb)

    @property
    def is_powered_on(self) -> bool:
        return self.power_state == VmPowerState.POWERED_ON

    @property
    def icon(self) -> str:
        return {"poweredOn": "vm-on", "suspended": "vm-suspended"}.get(self.power_state, "vm")


class VirtualDisk(models.Model):
    """A virtual disk. Thick disks use their full size on the datastore; thin ones what the
    guest wrote (used_mb)."""

    vm = models.ForeignKey(VirtualMachine, on_delete=models.CASCADE, related_name="disks")
    label = models.CharField(max_length=20, default="Hard disk 1")
    datastore = models.ForeignKey("inventory.Datastore", on_delete=models.PROTECT, related_name="disks")
    capacity_mb = models.PositiveIntegerField()
    provisioning = models.CharField(max_length=20, choices=DiskProvisioning.choices, default=DiskProvisioning.LAZY_ZEROED)
    used_mb = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint("vm", "label", name="disk_label_unique_per_vm"),
            models.CheckConstraint(
                condition=models.Q(capacity_mb__gte=1) & models.Q(capacity_mb__lte=MAX_DISK_MB), name="disk_size_range"
            ),
            models.CheckConstraint(condition=models.Q(used_mb__lte=models.F("capacity_mb")), name="disk_used_within_capacity"),
        ]
        ordering = ["vm", "label"]

    def __str__(self) -> str:
        return self.label

    @property
    def is_thin(self) -> bool:
        return self.provisioning == DiskProvisioning.THIN


class VirtualNic(models.Model):
    vm = models.ForeignKey(VirtualMachine, on_delete=models.CASCADE, related_name="nics")
    label = models.CharField(max_length=30, default="Network adapter 1")
    network = models.ForeignKey("inventory.Network", on_delete=models.PROTECT, related_name="vm_nics")
    adapter_type = models.CharField(max_length=20, default="E1000")
    connected = models.BooleanField(default=True)

    class Meta:
        constraints = [models.UniqueConstraint("vm", "label", name="nic_label_unique_per_vm")]
        ordering = ["vm", "label"]

    def __str__(self) -> str:
        return self.label


class Snapshot(models.Model):
    vm = models.ForeignKey(VirtualMachine, on_delete=models.CASCADE, related_name="snapshots")
    name = models.CharField(max_length=80)
    description = models.CharField(max_length=255, blank=True)
    sim_seconds = models.FloatField(default=0.0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["vm", "pk"]

    def __str__(self) -> str:
        return self.name
