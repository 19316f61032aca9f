"""List filters as vSphere Automation REST 7 takes them on GET /api/vcenter/vm, /host, /datastore,
/network: repeatable query parameters (`?names=a&names=b&power_states=POWERED_ON`), an object
matching when it matches every parameter given, any of the values of each. The VM list answers at
most 4,000 VMs, as vCenter does, and refuses more with its error; `limit` and `after` (the last id
of the previous page) page through any list, an extension of this lab."""

from __future__ import annotations

from typing import Literal

from django.db.models import QuerySet
from ninja import Field, Schema

from inventory.selectors import id_number
from operations.faults import InvalidArgument, VimFault

from .schemas import Text

VM_LIST_CAP = 4000  # vCenter's VM.list: "at most 4000 visible virtual machines"
PAGE_MAX = 4000
VALUES_MAX = 1000  # values of one parameter

PowerState = Literal["POWERED_ON", "POWERED_OFF", "SUSPENDED"]
ConnectionState = Literal["CONNECTED", "DISCONNECTED", "NOT_RESPONDING"]
POWER_STATES = {"POWERED_ON": "poweredOn", "POWERED_OFF": "poweredOff", "SUSPENDED": "suspended"}
CONNECTION_STATES = {"CONNECTED": "connected", "DISCONNECTED": "disconnected", "NOT_RESPONDING": "notResponding"}


class TooManyMatches(VimFault):
    error_type = "UNABLE_TO_ALLOCATE_RESOURCE"


def _ids(name: str, prefix: str, values: list[str] | None) -> list[int] | None:
    if not values:
        return None
    numbers = []
    for value in values:
        number = id_number(value.removeprefix(prefix)) if value.startswith(prefix) else None
        if number is None:
            raise InvalidArgument(f"{name}: '{value}' is not an identifier of the form {prefix}N.")
        numbers.append(number)
    return numbers


Values = list[Text]  # a query parameter is never null: absent is []


class Page(Schema):
    limit: int | None = Field(None, ge=1, le=PAGE_MAX, description=(
        "Extension: answer at most this many, in id order. Without it the VM list answers at most 4,000 VMs."))
    after: Text | None = Field(None, description=(
        "Extension: only objects after this id (the last id of the previous page), e.g. vm-4210."))

    def page(self, rows: QuerySet, prefix: str) -> QuerySet:
        rows = rows.order_by("pk")
        if self.after is not None:
            rows = rows.filter(pk__gt=_ids("after", prefix, [self.after])[0])
        return rows[:self.limit] if self.limit else rows


class VmFilter(Page):
    vms: Values = Field([], max_length=VALUES_MAX, description="Identifiers (vm-N)")
    names: Values = Field([], max_length=VALUES_MAX, description="Names, exactly")
    hosts: Values = Field([], max_length=VALUES_MAX, description="Hosts the VM runs on (host-N)")
    clusters: Values = Field([], max_length=VALUES_MAX, description="Clusters of the VM's host (domain-cN)")
    datacenters: Values = Field([], max_length=VALUES_MAX, description="Datacenters (datacenter-N)")
    power_states: list[PowerState] = Field([], max_length=3)

    def apply(self, rows: QuerySet) -> list:
        filters = {
            "pk__in": _ids("vms", "vm-", self.vms), "name__in": self.names or None,
            "host_id__in": _ids("hosts", "host-", self.hosts),
            "host__cluster_id__in": _ids("clusters", "domain-c", self.clusters),
            "host__datacenter_id__in": _ids("datacenters", "datacenter-", self.datacenters),
            "power_state__in": [POWER_STATES[s] for s in self.power_states] if self.power_states else None,
        }
        rows = self.page(rows.filter(**{k: v for k, v in filters.items() if v is not None}), "vm-")
        if not self.limit and rows[VM_LIST_CAP:VM_LIST_CAP + 1].exists():
            raise TooManyMatches("Too many virtual machines. Add more filter criteria to reduce the number.")
        return list(rows)


class HostFilter(Page):
    hosts: Values = Field([], max_length=VALUES_MAX, description="Identifiers (host-N)")
    names: Values = Field([], max_length=VALUES_MAX, description="Names, exactly")
    clusters: Values = Field([], max_length=VALUES_MAX, description="Clusters (domain-cN)")
    datacenters: Values = Field([], max_length=VALUES_MAX, description="Datacenters (datacenter-N)")
    connection_states: list[ConnectionState] = Field([], max_length=3)

    def apply(self, rows: QuerySet) -> QuerySet:
        filters = {
            "pk__in": _ids("hosts", "host-", self.hosts), "name__in": self.names or None,
            "cluster_id__in": _ids("clusters", "domain-c", self.clusters),
            "datacenter_id__in": _ids("datacenters", "datacenter-", self.datacenters),
            "connection_state__in": ([CONNECTION_STATES[s] for s in self.connection_states]
                                     if self.connection_states else None),
        }
        return self.page(rows.filter(**{k: v for k, v in filters.items() if v is not None}), "host-")


class NamedFilter(Page):
    """Datastores and networks: by name and datacenter."""

    names: Values = Field([], max_length=VALUES_MAX, description="Names, exactly")
    datacenters: Values = Field([], max_length=VALUES_MAX, description="Datacenters (datacenter-N)")

    def apply(self, rows: QuerySet, prefix: str) -> QuerySet:
        filters = {"name__in": self.names or None,
                   "datacenter_id__in": _ids("datacenters", "datacenter-", self.datacenters)}
        return self.page(rows.filter(**{k: v for k, v in filters.items() if v is not None}), prefix)
