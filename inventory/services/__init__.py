"""Inventory writes. Each service implements one vSphere operation and records its task."""

from .tree import (
    HostSpec, cluster_create, cluster_reconfigure, datacenter_create, entity_remove, entity_rename, host_add,
    host_enter_maintenance, host_exit_maintenance, host_move, host_remove, host_vmknic_configure, host_vmknics_configure,
)
from .vms import (
    vm_add_disk, vm_create, vm_destroy, vm_reconfigure, vm_snapshot_create,
    vm_snapshot_remove, vm_snapshot_remove_all, vm_unregister,
)

__all__ = [
    "HostSpec", "cluster_create", "cluster_reconfigure",
    "datacenter_create", "entity_remove", "entity_rename", "host_add",
    "host_enter_maintenance", "host_exit_maintenance", "host_move", "host_remove", "host_vmknic_configure", "host_vmknics_configure", "vm_add_disk", "vm_create",
    "vm_destroy", "vm_reconfigure", "vm_snapshot_create",
    "vm_snapshot_remove", "vm_snapshot_remove_all", "vm_unregister",
]
