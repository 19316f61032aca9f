"""vSphere's enumerations, with the labels the vSphere Client shows and a colour per state.

Templates never hard-code colours: they ask `state_colour(value)`.
"""

from django.db import models

from inventory.rules import Choice
from operations.engine.workloads import WORKLOADS


class CpuVendor(models.TextChoices):
    INTEL = "intel", "Intel"
    AMD = "amd", "AMD"


class ConnectionState(models.TextChoices):
    CONNECTED = "connected", "Connected"
    DISCONNECTED = "disconnected", "Disconnected"
    NOT_RESPONDING = "notResponding", "Not Responding"


class HostPowerState(models.TextChoices):
    POWERED_ON = "poweredOn", "Powered On"
    POWERED_OFF = "poweredOff", "Powered Off"
    STANDBY = "standBy", "Standby"


class VmPowerState(models.TextChoices):
    POWERED_ON = "poweredOn", "Powered On"
    POWERED_OFF = "poweredOff", "Powered Off"
    SUSPENDED = "suspended", "Suspended"


class DatastoreType(models.TextChoices):
    VMFS = "VMFS", "VMFS"
    NFS = "NFS", "NFS"


class StorageBacking(models.TextChoices):
    ISCSI = "iscsi", "iSCSI"
    FC = "fc", "Fibre Channel"
    LOCAL = "local", "Local"
    NFS = "nfs", "NFS"


class DiskProvisioning(models.TextChoices):
    THIN = "thin", "Thin Provision"
    LAZY_ZEROED = "lazyZeroedThick", "Thick (lazy zeroed)"
    EAGER_ZEROED = "eagerZeroedThick", "Thick (eager zeroed, supports clustering features such as FT)"


class RestartPriority(models.TextChoices):
    CLUSTER_DEFAULT = "clusterRestartPriority", "Use cluster setting"
    DISABLED = "disabled", "Disabled"
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


class IsolationResponse(models.TextChoices):
    CLUSTER_DEFAULT = "clusterIsolationResponse", "Use cluster setting"
    NONE = "none", "Leave powered on"
    POWER_OFF = "powerOff", "Power off"
    SHUTDOWN = "shutdown", "Shut down"


class AdmissionControlPolicy(models.TextChoices):
    FAILOVER_LEVEL = "FAILOVER_LEVEL", "Host failures cluster tolerates"
    PERCENTAGE = "PERCENTAGE", "Percentage of cluster resources reserved as failover spare capacity"
    FAILOVER_HOST = "FAILOVER_HOST", "Specify a failover host"


class DrsAutomation(models.TextChoices):
    MANUAL = "manual", "Manual"
    PARTIALLY = "partiallyAutomated", "Partially automated"
    FULLY = "fullyAutomated", "Fully automated"


class SwapfilePolicy(models.TextChoices):
    WITH_VM = "vmDirectory", "Store the swapfile in the same directory as the virtual machine"
    HOST_DATASTORE = "hostLocal", "Store the swapfile in the datastore specified by the host"


class FtRole(models.TextChoices):
    NONE = "", "Not configured"
    PRIMARY = "primary", "Primary"
    SECONDARY = "secondary", "Secondary"


class Workload(models.TextChoices):
    """What runs in the guest: sets its CPU and memory load now, its dirty rate in the engine."""

    IDLE = "idle", "Idle"
    WEB = "web", "Web server"
    DATABASE = "database", "Database"
    MEMORY_HEAVY = "memoryHeavy", "Memory-heavy"


# [model] share of each vCPU busy and share of memory actively touched, per workload: the
# engine's profiles (operations.engine.workloads) are the one source.
WORKLOAD_LOAD = {key: (w.cpu_busy, w.memory_active) for key, w in WORKLOADS.items()}


class GuestOs(models.TextChoices):
    """Guest ids as vSphere 4 names them, with the Client's labels."""

    WIN2008R2 = "windows7Server64Guest", "Microsoft Windows Server 2008 R2 (64-bit)"
    WIN2008_64 = "winLonghorn64Guest", "Microsoft Windows Server 2008 (64-bit)"
    WIN2003 = "winNetStandardGuest", "Microsoft Windows Server 2003, Standard Edition (32-bit)"
    WINXP = "winXPProGuest", "Microsoft Windows XP Professional (32-bit)"
    WIN7_64 = "windows7_64Guest", "Microsoft Windows 7 (64-bit)"
    RHEL5_64 = "rhel5_64Guest", "Red Hat Enterprise Linux 5 (64-bit)"
    CENTOS_64 = "centos64Guest", "CentOS 4/5 (64-bit)"
    SLES11_64 = "sles11_64Guest", "SUSE Linux Enterprise 11 (64-bit)"
    UBUNTU_64 = "ubuntu64Guest", "Ubuntu Linux (64-bit)"
    DEBIAN5_64 = "debian5_64Guest", "Debian GNU/Linux 5 (64-bit)"


STATE_COLOURS = {
    # green: running and healthy; grey: off; amber: attention; red: failure
    "poweredOn": "green",
    "connected": "green",
    "success": "green",
    "poweredOff": "grey",
    "standBy": "grey",
    "suspended": "amber",
    "disconnected": "grey",
    "notResponding": "red",
    "queued": "grey",
    "running": "blue",
    "error": "red",
    "info": "blue",
    "warning": "amber",
}


def state_colour(value: str) -> str:
    return STATE_COLOURS.get(str(value), "grey")


# the enumerations a service takes from its caller, with the refusal's words (inventory/rules.py)
GUEST_OS = Choice("guest operating system", tuple(GuestOs.values))
DISK_PROVISIONING = Choice("disk provisioning", tuple(DiskProvisioning.values))
WORKLOAD = Choice("workload", tuple(Workload.values))
ADMISSION_CONTROL_POLICY = Choice("admission control policy", tuple(AdmissionControlPolicy.values))
