from django.db import models

from inventory.choices import (
    AdmissionControlPolicy, DrsAutomation, IsolationResponse, RestartPriority, SwapfilePolicy,
)
from inventory.hardware import EVC_CHOICES

from .base import LabObject, unique_name_per_lab


class Datacenter(LabObject):
    MOID_PREFIX = "datacenter-"

    class Meta:
        constraints = [unique_name_per_lab("datacenter")]
        ordering = ["name", "pk"]


class Cluster(LabObject):
    """A cluster with its HA, DRS and EVC settings (vSphere 4.1 defaults)."""

    MOID_PREFIX = "domain-c"

    datacenter = models.ForeignKey(Datacenter, on_delete=models.PROTECT, related_name="clusters")
    # VMware HA
    ha_enabled = models.BooleanField(default=False)
    ha_host_monitoring = models.BooleanField(default=True)
    ha_admission_control_enabled = models.BooleanField(default=True)
    ha_admission_control_policy = models.CharField(
        max_length=20, choices=AdmissionControlPolicy.choices, default=AdmissionControlPolicy.FAILOVER_LEVEL
    )
    ha_failover_level = models.PositiveSmallIntegerField(default=1)
    ha_failover_cpu_percent = models.PositiveSmallIntegerField(default=25)
    ha_failover_memory_percent = models.PositiveSmallIntegerField(default=25)
    ha_failover_host = models.ForeignKey(
        "inventory.Host", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    ha_restart_priority = models.CharField(
        max_length=30, choices=RestartPriority.choices[1:], default=RestartPriority.MEDIUM
    )
    ha_isolation_response = models.CharField(
        max_length=30, choices=IsolationResponse.choices[1:], default=IsolationResponse.SHUTDOWN
    )
    ha_vm_monitoring = models.BooleanField(default=False)
    # DRS
    drs_enabled = models.BooleanField(default=False)
    drs_automation = models.CharField(max_length=20, choices=DrsAutomation.choices, default=DrsAutomation.FULLY)
    # EVC: blank is disabled
    evc_mode = models.CharField(max_length=20, choices=EVC_CHOICES, blank=True, default="")
    swapfile_policy = models.CharField(max_length=20, choices=SwapfilePolicy.choices, default=SwapfilePolicy.WITH_VM)

    class Meta:
        constraints = [
            unique_name_per_lab("cluster"),
            models.CheckConstraint(
                condition=models.Q(ha_failover_level__gte=1) & models.Q(ha_failover_level__lte=4),
                name="cluster_failover_level_range",
            ),
            models.CheckConstraint(
                condition=models.Q(ha_failover_cpu_percent__lte=100) & models.Q(ha_failover_memory_percent__lte=100),
                name="cluster_failover_percent_range",
            ),
        ]
        ordering = ["name", "pk"]
