"""The rules of what vCenter accepts as input: names, sizes, hardware, enumerations.

Pure functions over plain values (no Django, no database), one per rule, each returning the
problems it finds as messages (an empty list: accepted). The services call them and refuse with
the messages; forms and API schemas only parse (and the API's enumerations reuse `Choice`), so a
page, the JSON API and a script get the same refusal for the same input. Limits that depend on
other objects (free space, a host's CPU, the cluster's EVC mode) are checked by the services with
the facts they read, through functions here where the arithmetic is the rule.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from dataclasses import dataclass
from enum import Enum

from inventory.hardware import ESX_BUILDS, EVC_LABELS, EVC_MODES, PROFILES_BY_KEY, HostSpec

# vSphere 4 virtual hardware version 7 and VMFS-3
MAX_VCPUS = 8
MIN_MEMORY_MB = 4
MAX_MEMORY_MB = 255 * 1024
MAX_DISK_MB = 2 * 1024 * 1024 - 1  # 2 TB minus 512 bytes
MAX_DISKS = 60  # 4 SCSI controllers x 15 devices
MAX_CPU_RESERVATION_MHZ = 1_000_000
MAX_OVERHEAD_MB = 65536
# names as vCenter stores them
MAX_NAME = 80
MAX_DESCRIPTION = 255
MAX_ISO_PATH = 120
RESERVED_NAME_CHARS = "%/\\"  # vCenter escapes these in inventory paths
# hosts the lab can simulate (ESX 4.x: at least 2 GB of memory, at most 1 TB and 8 sockets)
HOST_SOCKETS = (1, 8)
HOST_CORES_PER_SOCKET = (1, 12)
HOST_CPU_MHZ = (1000, 4000)
HOST_MEMORY_MB = (2048, 1024 * 1024)
HOST_TEXT = 60  # server vendor and model
HOST_CPU_MODEL = 80
# the scale preset: vCenter 4.1 maxima (REFERENCE.md §5)
SCALE_MAX_HOSTS = 1000
SCALE_MAX_VMS = 10000
SCALE_MAX_CLUSTER_SIZE = 32
SCALE_MAX_VMS_PER_HOST = 320
SCALE_MAX_VMS_PER_CLUSTER = 3000

HOSTNAME_RE = re.compile(r"^(?=.{1,80}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$")
# Characters no name may hold: controls (C0 with NUL, DEL, C1), invisible format characters
# (bidirectional overrides and isolates such as U+202E, zero-width spaces and joiners, the byte
# order mark, soft hyphens), lone surrogates, and line and paragraph separators. They reorder or
# hide text on screen, so two names that look alike differ, or a name reads backwards.
FORBIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
LINE_BREAKS = "\n\r\t"  # allowed in free text (a snapshot's description), never in a name


def _shown(value, limit: int = 40) -> str:
    """A value as a message may quote it: invisible characters spelled out, long values cut."""
    text = str(value.value if isinstance(value, Enum) else value)
    text = "".join(f"\\u{ord(c):04x}" if unicodedata.category(c) in FORBIDDEN_CATEGORIES else c for c in text)
    return text if len(text) <= limit else text[:limit] + "…"


def _is_whole(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _char_name(c: str) -> str:
    return unicodedata.name(c, "") or {"\x00": "NULL", "\x7f": "DELETE"}.get(c, "a control character")


def invisible_characters(text: str, allowed: str = "") -> list[str]:
    """The forbidden characters in `text`, each once, in order of appearance."""
    found: list[str] = []
    for c in text:
        if c not in allowed and c not in found and unicodedata.category(c) in FORBIDDEN_CATEGORIES:
            found.append(c)
    return found


def _invisible_problem(subject: str, found: list[str]) -> list[str]:
    if not found:
        return []
    listed = ", ".join(f"U+{ord(c):04X} ({_char_name(c)})" for c in found[:3]) + (", ..." if len(found) > 3 else "")
    return [f"{subject} may not contain control or invisible formatting characters: {listed}."]


def text_problems(text, *, subject: str, max_length: int, required: bool = False, allowed: str = "") -> list[str]:
    """Free text the inventory stores: its length and no control or invisible characters."""
    if not isinstance(text, str):
        return [f"{subject} must be text."]
    found = invisible_characters(text, allowed)
    if found:
        return _invisible_problem(subject, found)
    if required and not text.strip():
        return [f"{subject} is required."]
    if len(text) > max_length:
        return [f"{subject} must be {max_length} characters or fewer."]
    return []


def name_problems(name, *, subject: str = "The name", reserved: str = RESERVED_NAME_CHARS) -> list[str]:
    """An inventory name (datacenter, cluster, host, VM, datastore, snapshot, lab): 1 to 80
    characters once trimmed, none of them invisible or a control, none of `reserved`."""
    problems = text_problems(name, subject=subject, max_length=10**9, required=True)
    if problems:
        return problems
    name = name.strip()
    if len(name) > MAX_NAME:
        return [f"{subject} must be {MAX_NAME} characters or fewer."]
    if reserved and any(c in name for c in reserved):
        return [f"{subject} may not contain the characters {' '.join(reserved)}."]
    return []


def host_name_problems(name) -> list[str]:
    """Add Host takes the name vCenter connects to: a DNS name or an IPv4 address (lower case)."""
    problems = name_problems(name)
    if problems:
        return problems
    if not HOSTNAME_RE.match(name.strip().lower()):
        return ["Enter a valid host name (letters, digits, hyphens and dots, e.g. esx03.lab.local) or IP address."]
    return []


def range_problems(value, lo: int, hi: int, *, subject: str, unit: str = "") -> list[str]:
    """A whole number between lo and hi (inclusive)."""
    if not _is_whole(value):
        return [f"{subject} must be a whole number."]
    if not lo <= value <= hi:
        unit = f" {unit}" if unit else ""
        return [f"{subject} must be between {lo:,}{unit} and {hi:,}{unit}."]
    return []


@dataclass(frozen=True)
class Choice:
    """An enumeration a service accepts: `what` names it in the refusal, `values` lists it.
    The API turns each into an enum of its OpenAPI document that refuses with the same message."""

    what: str
    values: tuple

    def problems(self, value) -> list[str]:
        raw = value.value if isinstance(value, Enum) else value
        if any(raw == v and type(raw) is type(v) for v in self.values):
            return []
        listed = ", ".join('"" (none)' if v == "" else str(v) for v in self.values)
        return [f"Unknown {self.what} '{_shown(value)}': use one of {listed}."]


EVC_MODE = Choice("EVC mode", ("", *EVC_LABELS))  # a cluster's: "" is EVC disabled
EVC_BASELINE = Choice("EVC mode", tuple(EVC_LABELS))  # a CPU's newest
ESX_VERSION = Choice("ESX version", tuple(ESX_BUILDS))
HOST_PROFILE = Choice("hardware profile", tuple(PROFILES_BY_KEY))
CPU_VENDOR = Choice("CPU vendor", tuple(EVC_MODES))
NIC_SPEED = Choice("VMotion link speed (Gbps)", (1, 10))


# --- virtual machines -------------------------------------------------------------------------

def vcpu_problems(num_cpu) -> list[str]:
    return range_problems(num_cpu, 1, MAX_VCPUS, subject="The number of virtual processors")


def memory_problems(memory_mb) -> list[str]:
    problems = range_problems(memory_mb, MIN_MEMORY_MB, MAX_MEMORY_MB, subject="Memory", unit="MB")
    if not problems and memory_mb % 4:
        problems = ["Memory must be a multiple of 4 MB."]
    return problems


def disk_size_problems(capacity_mb) -> list[str]:
    if not _is_whole(capacity_mb):
        return ["The disk size must be a whole number of MB."]
    if not 1 <= capacity_mb <= MAX_DISK_MB:
        return [f"The disk size must be between 1 MB and 2 TB minus 512 bytes ({MAX_DISK_MB:,} MB)."]
    return []


def disk_growth_problems(label: str, current_mb: int, new_mb) -> list[str]:
    problems = disk_size_problems(new_mb)
    if not problems and new_mb < current_mb:
        problems = [f"{label} cannot shrink: vSphere only extends virtual disks ({current_mb:,} MB now)."]
    return problems


def cpu_reservation_problems(mhz, *, num_cpu: int, host_mhz: int, host_name: str) -> list[str]:
    """A CPU reservation is capped at what the VM's vCPUs can use on its host."""
    problems = range_problems(mhz, 0, MAX_CPU_RESERVATION_MHZ, subject="The CPU reservation", unit="MHz")
    if problems:
        return problems
    limit = num_cpu * host_mhz
    if mhz > limit:
        return [f"The CPU reservation ({mhz} MHz) cannot exceed what {num_cpu} vCPU(s) can use on {host_name} "
                f"({limit} MHz)."]
    return []


def memory_reservation_problems(mb, *, memory_mb: int) -> list[str]:
    problems = range_problems(mb, 0, MAX_MEMORY_MB, subject="The memory reservation", unit="MB")
    if not problems and mb > memory_mb:
        problems = [f"The memory reservation ({mb} MB) cannot exceed the memory size ({memory_mb} MB)."]
    return problems


def overhead_problems(mb) -> list[str]:
    """An override of the computed memory overhead (None keeps the computed one)."""
    if mb is None:
        return []
    return range_problems(mb, 1, MAX_OVERHEAD_MB, subject="The memory overhead", unit="MB")


def iso_path_problems(path) -> list[str]:
    """CD/DVD drive backed by an ISO file: a relative path on the datastore ending in .iso."""
    problems = text_problems(path, subject="The ISO file path", max_length=MAX_ISO_PATH)
    if problems:
        return problems
    path = path.strip()
    if not path.lower().endswith(".iso") or path.startswith("/") or ".." in path:
        return ["The ISO file path must be a path on the datastore ending in .iso, e.g. ISO/w2k8r2.iso."]
    return []


def snapshot_problems(name, description) -> list[str]:
    return [*name_problems(name, subject="The snapshot name", reserved=""),
            *text_problems(description, subject="The snapshot description", max_length=MAX_DESCRIPTION,
                           allowed=LINE_BREAKS)]


# --- hosts ----------------------------------------------------------------------------------

def evc_baseline_problems(cpu_vendor, evc_max) -> list[str]:
    """A CPU's newest EVC baseline must exist and be of its own vendor."""
    problems = EVC_BASELINE.problems(evc_max)
    if problems or CPU_VENDOR.problems(cpu_vendor):
        return problems
    own = [key for key, _ in EVC_MODES[cpu_vendor]]
    if evc_max not in own:
        vendor = {"amd": "AMD", "intel": "Intel"}[cpu_vendor]
        return [f"An {vendor} CPU cannot have the EVC baseline {EVC_LABELS[evc_max]} ({evc_max}): use one of "
                f"{', '.join(own)}."]
    return []


def host_spec_problems(spec: HostSpec) -> list[str]:
    """Explicit server specifications (Add Host): every field in range, the CPU consistent."""
    return [
        *text_problems(spec.vendor, subject="The server vendor", max_length=HOST_TEXT, required=True),
        *text_problems(spec.model, subject="The server model", max_length=HOST_TEXT, required=True),
        *CPU_VENDOR.problems(spec.cpu_vendor),
        *text_problems(spec.cpu_model, subject="The CPU model", max_length=HOST_CPU_MODEL, required=True),
        *range_problems(spec.cpu_family, 1, 255, subject="The CPU family"),
        *range_problems(spec.cpu_model_number, 0, 255, subject="The CPU model number"),
        *evc_baseline_problems(spec.cpu_vendor, spec.evc_max),
        *range_problems(spec.sockets, *HOST_SOCKETS, subject="CPU sockets"),
        *range_problems(spec.cores_per_socket, *HOST_CORES_PER_SOCKET, subject="Cores per socket"),
        *range_problems(spec.cpu_mhz, *HOST_CPU_MHZ, subject="The CPU speed", unit="MHz"),
        *range_problems(spec.memory_mb, *HOST_MEMORY_MB, subject="Host memory", unit="MB"),
        *NIC_SPEED.problems(spec.nic_gbps),
    ]


def management_ip_problems(address) -> list[str]:
    """A host's management address: an IPv4 unicast address (empty: the lab picks the next free one)."""
    problems = text_problems(address, subject="The management IP address", max_length=15)
    if problems or address == "":
        return problems
    try:
        ip = ipaddress.IPv4Address(address)
    except ValueError:
        return [f"'{_shown(address)}' is not a valid IPv4 address."]
    if ip.is_unspecified or ip.is_loopback or ip.is_multicast or ip.is_reserved or ip.is_link_local:
        return [f"{address} cannot be a host's management address: use a unicast address of the lab's network."]
    return []


# --- clusters -------------------------------------------------------------------------------

def failover_problems(level, cpu_percent, memory_percent) -> list[str]:
    """HA admission control settings (None: unchanged)."""
    problems = []
    if level is not None and (not _is_whole(level) or not 1 <= level <= 4):
        problems.append("Host failures the cluster tolerates must be between 1 and 4.")
    for value, what in ((cpu_percent, "CPU"), (memory_percent, "memory")):
        if value is not None and (not _is_whole(value) or not 0 <= value <= 100):
            problems.append(f"The {what} failover capacity must be between 0% and 100%.")
    return problems


def switch_problems(**switches) -> list[str]:
    """On/off settings must be booleans (None: unchanged), not 0, 1 or "yes"."""
    return [f"{name} must be true or false." for name, value in switches.items()
            if value is not None and not isinstance(value, bool)]


# --- labs -----------------------------------------------------------------------------------

def scale_plan_problems(hosts, vms, cluster_size) -> list[str]:
    """The scale preset's size, within vCenter 4.1's maxima."""
    problems = [
        f"{subject} must be a whole number." if not _is_whole(value) else f"{subject} must be between {lo} and {hi}{why}."
        for value, lo, hi, subject, why in (
            (hosts, 1, SCALE_MAX_HOSTS, "Hosts", " (the vCenter 4.1 maximum)"),
            (vms, 0, SCALE_MAX_VMS, "Virtual machines", " (powered-on VMs per vCenter 4.1)"),
            (cluster_size, 1, SCALE_MAX_CLUSTER_SIZE, "Hosts per cluster", ""),
        ) if not (_is_whole(value) and lo <= value <= hi)
    ]
    if problems:
        return problems
    if vms > hosts * SCALE_MAX_VMS_PER_HOST:
        problems.append(f"{vms} VMs on {hosts} hosts exceeds {SCALE_MAX_VMS_PER_HOST} VMs per host.")
    if vms and -(-vms // hosts) * min(cluster_size, hosts) > SCALE_MAX_VMS_PER_CLUSTER:
        problems.append(f"That puts more than {SCALE_MAX_VMS_PER_CLUSTER} VMs in a cluster; use smaller clusters.")
    return problems
