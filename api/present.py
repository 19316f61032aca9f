"""Inventory rows as the API shows them (one function per kind, used by lists and details)."""

from __future__ import annotations

from inventory.capacity import HYPERVISOR_MEMORY_MB
from inventory.choices import VmPowerState
from inventory.models import Cluster, Datastore, Host, Network, VirtualMachine
from operations.checks.ha import HostCapacity, VmNeed, slot_info
from inventory.selectors import guest_of
from operations.engine.fault_kinds import FAULT_KINDS
from operations.engine.scenario import format_time
from operations.models import Fault, Input, Scenario, Task
from operations.present import event, sim_time  # noqa: F401 - event: the API's and the live batches' shape
from operations.services.scenarios import event_lines as scenario_log

GUEST_STATES = {"off": "NOT_RUNNING", "post": "BOOTING", "loader": "BOOTING", "os": "BOOTING", "login": "RUNNING",
                "shutdown": "SHUTTING_DOWN", "hung": "HUNG"}
TASK_STATES = {"queued": "QUEUED", "running": "RUNNING", "success": "SUCCEEDED", "error": "FAILED"}
MiB = 1024 * 1024


def upper(value: str) -> str:
    """poweredOn -> POWERED_ON, notResponding -> NOT_RESPONDING"""
    return "".join(f"_{c}" if c.isupper() else c for c in value).upper()


def vm(v: VirtualMachine, now: float, stopping: set[str]) -> dict:
    uptime, guest = guest_of(v, now, v.moid in stopping)
    return {
        "vm": v.moid, "name": v.name, "power_state": upper(v.power_state), "host": v.host.moid,
        "cluster": f"domain-c{v.host.cluster_id}" if v.host.cluster_id else None,
        "datacenter": f"datacenter-{v.host.datacenter_id}", "datastore": v.datastore.moid, "guest_OS": v.guest_os,
        "cpu_count": v.num_cpu, "memory_size_MiB": v.memory_mb, "cpu_reservation_MHz": v.cpu_reservation_mhz,
        "memory_reservation_MiB": v.memory_reservation_mb, "memory_overhead_MiB": v.memory_overhead_mb,
        "workload": v.workload, "ft_state": "RUNNING" if v.ft_role else "NOT_CONFIGURED",
        "ft_role": (v.ft_role or "none").upper(), "guest_state": GUEST_STATES[guest.stage],
        "guest_uptime_s": None if uptime is None else int(uptime), "tools_running": guest.tools_running,
    }


def host(h: Host) -> dict:
    return {
        "host": h.moid, "name": h.name, "datacenter": f"datacenter-{h.datacenter_id}",
        "cluster": f"domain-c{h.cluster_id}" if h.cluster_id else None,
        "connection_state": upper(h.connection_state), "power_state": upper(h.power_state),
        "in_maintenance_mode": h.in_maintenance_mode,
        "management_network": "CONNECTED" if h.management_connected else "DISCONNECTED",
        "vmotion_network": "CONNECTED" if h.vmotion_connected else "DISCONNECTED",
        "storage": "CONNECTED" if h.storage_connected else "DISCONNECTED",
        "ft_logging_network": "CONNECTED" if h.ft_logging_connected else "DISCONNECTED",
        "vendor": h.vendor, "model": h.model, "cpu_vendor": h.cpu_vendor.upper(), "cpu_model": h.cpu_model,
        "cpu_evc_max": h.evc_max, "cpu_cores": h.cores, "cpu_mhz_total": h.cpu_total_mhz, "memory_size_MiB": h.memory_mb,
        "vmotion_link_Gbps": h.nic_gbps, "esx_version": h.esx_version,
    }


def vmkernel(nic) -> dict:
    return {"nic": nic.device, "ip": nic.ip, "portgroup": nic.portgroup.name, "management": nic.management,
            "vmotion": nic.vmotion, "ft_logging": nic.ft_logging}


def cluster(c: Cluster) -> dict:
    hosts = list(c.hosts.all())
    running = VirtualMachine.objects.filter(host__in=hosts, power_state=VmPowerState.POWERED_ON)
    info = slot_info(
        [HostCapacity(h.name, h.cpu_total_mhz, h.memory_mb - HYPERVISOR_MEMORY_MB) for h in hosts if h.is_usable],
        [VmNeed(v.cpu_reservation_mhz, v.memory_reservation_mb, v.memory_overhead_mb) for v in running],
    )
    return {
        "cluster": c.moid, "name": c.name, "datacenter": f"datacenter-{c.datacenter_id}", "ha_enabled": c.ha_enabled,
        "drs_enabled": c.drs_enabled, "admission_control_enabled": c.ha_admission_control_enabled,
        "admission_control_policy": c.ha_admission_control_policy, "failover_level": c.ha_failover_level,
        "failover_cpu_percent": c.ha_failover_cpu_percent, "failover_memory_percent": c.ha_failover_memory_percent,
        "evc_mode": c.evc_mode, "hosts": [h.moid for h in hosts],
        "ha_runtime": {
            "slot_cpu_MHz": info.cpu_slot_mhz, "slot_memory_MiB": info.memory_slot_mb,
            "total_slots": info.total_slots, "used_slots": info.used_slots,
            "available_slots": info.available_slots, "current_failover_capacity": info.failover_capacity,
        },
    }


def datastore(d: Datastore) -> dict:
    """`d` comes annotated with selectors.with_space."""
    return {
        "datastore": d.moid, "name": d.name, "type": "NFS" if d.backing == "nfs" else "VMFS", "backing": d.backing,
        "capacity": d.capacity_mb * MiB, "free_space": max(0, d.free_mb) * MiB,
        "hosts": [h.moid for h in d.hosts.all()],
    }


def network(n: Network) -> dict:
    return {"network": n.moid, "name": n.name, "type": "STANDARD_PORTGROUP",
            "hosts": sorted({f"host-{pg.host_id}" for pg in n.portgroups.all()})}


def task(t: Task) -> dict:
    return {
        "task": t.moid, "description": t.name, "target": t.object_moid, "target_name": t.object_name,
        "state": TASK_STATES[t.state], "progress": t.progress, "phase": t.phase, "error": t.error_message or None,
        "cancelable": t.cancelable and t.is_active, "user": t.initiator_name,
        "queued_time": sim_time(t.queued_sim), "start_time": sim_time(t.started_sim),
        "end_time": sim_time(t.completed_sim), "queued_wall_time": t.queued_at, "start_wall_time": t.started_at,
        "end_wall_time": t.completed_at,
    }


def clock(lab) -> dict:
    now = lab.now()
    return {"now": sim_time(now), "now_s": round(now, 3), "speed": lab.clock_speed, "paused": lab.clock_paused}


def fault(f: Fault) -> dict:
    """`f` comes from selectors.active_faults (objects joined, `restoring` set)."""
    spec = FAULT_KINDS[f.kind]
    return {
        "fault": f.moid, "type": f.kind, "label": spec.label, "restore": spec.restore_label,
        "host": f.host.moid if f.host else None, "host_name": f.host.name if f.host else None,
        "peer": f.peer.moid if f.peer else None, "peer_name": f.peer.name if f.peer else None,
        "vm": f.vm.moid if f.vm else None, "vm_name": f.vm.name if f.vm else None,
        "start_time": sim_time(f.started_sim), "restoring": getattr(f, "restoring", False),
    }


def input(i: Input) -> dict:  # noqa: A001 - the API's word for it
    return {"input": i.moid, "kind": i.kind, "state": "APPLIED" if i.applied else "PENDING", "time": sim_time(i.at),
            "applied_time": sim_time(i.applied_sim), "result": i.result, "user": i.initiator_name}


def scenario(s: Scenario, *, full: bool = False) -> dict:
    found = {"scenario": s.moid, "state": s.state.upper(), "name": s.name, "user": s.initiator_name,
             "start_time": sim_time(s.started_sim), "end_time": sim_time(s.ended_sim)}
    if full:
        found["lines"] = [
            {"line": line["number"], "text": line["text"], "at": format_time(line["at"]), "kind": line["kind"],
             "outcome": s.outcomes.get(str(line["number"]), {}).get("outcome", "pending"),
             "message": s.outcomes.get(str(line["number"]), {}).get("message", "")}
            for line in s.lines]
        found["log"] = scenario_log(s)
    return found
