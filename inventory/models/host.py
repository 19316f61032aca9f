from django.db import models

from inventory.choices import ConnectionState, CpuVendor, HostPowerState
from inventory.hardware import EVC_LABELS, evc_supported

from .base import LabObject, unique_name_per_lab


class Host(LabObject):
    """An ESX/ESXi host. Its name is its DNS name, as vCenter registers it."""

    MOID_PREFIX = "host-"

    datacenter = models.ForeignKey("inventory.Datacenter", on_delete=models.PROTECT, related_name="hosts")
    cluster = models.ForeignKey(
        "inventory.Cluster", null=True, blank=True, on_delete=models.PROTECT, related_name="hosts"
    )
    vendor = models.CharField(max_length=60)
    model = models.CharField(max_length=60)
    cpu_vendor = models.CharField(max_length=10, choices=CpuVendor.choices)
    cpu_model = models.CharField(max_length=80)
    cpu_family = models.PositiveSmallIntegerField()
    cpu_model_number = models.PositiveSmallIntegerField()
    evc_max = models.CharField(max_length=20, help_text="Newest EVC baseline the CPU supports")
    sockets = models.PositiveSmallIntegerField()
    cores_per_socket = models.PositiveSmallIntegerField()
    cpu_mhz = models.PositiveIntegerField(help_text="Per core")
    memory_mb = models.PositiveIntegerField()
    nic_gbps = models.PositiveSmallIntegerField(default=1, help_text="VMotion network link speed")
    esx_version = models.CharField(max_length=20, default="4.0.0")
    esx_build = models.CharField(max_length=20, default="208167")
    connection_state = models.CharField(
        max_length=20, choices=ConnectionState.choices, default=ConnectionState.CONNECTED
    )
    power_state = models.CharField(max_length=20, choices=HostPowerState.choices, default=HostPowerState.POWERED_ON)
    in_maintenance_mode = models.BooleanField(default=False)
    # Physical links, derived from the active simulated faults (operations.Fault): the management
    # network reaches vCenter (its cable, the management switch), the VMotion uplink, the paths to
    # shared storage (all paths down: the guests' I/O hangs), the FT logging uplink
    management_connected = models.BooleanField(default=True)
    vmotion_connected = models.BooleanField(default=True)
    storage_connected = models.BooleanField(default=True)
    ft_logging_connected = models.BooleanField(default=True)

    class Meta:
        constraints = [
            unique_name_per_lab("host"),
            models.CheckConstraint(
                condition=models.Q(sockets__gte=1) & models.Q(cores_per_socket__gte=1)
                & models.Q(cpu_mhz__gte=1) & models.Q(memory_mb__gte=1),
                name="host_positive_capacity",
            ),
        ]
        ordering = ["name", "pk"]

    @property
    def cores(self) -> int:
        return self.sockets * self.cores_per_socket

    @property
    def cpu_total_mhz(self) -> int:
        return self.cores * self.cpu_mhz

    @property
    def evc_modes(self) -> list[str]:
        return evc_supported(self.cpu_vendor, self.evc_max)

    @property
    def evc_max_label(self) -> str:
        return EVC_LABELS.get(self.evc_max, self.evc_max)

    @property
    def product(self) -> str:
        return f"VMware ESXi {self.esx_version} build-{self.esx_build}"

    @property
    def is_usable(self) -> bool:
        """In vCenter's view: connected, not in maintenance or standby mode: it may run VMs. A host
        that went down or lost its management network seems usable until vCenter notices (it
        turns Not Responding after the heartbeat timeout); operations that reach it meanwhile
        fail (operations.services.connection)."""
        return self.unusable_reason is None

    @property
    def unusable_reason(self) -> str | None:
        """Why the host cannot run or receive a VM, as the end of a sentence, or None."""
        if self.in_maintenance_mode:
            return "is in maintenance mode"
        if self.connection_state != ConnectionState.CONNECTED:
            return f"is {self.get_connection_state_display().lower()}"
        if self.power_state == HostPowerState.STANDBY:
            return "is in standby mode"
        return None

    @property
    def reachable(self) -> bool:
        """Physically: ESXi runs and vCenter's network reaches it (whatever vCenter shows yet)."""
        return self.power_state == HostPowerState.POWERED_ON and self.management_connected

    @property
    def vms_disconnected(self) -> bool:
        """Its VMs show "(disconnected)": vCenter does not hear from their host."""
        return self.connection_state != ConnectionState.CONNECTED

    @property
    def status_icon(self) -> str:
        if self.power_state != HostPowerState.POWERED_ON or self.connection_state != ConnectionState.CONNECTED:
            return "host-down"
        if self.in_maintenance_mode:
            return "host-maint"
        return "host"


class Network(LabObject):
    """A virtual machine network (network-17): the port groups of one name across hosts."""

    MOID_PREFIX = "network-"

    datacenter = models.ForeignKey("inventory.Datacenter", on_delete=models.PROTECT, related_name="networks")

    class Meta:
        constraints = [unique_name_per_lab("network")]
        ordering = ["name", "pk"]


class VirtualSwitch(models.Model):
    host = models.ForeignKey(Host, on_delete=models.CASCADE, related_name="vswitches")
    name = models.CharField(max_length=32)
    uplinks = models.CharField(max_length=80, blank=True, help_text="Physical adapters, e.g. vmnic0")
    ports = models.PositiveSmallIntegerField(default=56)

    class Meta:
        constraints = [models.UniqueConstraint("host", "name", name="vswitch_unique_per_host")]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class PortGroup(models.Model):
    """A port group on a host's vSwitch: a VM network (network set) or a VMkernel port group."""

    host = models.ForeignKey(Host, on_delete=models.CASCADE, related_name="portgroups")
    vswitch = models.ForeignKey(VirtualSwitch, on_delete=models.CASCADE, related_name="portgroups")
    network = models.ForeignKey(Network, null=True, blank=True, on_delete=models.PROTECT, related_name="portgroups")
    name = models.CharField(max_length=80)
    vlan_id = models.PositiveSmallIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint("host", "name", name="portgroup_unique_per_host"),
            models.CheckConstraint(condition=models.Q(vlan_id__lte=4095), name="portgroup_vlan_range"),
        ]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class VMkernelNic(models.Model):
    """A VMkernel port (vmk0...) with the services enabled on it."""

    host = models.ForeignKey(Host, on_delete=models.CASCADE, related_name="vmknics")
    portgroup = models.OneToOneField(PortGroup, on_delete=models.CASCADE, related_name="vmknic")
    device = models.CharField(max_length=10)
    ip = models.GenericIPAddressField(protocol="IPv4")
    netmask = models.GenericIPAddressField(protocol="IPv4", default="255.255.255.0")
    management = models.BooleanField(default=False)
    vmotion = models.BooleanField(default=False)
    ft_logging = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint("host", "device", name="vmknic_unique_per_host")]
        ordering = ["device"]

    def __str__(self) -> str:
        return self.device
