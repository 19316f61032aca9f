"""Resource arithmetic over plain numbers: what a host's Summary bars show.

[model] Until the engine simulates load (the Engine issue), a powered-on VM uses a share of its
vCPUs and memory set by its workload profile (choices.WORKLOAD_LOAD), plus its memory overhead.
"""

from dataclasses import dataclass

from inventory.choices import WORKLOAD_LOAD

# [model] what ESXi itself takes from a host's memory
HYPERVISOR_MEMORY_MB = 400


@dataclass(frozen=True)
class Usage:
    cpu_used_mhz: int
    cpu_total_mhz: int
    memory_used_mb: int
    memory_total_mb: int
    cpu_reserved_mhz: int = 0
    memory_reserved_mb: int = 0

    @property
    def cpu_percent(self) -> int:
        return round(100 * self.cpu_used_mhz / self.cpu_total_mhz) if self.cpu_total_mhz else 0

    @property
    def memory_percent(self) -> int:
        return round(100 * self.memory_used_mb / self.memory_total_mb) if self.memory_total_mb else 0

    def __add__(self, other: "Usage") -> "Usage":
        return Usage(*(a + b for a, b in zip(self.astuple(), other.astuple())))

    def astuple(self) -> tuple:
        return (self.cpu_used_mhz, self.cpu_total_mhz, self.memory_used_mb, self.memory_total_mb,
                self.cpu_reserved_mhz, self.memory_reserved_mb)


def vm_demand(*, workload: str, num_cpu: int, memory_mb: int, overhead_mb: int, core_mhz: int) -> tuple[int, int]:
    cpu_share, memory_share = WORKLOAD_LOAD.get(workload, WORKLOAD_LOAD["idle"])
    return round(num_cpu * core_mhz * cpu_share), round(memory_mb * memory_share) + overhead_mb


def reservations(running_vms) -> tuple[int, int]:
    """CPU MHz and memory MB (with overhead) that running VMs reserve: host admission control."""
    cpu = mem = 0
    for vm in running_vms:
        cpu += vm.cpu_reservation_mhz
        mem += vm.memory_reservation_mb + vm.memory_overhead_mb
    return cpu, mem


def host_usage(host, running_vms) -> Usage:
    """Usage of a host that is up; a host that is down or disconnected shows nothing used."""
    cpu = mem = cpu_res = mem_res = 0
    if host.is_usable or host.in_maintenance_mode:
        cpu_res, mem_res = reservations(running_vms)
        mem = HYPERVISOR_MEMORY_MB
        for vm in running_vms:
            vm_cpu, vm_mem = vm_demand(
                workload=vm.workload, num_cpu=vm.num_cpu, memory_mb=vm.memory_mb,
                overhead_mb=vm.memory_overhead_mb, core_mhz=host.cpu_mhz,
            )
            cpu += vm_cpu
            mem += vm_mem
    return Usage(
        min(cpu, host.cpu_total_mhz), host.cpu_total_mhz, min(mem, host.memory_mb), host.memory_mb, cpu_res, mem_res
    )
