"""What the API returns and accepts, named as vSphere Automation REST names things.

The schemas parse: JSON objects only (no unknown fields), booleans and integers of JSON's own
types (no `0` for false, no "2" for 2), and enumerations as enums of the OpenAPI document. Each
enumeration refuses an unknown value with the words of the rule the service applies
(inventory/rules.py `Choice`). Ranges, lengths and multiples are documented here but judged by the
services, so the API refuses them with the same message as the pages.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, Any, Literal

from ninja import Field, Schema
from pydantic import AfterValidator, BeforeValidator, ConfigDict, Strict, StrictBool, StrictInt
from pydantic_core import PydanticCustomError

from inventory.choices import ADMISSION_CONTROL_POLICY, DISK_PROVISIONING, GUEST_OS, WORKLOAD
from inventory.presets import PRESET
from inventory.rules import (
    CPU_VENDOR, ESX_VERSION, EVC_BASELINE, EVC_MODE, HOST_CORES_PER_SOCKET, HOST_CPU_MHZ, HOST_MEMORY_MB,
    HOST_PROFILE, HOST_SOCKETS, MAX_CPU_RESERVATION_MHZ, MAX_DISK_MB, MAX_MEMORY_MB, MAX_NAME, MAX_OVERHEAD_MB,
    MAX_VCPUS, MIN_MEMORY_MB, NIC_SPEED, SCALE_MAX_CLUSTER_SIZE, SCALE_MAX_HOSTS, SCALE_MAX_VMS, Choice,
)
from operations.engine.clock import MAX_SPEED, MIN_SPEED
from operations.services.clock import MAX_ADVANCE_S
from operations.services.faults import FAULT_TYPE, HOST_FAULT, VM_FAULT
from operations.services.host_commands import HOST_COMMAND, MAX_REASON
from operations.services.migrate import PRIORITY

RULE = "rule"  # the error type of a refusal in a rule's words: the API shows the message alone


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


Text = Annotated[str, AfterValidator(_no_nul)]  # ids and references (PostgreSQL refuses NUL)
Flag = StrictBool
Int = StrictInt
Number = Annotated[float, Strict()]  # a JSON number: 5 or 5.0, not "5" nor true


def enum_of(name: str, choice: Choice, description: str | None = None) -> Any:
    """An enumeration of the OpenAPI document (component `name`) that refuses an unknown value
    with the rule's message. Its members are strings: the services take them as they are."""

    def known(value):
        problems = choice.problems(value)
        if problems:
            raise PydanticCustomError(RULE, "{message}", {"message": problems[0]})
        return value

    if all(isinstance(v, str) for v in choice.values):
        members = StrEnum(name, {(v or "none").upper().replace("-", "_").replace(".", "_"): v for v in choice.values})
        if description:
            members.__doc__ = description
        return Annotated[members, BeforeValidator(known)]
    return Annotated[Literal[choice.values], BeforeValidator(known)]


def documented(default: Any = ..., *, description: str | None = None, **limits: Any) -> Any:
    """A field whose limits the OpenAPI document states and the service enforces."""
    return Field(default, description=description, json_schema_extra=limits or None)


class Body(Schema):
    """A request body: a JSON object with only the fields below."""

    model_config = ConfigDict(extra="forbid", validate_default=True)


# enumerations
GuestOs = enum_of("GuestOs", GUEST_OS, "Guest ids as vSphere 4 names them")
DiskProvisioning = enum_of("DiskProvisioning", DISK_PROVISIONING)
Workload = enum_of("Workload", WORKLOAD, "What runs in the guest: its CPU and memory load, its dirty rate")
EvcMode = enum_of("EvcMode", EVC_MODE, "A cluster's EVC baseline; empty: EVC disabled")
EvcBaseline = enum_of("EvcBaseline", EVC_BASELINE, "The newest EVC baseline a CPU supports")
EsxVersion = enum_of("EsxVersion", ESX_VERSION)
HostProfile = enum_of("HostProfile", HOST_PROFILE, "A server model with its CPUs and memory")
CpuVendor = enum_of("CpuVendor", CPU_VENDOR)
NicSpeed = enum_of("NicSpeed", NIC_SPEED)
Preset = enum_of("Preset", PRESET)
Priority = enum_of("MigratePriority", PRIORITY, "VMotion priority: high reserves CPU on both hosts")
AdmissionControlPolicy = enum_of("AdmissionControlPolicy", ADMISSION_CONTROL_POLICY)
HostFault = enum_of("HostFault", HOST_FAULT, "A host's simulated failure and its restore, by action")
VmFault = enum_of("VmFault", VM_FAULT)
HostCommand = enum_of("HostCommand", HOST_COMMAND, "A host command of the host's menu: Disconnect, Connect, Reboot, "
                      "Shut Down, Enter and Exit Standby Mode")
FaultType = enum_of("FaultType", FAULT_TYPE, "A simulated failure (GET /api/labs/{lab}/faults lists the active ones)")
PowerAction = enum_of("PowerAction", Choice("power action", ("start", "stop", "reset", "shutdown")))
FaultToleranceAction = enum_of("FaultToleranceAction", Choice("Fault Tolerance action", (
    "turn-on", "turn-off", "disable", "enable", "test-failover", "test-restart-secondary", "migrate-secondary")))
MigrateAction = enum_of("MigrateAction", Choice("virtual machine action", ("migrate",)))
CancelAction = enum_of("CancelAction", Choice("task action", ("cancel",)))
AdvanceAction = enum_of("AdvanceAction", Choice("clock action", ("advance",)))
NAME = {"minLength": 1, "maxLength": MAX_NAME}


class LabOut(Schema):
    lab: str
    name: str
    owner: str
    preset: str


class LabCreate(Body):
    preset: Preset
    name: str = documented("", maxLength=MAX_NAME, description="Empty: the preset's name")
    hosts: Int | None = documented(None, minimum=1, maximum=SCALE_MAX_HOSTS, description="Scale preset only")
    vms: Int | None = documented(None, minimum=0, maximum=SCALE_MAX_VMS, description="Scale preset only")
    cluster_size: Int | None = documented(None, minimum=1, maximum=SCALE_MAX_CLUSTER_SIZE,
                                          description="Scale preset only")


class DatacenterOut(Schema):
    datacenter: str
    name: str


class NameIn(Body):
    name: str = documented(**NAME)


class HaRuntime(Schema):
    slot_cpu_MHz: int
    slot_memory_MiB: int
    total_slots: int
    used_slots: int
    available_slots: int
    current_failover_capacity: int


class ClusterOut(Schema):
    cluster: str
    name: str
    datacenter: str
    ha_enabled: bool
    drs_enabled: bool
    admission_control_enabled: bool
    admission_control_policy: AdmissionControlPolicy
    failover_level: int
    failover_cpu_percent: int
    failover_memory_percent: int
    evc_mode: EvcMode
    hosts: list[str]
    ha_runtime: HaRuntime


class ClusterCreate(Body):
    name: str = documented(**NAME)
    datacenter: Text
    ha_enabled: Flag = False
    drs_enabled: Flag = False
    evc_mode: EvcMode = ""


class ClusterPatch(Body):
    ha_enabled: Flag | None = None
    drs_enabled: Flag | None = None
    admission_control_enabled: Flag | None = None
    admission_control_policy: AdmissionControlPolicy | None = None
    failover_level: Int | None = documented(None, minimum=1, maximum=4)
    failover_cpu_percent: Int | None = documented(None, minimum=0, maximum=100)
    failover_memory_percent: Int | None = documented(None, minimum=0, maximum=100)
    evc_mode: EvcMode | None = None


class ClusterHostIn(Body):
    host: Text


class HostOut(Schema):
    host: str
    name: str
    datacenter: str
    cluster: str | None
    connection_state: Literal["CONNECTED", "DISCONNECTED", "NOT_RESPONDING"]
    power_state: Literal["POWERED_ON", "POWERED_OFF", "STANDBY"]
    in_maintenance_mode: bool
    management_network: Literal["CONNECTED", "DISCONNECTED"]
    vmotion_network: Literal["CONNECTED", "DISCONNECTED"]
    storage: Literal["CONNECTED", "DISCONNECTED"]
    ft_logging_network: Literal["CONNECTED", "DISCONNECTED"]
    vendor: str
    model: str
    cpu_vendor: Literal["INTEL", "AMD"]
    cpu_model: str
    cpu_evc_max: str
    cpu_cores: int
    cpu_mhz_total: int
    memory_size_MiB: int
    vmotion_link_Gbps: int
    esx_version: str


class HostCreate(Body):
    name: str = documented(**NAME, description="The DNS name or IPv4 address vCenter connects to")
    datacenter: Text | None = Field(None, description="Defaults to the cluster's datacenter")
    cluster: Text | None = None
    profile: HostProfile | None = Field(None, description="A hardware profile; without one, give every field below "
                                                          "from vendor to memory_mb")
    vendor: str | None = documented(None, maxLength=60)
    model: str | None = documented(None, maxLength=60)
    cpu_vendor: CpuVendor | None = None
    cpu_model: str | None = documented(None, maxLength=80)
    cpu_family: Int | None = documented(None, minimum=1, maximum=255)
    cpu_model_number: Int | None = documented(None, minimum=0, maximum=255)
    evc_max: EvcBaseline | None = Field(None, description="The CPU's newest EVC baseline, of its vendor")
    sockets: Int | None = documented(None, minimum=HOST_SOCKETS[0], maximum=HOST_SOCKETS[1])
    cores_per_socket: Int | None = documented(None, minimum=HOST_CORES_PER_SOCKET[0], maximum=HOST_CORES_PER_SOCKET[1])
    cpu_mhz: Int | None = documented(None, minimum=HOST_CPU_MHZ[0], maximum=HOST_CPU_MHZ[1])
    memory_mb: Int | None = documented(None, minimum=HOST_MEMORY_MB[0], maximum=HOST_MEMORY_MB[1])
    nic_gbps: NicSpeed | None = None
    esx_version: EsxVersion = "4.0.0"
    management_ip: str = documented("", maxLength=15, description="Empty: the next free address")
    shared_storage: Flag = True
    vmotion: Flag = True


class VmkernelOut(Schema):
    nic: str
    ip: str
    portgroup: str
    management: bool
    vmotion: bool
    ft_logging: bool


class VmkernelPatch(Body):
    vmotion: Flag | None = None
    ft_logging: Flag | None = None


class DatastoreOut(Schema):
    datastore: str
    name: str
    type: Literal["VMFS", "NFS"]
    backing: str
    capacity: int = Field(..., description="bytes")
    free_space: int = Field(..., description="bytes")
    hosts: list[str]


class NetworkOut(Schema):
    network: str
    name: str
    type: Literal["STANDARD_PORTGROUP"]
    hosts: list[str]


class VmOut(Schema):
    vm: str
    name: str
    power_state: Literal["POWERED_ON", "POWERED_OFF", "SUSPENDED"]
    host: str
    cluster: str | None
    datacenter: str
    datastore: str
    guest_OS: GuestOs
    cpu_count: int
    memory_size_MiB: int
    cpu_reservation_MHz: int
    memory_reservation_MiB: int
    memory_overhead_MiB: int
    workload: Workload
    ft_state: Literal["NOT_CONFIGURED", "RUNNING", "DISABLED", "NEED_SECONDARY"]
    ft_role: Literal["NONE", "PRIMARY", "SECONDARY"]
    guest_state: Literal["NOT_RUNNING", "BOOTING", "RUNNING", "SHUTTING_DOWN", "HUNG"]
    guest_uptime_s: int | None
    tools_running: bool


MEMORY = {"minimum": MIN_MEMORY_MB, "maximum": MAX_MEMORY_MB, "multipleOf": 4}


class VmCreate(Body):
    name: str = documented(**NAME)
    host: Text
    datastore: Text
    network: Text | None = Field(None, description="Defaults to the host's first VM network")
    guest_OS: GuestOs = "windows7Server64Guest"
    cpu_count: Int = documented(1, minimum=1, maximum=MAX_VCPUS)
    memory_size_MiB: Int = documented(1024, **MEMORY)
    disk_size_MiB: Int = documented(16 * 1024, minimum=1, maximum=MAX_DISK_MB)
    disk_provisioning: DiskProvisioning = "thin"
    workload: Workload = "idle"


class VmPatch(Body):
    cpu_count: Int | None = documented(None, minimum=1, maximum=MAX_VCPUS, description="Powered off only")
    memory_size_MiB: Int | None = documented(None, **MEMORY, description="Powered off only")
    cpu_reservation_MHz: Int | None = documented(None, minimum=0, maximum=MAX_CPU_RESERVATION_MHZ,
                                                 description="At most what the vCPUs can use on the host")
    memory_reservation_MiB: Int | None = documented(None, minimum=0, maximum=MAX_MEMORY_MB,
                                                    description="At most the memory size")
    memory_overhead_MiB: Int | None = documented(None, minimum=1, maximum=MAX_OVERHEAD_MB,
                                                 description="null: the computed overhead")
    workload: Workload | None = None


class MigrateSpec(Body):
    host: Text | None = None
    datastore: Text | None = None
    priority: Priority = "high"


class TaskRef(Schema):
    task: str


class InputRef(Schema):
    input: str


class InputOut(Schema):
    input: str
    kind: str
    state: Literal["PENDING", "APPLIED"]
    time: dt.datetime = Field(..., description="the simulated instant it applies at")
    applied_time: dt.datetime | None
    result: str = Field(..., description="empty when applied as asked; why it was ignored otherwise")
    user: str


class FaultCreate(Body):
    type: FaultType
    host: Text | None = Field(None, description="The host (all but management-switch and guest-hang)")
    peer: Text | None = Field(None, description="The second host of a network-partition")
    vm: Text | None = Field(None, description="The virtual machine of a guest-hang")


class FaultOut(Schema):
    fault: str
    type: FaultType
    label: str
    restore: str = Field(..., description="the command that ends it")
    host: str | None
    host_name: str | None
    peer: str | None
    peer_name: str | None
    vm: str | None
    vm_name: str | None
    start_time: dt.datetime
    restoring: bool = Field(..., description="a restore is requested and not applied yet")


class TaskOut(Schema):
    task: str
    description: str
    target: str
    target_name: str
    state: Literal["QUEUED", "RUNNING", "SUCCEEDED", "FAILED"]
    progress: int
    phase: str
    error: str | None
    cancelable: bool
    user: str
    queued_time: dt.datetime
    start_time: dt.datetime | None
    end_time: dt.datetime | None
    queued_wall_time: dt.datetime
    start_wall_time: dt.datetime | None
    end_wall_time: dt.datetime | None


class EventOut(Schema):
    seq: int
    time: dt.datetime
    wall_time: dt.datetime
    type: str
    severity: Literal["info", "warning", "error"]
    message: str
    user: str
    object: str
    object_name: str
    host: str
    cluster: str
    datacenter: str
    task: str | None


class ClockOut(Schema):
    now: dt.datetime
    now_s: float = Field(..., description="simulated seconds since 2010-02-10 09:00 UTC")
    speed: float
    paused: bool


class ClockPatch(Body):
    speed: Number | None = documented(None, minimum=MIN_SPEED, maximum=MAX_SPEED)
    paused: Flag | None = None


class Advance(Body):
    seconds: Number = documented(exclusiveMinimum=0, maximum=MAX_ADVANCE_S)


class HostCommandIn(Body):
    reason: str = documented("", description="Why (Reboot and Shut Down log it)", maxLength=MAX_REASON)


# scenario scripts (docs/scenarios.md)

class ScenarioCreate(Body):
    text: str = Field(..., description="The script: one line per timed input or expectation (docs/scenarios.md)")
    name: Text = Field("", description="A name for it (the log's and the list's)")


class ScenarioRef(Schema):
    scenario: str
    state: Literal["RUNNING", "PASSED", "FAILED", "ERROR"]


class ScenarioLineOut(Schema):
    line: int = Field(..., description="its number in the script")
    text: str
    at: str = Field(..., description="its time after the scenario's start, as scripts write it (01:30)")
    kind: Literal["command", "expect"]
    outcome: Literal["pending", "done", "refused", "met", "failed", "error"]
    message: str = Field(..., description="a refused command's refusal, or what a failed expectation found")


class ScenarioSummary(ScenarioRef):
    name: str
    user: str
    start_time: dt.datetime = Field(..., description="the simulated instant it started")
    end_time: dt.datetime | None


class ScenarioOut(ScenarioSummary):
    lines: list[ScenarioLineOut]
    log: list[str] = Field(..., description="the lab's event log since it started, as runscenario prints it "
                                            "(+00:10.0  VmFailedMigrateEvent  message)")
