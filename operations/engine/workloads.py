"""[model] What each workload profile does to a VM: CPU and memory load, how fast it dirties
memory (drives VMotion pre-copy) and writes to disk (drives Storage VMotion CBT rounds)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Workload:
    cpu_busy: float  # share of each vCPU in use
    memory_active: float  # share of memory the guest touches: the most it can have dirty
    dirty_mb_s: float  # memory pages dirtied per second
    disk_write_mb_s: float  # blocks changed per second


WORKLOADS = {
    "idle": Workload(cpu_busy=0.03, memory_active=0.15, dirty_mb_s=2, disk_write_mb_s=0.2),
    "web": Workload(cpu_busy=0.25, memory_active=0.40, dirty_mb_s=15, disk_write_mb_s=1.0),
    "database": Workload(cpu_busy=0.45, memory_active=0.70, dirty_mb_s=45, disk_write_mb_s=6.0),
    "memoryHeavy": Workload(cpu_busy=0.30, memory_active=0.90, dirty_mb_s=140, disk_write_mb_s=2.0),
}
