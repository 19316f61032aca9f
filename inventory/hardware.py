"""Server hardware the lab knows: EVC baselines per CPU generation, and host profiles.

EVC modes are vSphere 4.1's, ordered oldest to newest within a vendor: a CPU supports every
baseline up to and including its own generation.
"""

from dataclasses import dataclass

# (key, label) in order of generation, per vendor
EVC_MODES = {
    "amd": [
        ("amd-rev-e", "AMD Opteron Generation 1"),
        ("amd-rev-f", "AMD Opteron Generation 2"),
        ("amd-greyhound", "AMD Opteron Generation 3"),
    ],
    "intel": [
        ("intel-merom", "Intel Xeon Core 2"),
        ("intel-penryn", "Intel Xeon 45nm Core 2"),
        ("intel-nehalem", "Intel Xeon Core i7"),
        ("intel-westmere", "Intel Xeon 32nm Core i7"),
    ],
}
EVC_LABELS = {key: label for modes in EVC_MODES.values() for key, label in modes}
EVC_CHOICES = [("", "Disabled")] + [(k, v) for modes in EVC_MODES.values() for k, v in modes]


def evc_vendor(mode: str) -> str:
    return mode.split("-", 1)[0]


def evc_supported(cpu_vendor: str, max_mode: str) -> list[str]:
    """Every EVC baseline a CPU whose newest baseline is `max_mode` can run."""
    keys = [key for key, _ in EVC_MODES.get(cpu_vendor, [])]
    if max_mode not in keys:
        return []
    return keys[: keys.index(max_mode) + 1]


@dataclass(frozen=True)
class HostSpec:
    """A server's hardware as Add Host records it."""

    vendor: str
    model: str
    cpu_vendor: str
    cpu_model: str
    cpu_family: int
    cpu_model_number: int
    evc_max: str
    sockets: int
    cores_per_socket: int
    cpu_mhz: int
    memory_mb: int
    nic_gbps: int = 1


@dataclass(frozen=True)
class HardwareProfile:
    key: str
    label: str
    spec: HostSpec


PROFILES = [
    HardwareProfile(
        "r805-2435-32", "Dell PowerEdge R805, 2x AMD Opteron 2435, 32 GB",
        HostSpec(
            "Dell Inc.", "PowerEdge R805", "amd", "Six-Core AMD Opteron(tm) Processor 2435",
            16, 8, "amd-greyhound", 2, 6, 2600, 32768,
        ),
    ),
    HardwareProfile(
        "dl385g2-2218-16", "HP ProLiant DL385 G2, 2x AMD Opteron 2218, 16 GB",
        HostSpec(
            "HP", "ProLiant DL385 G2", "amd", "Dual-Core AMD Opteron(tm) Processor 2218",
            15, 65, "amd-rev-f", 2, 2, 2600, 16384,
        ),
    ),
    HardwareProfile(
        "r710-x5570-48", "Dell PowerEdge R710, 2x Intel Xeon X5570, 48 GB",
        HostSpec(
            "Dell Inc.", "PowerEdge R710", "intel", "Intel(R) Xeon(R) CPU X5570 @ 2.93GHz",
            6, 26, "intel-nehalem", 2, 4, 2933, 49152,
        ),
    ),
    HardwareProfile(
        "pe2950-e5430-16", "Dell PowerEdge 2950 III, 2x Intel Xeon E5430, 16 GB",
        HostSpec(
            "Dell Inc.", "PowerEdge 2950", "intel", "Intel(R) Xeon(R) CPU E5430 @ 2.66GHz",
            6, 23, "intel-penryn", 2, 4, 2666, 16384,
        ),
    ),
    HardwareProfile(
        "dl380g7-x5670-96", "HP ProLiant DL380 G7, 2x Intel Xeon X5670, 96 GB, 10 GbE",
        HostSpec(
            "HP", "ProLiant DL380 G7", "intel", "Intel(R) Xeon(R) CPU X5670 @ 2.93GHz",
            6, 44, "intel-westmere", 2, 6, 2933, 98304, 10,
        ),
    ),
]
PROFILES_BY_KEY = {p.key: p for p in PROFILES}
PROFILE_CHOICES = [(p.key, p.label) for p in PROFILES]
CPU_MODELS = {
    # the CPU choices offered for explicit specs: (vendor, label) -> (family, model, EVC max)
    (p.spec.cpu_vendor, p.spec.cpu_model): (p.spec.cpu_family, p.spec.cpu_model_number, p.spec.evc_max)
    for p in PROFILES
}
CPU_MODEL_CHOICES = [(f"{v}|{m}", m) for (v, m) in CPU_MODELS]

ESX_VERSIONS = [
    ("4.0.0", "208167", "VMware ESXi 4.0.0 build-208167"),
    ("4.1.0", "260247", "VMware ESXi 4.1.0 build-260247"),
]
ESX_VERSION_CHOICES = [(v, label) for v, _, label in ESX_VERSIONS]
ESX_BUILDS = {v: b for v, b, _ in ESX_VERSIONS}
