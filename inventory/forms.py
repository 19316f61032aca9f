"""Forms of the vSphere Client's dialogs and wizards. They check shape and range; the services
check the rules of the inventory."""

from __future__ import annotations

import re

from django import forms

from inventory.choices import DiskProvisioning, GuestOs, Workload
from inventory.hardware import (
    CPU_MODEL_CHOICES, CPU_MODELS, ESX_VERSION_CHOICES, EVC_CHOICES, PROFILE_CHOICES, PROFILES_BY_KEY, HostSpec,
)
from inventory.models.vm import MAX_DISK_MB, MAX_MEMORY_MB, MAX_VCPUS, MIN_MEMORY_MB
from inventory.presets import (
    PRESET_CHOICES, SCALE_MAX_CLUSTER_SIZE, SCALE_MAX_HOSTS, SCALE_MAX_VMS,
)

HOSTNAME_RE = re.compile(r"^(?=.{1,80}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$")
MAX_DISK_GB = MAX_DISK_MB // 1024


def bounded_int(label: str, lo: int, hi: int, **kw) -> forms.IntegerField:
    return forms.IntegerField(
        label=label, min_value=lo, max_value=hi,
        error_messages={
            "min_value": f"{label} must be at least {lo}.",
            "max_value": f"{label} must be at most {hi:,}.",
            "invalid": f"{label} must be a whole number.",
            "required": f"{label} is required.",
        },
        **kw,
    )


class NameForm(forms.Form):
    name = forms.CharField(label="Name", max_length=80, error_messages={"max_length": "The name must be 80 characters or fewer."})


class NewLabForm(forms.Form):
    preset = forms.ChoiceField(label="Preset", choices=PRESET_CHOICES, initial="seed-article")
    name = forms.CharField(label="Lab name", max_length=80, required=False,
                           help_text="Leave empty for the preset's name.")
    hosts = bounded_int("Hosts", 1, SCALE_MAX_HOSTS, required=False, initial=64, help_text="Scale preset only")
    vms = bounded_int("Virtual machines", 0, SCALE_MAX_VMS, required=False, initial=640, help_text="Scale preset only")
    cluster_size = bounded_int("Hosts per cluster", 1, SCALE_MAX_CLUSTER_SIZE, required=False, initial=32,
                               help_text="Scale preset only")

    def preset_params(self) -> dict:
        if self.cleaned_data["preset"] != "scale":
            return {}
        return {
            key: self.cleaned_data[key] if self.cleaned_data.get(key) is not None else self.fields[key].initial
            for key in ("hosts", "vms", "cluster_size")
        }


class NewClusterForm(NameForm):
    ha_enabled = forms.BooleanField(label="Turn On VMware HA", required=False)
    drs_enabled = forms.BooleanField(label="Turn On VMware DRS", required=False)
    evc_mode = forms.ChoiceField(label="VMware EVC", choices=EVC_CHOICES, required=False)


class AddHostForm(forms.Form):
    name = forms.CharField(label="Host", max_length=80, help_text="Name or IP address of the ESX/ESXi host")
    hardware = forms.ChoiceField(
        label="Hardware", choices=PROFILE_CHOICES + [("custom", "Explicit specifications (below)")],
        initial=PROFILE_CHOICES[0][0],
    )
    cpu = forms.ChoiceField(label="CPU model", choices=CPU_MODEL_CHOICES, required=False)
    vendor = forms.CharField(label="Server vendor", max_length=60, required=False)
    model = forms.CharField(label="Server model", max_length=60, required=False)
    sockets = bounded_int("CPU sockets", 1, 8, required=False)
    cores_per_socket = bounded_int("Cores per socket", 1, 12, required=False)
    cpu_mhz = bounded_int("CPU speed (MHz)", 1000, 4000, required=False)
    memory_gb = bounded_int("Memory (GB)", 2, 1024, required=False)
    esx_version = forms.ChoiceField(label="Version", choices=ESX_VERSION_CHOICES, initial="4.0.0")
    management_ip = forms.GenericIPAddressField(
        label="Management IP address", protocol="IPv4", required=False, help_text="Leave empty to assign the next free address"
    )
    shared_storage = forms.BooleanField(
        label="Connect to the datacenter's shared storage (iSCSI adapter configured and rescanned)", required=False, initial=True
    )
    vmotion = forms.BooleanField(label="Enable VMotion on the VMkernel port", required=False, initial=True)

    def clean_name(self):
        name = self.cleaned_data["name"].strip().lower()
        if not HOSTNAME_RE.match(name):
            raise forms.ValidationError(
                "Enter a valid host name (letters, digits, hyphens and dots, e.g. esx03.lab.local) or IP address."
            )
        return name

    def clean(self):
        data = super().clean()
        if data.get("hardware") == "custom":
            missing = [self.fields[f].label for f in ("cpu", "vendor", "model", "sockets", "cores_per_socket", "cpu_mhz", "memory_gb")
                       if data.get(f) in (None, "")]
            if missing:
                raise forms.ValidationError(f"Explicit specifications need: {', '.join(missing)}.")
        return data

    def values(self) -> dict:
        return {**self.cleaned_data, "spec": self.host_spec()}

    def host_spec(self):
        data = self.cleaned_data
        if data["hardware"] != "custom":
            return PROFILES_BY_KEY[data["hardware"]].spec
        cpu_vendor, cpu_model = data["cpu"].split("|", 1)
        family, model_number, evc_max = CPU_MODELS[(cpu_vendor, cpu_model)]
        return HostSpec(
            vendor=data["vendor"], model=data["model"], cpu_vendor=cpu_vendor, cpu_model=cpu_model,
            cpu_family=family, cpu_model_number=model_number, evc_max=evc_max, sockets=data["sockets"],
            cores_per_socket=data["cores_per_socket"], cpu_mhz=data["cpu_mhz"], memory_mb=data["memory_gb"] * 1024,
        )


class NewVmForm(NameForm):
    host = forms.ModelChoiceField(label="Host", queryset=None, empty_label=None)
    datastore = forms.ModelChoiceField(label="Datastore", queryset=None, empty_label=None)
    guest_os = forms.ChoiceField(label="Guest operating system", choices=GuestOs.choices)
    num_cpu = bounded_int("Number of virtual processors", 1, MAX_VCPUS, initial=1)
    memory_mb = bounded_int("Memory (MB)", MIN_MEMORY_MB, MAX_MEMORY_MB, initial=1024)
    disk_gb = bounded_int("Virtual disk size (GB)", 1, MAX_DISK_GB, initial=20)
    provisioning = forms.ChoiceField(label="Disk provisioning", choices=DiskProvisioning.choices,
                                     initial=DiskProvisioning.LAZY_ZEROED)
    network = forms.ModelChoiceField(label="Network", queryset=None, empty_label=None)
    workload = forms.ChoiceField(label="Workload in the guest", choices=Workload.choices, initial=Workload.IDLE)

    def __init__(self, *args, hosts, datastores, networks, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["host"].queryset = hosts
        self.fields["datastore"].queryset = datastores
        self.fields["network"].queryset = networks

    def clean_memory_mb(self):
        memory = self.cleaned_data["memory_mb"]
        if memory % 4:
            raise forms.ValidationError("Memory must be a multiple of 4 MB.")
        return memory


class EditSettingsForm(forms.Form):
    num_cpu = bounded_int("Number of virtual processors", 1, MAX_VCPUS)
    memory_mb = bounded_int("Memory (MB)", MIN_MEMORY_MB, MAX_MEMORY_MB)
    cpu_reservation_mhz = bounded_int("CPU reservation (MHz)", 0, 1_000_000)
    memory_reservation_mb = bounded_int("Memory reservation (MB)", 0, MAX_MEMORY_MB)
    memory_overhead_override_mb = bounded_int(
        "Memory overhead (MB)", 1, 65536, required=False, help_text="Leave empty for the computed overhead"
    )
    workload = forms.ChoiceField(label="Workload in the guest", choices=Workload.choices)

    def __init__(self, *args, vm, **kwargs):
        super().__init__(*args, **kwargs)
        self.disks = list(vm.disks.all())
        for disk in self.disks:
            self.fields[f"disk_{disk.pk}"] = bounded_int(
                f"{disk.label} size (MB)", 1, MAX_DISK_MB, initial=disk.capacity_mb,
                help_text=f"{disk.get_provisioning_display()} on {disk.datastore.name}; disks only grow",
            )
        self.fields["add_disk_gb"] = bounded_int("Add a new disk (GB)", 1, MAX_DISK_GB, required=False)
        self.fields["add_disk_provisioning"] = forms.ChoiceField(
            label="New disk provisioning", choices=DiskProvisioning.choices, initial=DiskProvisioning.LAZY_ZEROED
        )
        self.fields["cdrom_datastore"] = forms.ModelChoiceField(
            label="CD/DVD drive 1: datastore ISO file", queryset=vm.host.datastores.order_by("name"), required=False,
            empty_label="Client device (no ISO)", initial=vm.cdrom_datastore_id,
            help_text="An ISO on a host's local datastore stops VMotion while connected",
        )
        self.fields["cdrom_iso"] = forms.CharField(label="ISO file path", max_length=120, required=False,
                                                   initial=vm.cdrom_iso or "ISO/")
        self.fields["cdrom_connected"] = forms.BooleanField(label="CD/DVD connected", required=False,
                                                            initial=vm.cdrom_connected)

    def clean_memory_mb(self):
        memory = self.cleaned_data["memory_mb"]
        if memory % 4:
            raise forms.ValidationError("Memory must be a multiple of 4 MB.")
        return memory

    def values(self) -> dict:
        sizes = {disk.label: self.cleaned_data[f"disk_{disk.pk}"] for disk in self.disks}
        cdrom = {"datastore": self.cleaned_data["cdrom_datastore"], "iso": self.cleaned_data["cdrom_iso"],
                 "connected": self.cleaned_data["cdrom_connected"]}
        return {**self.cleaned_data, "disk_sizes": sizes, "cdrom": cdrom}


class SnapshotForm(NameForm):
    description = forms.CharField(label="Description", max_length=255, required=False, widget=forms.Textarea(attrs={"rows": 3}))


class SnapshotChoiceForm(forms.Form):
    snapshot = forms.ModelChoiceField(label="Snapshot", queryset=None, empty_label=None)

    def __init__(self, *args, vm, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["snapshot"].queryset = vm.snapshots.all()


class MoveHostForm(forms.Form):
    destination = forms.ChoiceField(label="Move to")

    def __init__(self, *args, host, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(f"datacenter-{host.datacenter_id}", f"{host.datacenter.name} (standalone host)")]
        choices += [(c.moid, f"Cluster {c.name}") for c in host.datacenter.clusters.all()]
        self.fields["destination"].choices = choices


class ConfirmForm(forms.Form):
    """A dialog that only asks 'Are you sure?'."""


__all__ = [
    "AddHostForm", "ConfirmForm", "EditSettingsForm", "MoveHostForm", "NameForm", "NewClusterForm", "NewLabForm",
    "NewVmForm", "SnapshotChoiceForm", "SnapshotForm",
]
