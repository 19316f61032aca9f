"""What the API returns and accepts, named as vSphere Automation REST names things."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from ninja import Field, Schema
from pydantic import AfterValidator

from inventory.models.lab import SIM_EPOCH


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


Text = Annotated[str, AfterValidator(_no_nul)]  # every string the API accepts (PostgreSQL refuses NUL)


def sim_time(seconds: float | None) -> dt.datetime | None:
    return None if seconds is None else SIM_EPOCH + dt.timedelta(seconds=seconds)


class LabOut(Schema):
    lab: str
    name: str
    owner: str
    preset: str


class LabCreate(Schema):
    preset: Text = Field(..., description="seed-article, classroom, mixed-cpu or scale")
    name: Text = Field("", max_length=80)


class DatacenterOut(Schema):
    datacenter: str
    name: str


class NameIn(Schema):
    name: Text = Field(..., min_length=1, max_length=80)


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
    admission_control_policy: Literal["FAILOVER_LEVEL", "PERCENTAGE", "FAILOVER_HOST"]
    failover_level: int
    failover_cpu_percent: int
    failover_memory_percent: int
    evc_mode: str
    hosts: list[str]
    ha_runtime: HaRuntime


class ClusterCreate(Schema):
    name: Text = Field(..., min_length=1, max_length=80)
    datacenter: Text
    ha_enabled: bool = False
    drs_enabled: bool = False
    evc_mode: Text = ""


class ClusterPatch(Schema):
    ha_enabled: bool | None = None
    drs_enabled: bool | None = None
    admission_control_enabled: bool | None = None
    admission_control_policy: Literal["FAILOVER_LEVEL", "PERCENTAGE", "FAILOVER_HOST"] | None = None
    failover_level: int | None = Field(None, ge=1, le=4)
    failover_cpu_percent: int | None = Field(None, ge=0, le=100)
    failover_memory_percent: int | None = Field(None, ge=0, le=100)
    evc_mode: Text | None = None


class ClusterHostIn(Schema):
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
    storage: Literal["CONNECTED", "DISCONNECTED"]
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


class HostCreate(Schema):
    name: Text = Field(..., min_length=1, max_length=80)
    datacenter: Text | None = Field(None, description="Defaults to the cluster's datacenter")
    cluster: Text | None = None
    profile: Text | None = Field(None, description="A hardware profile key, e.g. r805-2435-32")
    vendor: Text | None = None
    model: Text | None = None
    cpu_vendor: Literal["intel", "amd"] | None = None
    cpu_model: Text | None = None
    cpu_family: int | None = Field(None, ge=1, le=255)
    cpu_model_number: int | None = Field(None, ge=0, le=255)
    evc_max: Text | None = None
    sockets: int | None = Field(None, ge=1, le=8)
    cores_per_socket: int | None = Field(None, ge=1, le=12)
    cpu_mhz: int | None = Field(None, ge=500, le=5000)
    memory_mb: int | None = Field(None, ge=1024, le=1024 * 1024)
    nic_gbps: Literal[1, 10] | None = None
    esx_version: Text = "4.0.0"
    management_ip: Text = ""
    shared_storage: bool = True
    vmotion: bool = True


class VmkernelOut(Schema):
    nic: str
    ip: str
    portgroup: str
    management: bool
    vmotion: bool
    ft_logging: bool


class VmkernelPatch(Schema):
    vmotion: bool | None = None
    ft_logging: bool | None = None


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
    guest_OS: str
    cpu_count: int
    memory_size_MiB: int
    cpu_reservation_MHz: int
    memory_reservation_MiB: int
    memory_overhead_MiB: int
    workload: str
    ft_state: Literal["NOT_CONFIGURED", "RUNNING", "DISABLED", "NEED_SECONDARY"]
    ft_role: Literal["NONE", "PRIMARY", "SECONDARY"]
    guest_state: Literal["NOT_RUNNING", "BOOTING", "RUNNING", "SHUTTING_DOWN", "HUNG"]
    guest_uptime_s: int | None
    tools_running: bool


class VmCreate(Schema):
    name: Text = Field(..., min_length=1, max_length=80)
    host: Text
    datastore: Text
    network: Text | None = Field(None, description="Defaults to the host's first VM network")
    guest_OS: Text = "windows7Server64Guest"
    cpu_count: int = Field(1, ge=1, le=8)
    memory_size_MiB: int = Field(1024, ge=4, le=255 * 1024, multiple_of=4)
    disk_size_MiB: int = Field(16 * 1024, ge=1, le=2 * 1024 * 1024 - 1)
    disk_provisioning: Literal["thin", "lazyZeroedThick", "eagerZeroedThick"] = "thin"
    workload: Literal["idle", "web", "database", "memoryHeavy"] = "idle"


class VmPatch(Schema):
    cpu_count: int | None = Field(None, ge=1, le=8)
    memory_size_MiB: int | None = Field(None, ge=4, le=255 * 1024, multiple_of=4)
    cpu_reservation_MHz: int | None = Field(None, ge=0, le=1_000_000)
    memory_reservation_MiB: int | None = Field(None, ge=0, le=255 * 1024)
    memory_overhead_MiB: int | None = Field(None, ge=1, le=65536)
    workload: Literal["idle", "web", "database", "memoryHeavy"] | None = None


class MigrateSpec(Schema):
    host: Text | None = None
    datastore: Text | None = None
    priority: Literal["high", "low"] = "high"


class TaskRef(Schema):
    task: str


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


class ClockPatch(Schema):
    speed: float | None = Field(None, ge=0.1, le=100)
    paused: bool | None = None


class Advance(Schema):
    seconds: float = Field(..., gt=0, le=86400)
