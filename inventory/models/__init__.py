from .host import Host, Network, PortGroup, VirtualSwitch, VMkernelNic
from .lab import SIM_EPOCH, Lab
from .storage import Datastore
from .tree import Cluster, Datacenter
from .vm import Snapshot, VirtualDisk, VirtualMachine, VirtualNic

__all__ = [
    "SIM_EPOCH", "Cluster", "Datacenter", "Datastore", "Host", "Lab", "Network", "PortGroup",
    "Snapshot", "VMkernelNic", "VirtualDisk", "VirtualMachine", "VirtualNic", "VirtualSwitch",
]
