from django.db import models

from inventory.choices import DatastoreType, StorageBacking

from .base import LabObject, unique_name_per_lab


class Datastore(LabObject):
    """A VMFS or NFS datastore. Free space is derived: capacity minus the VMs' disks and the
    files no VM accounts for (other_used_mb: VMFS metadata, ISOs, VMs removed from inventory)."""

    MOID_PREFIX = "datastore-"

    datacenter = models.ForeignKey("inventory.Datacenter", on_delete=models.PROTECT, related_name="datastores")
    type = models.CharField(max_length=10, choices=DatastoreType.choices, default=DatastoreType.VMFS)
    backing = models.CharField(max_length=10, choices=StorageBacking.choices, default=StorageBacking.ISCSI)
    capacity_mb = models.PositiveBigIntegerField()
    other_used_mb = models.PositiveBigIntegerField(default=0)
    hosts = models.ManyToManyField("inventory.Host", related_name="datastores", blank=True)

    class Meta:
        constraints = [
            unique_name_per_lab("datastore"),
            models.CheckConstraint(condition=models.Q(capacity_mb__gte=1), name="datastore_positive_capacity"),
        ]
        ordering = ["name", "pk"]

    @property
    def is_shared(self) -> bool:
        return self.backing != StorageBacking.LOCAL

    @property
    def type_label(self) -> str:
        if self.type == DatastoreType.NFS:
            return "NFS"
        return f"VMFS ({self.get_backing_display()})"
