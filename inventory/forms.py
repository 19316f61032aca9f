"""Forms of the vSphere Client's dialogs and wizards. They only parse: text as typed, whole
numbers, ticks, and the objects a dialog's lists point at. Every rule about the values (names,
ranges, multiples, enumerations, what a host can run) is the service's, from inventory/rules.py,
so the dialog shows the same refusal as the JSON API and changes nothing. The spin boxes' min
and max attributes only hint at the rules' ranges in the browser."""

from __future__ import annotations

from django import forms
from django.core.validators import ProhibitNullCharactersValidator
from django.http import Http404

from inventory.choices import DiskProvisioning, GuestOs, Workload
from inventory.hardware import (
    CPU_MODEL_CHOICES, CPU_MODELS, ESX_VERSION_CHOICES, EVC_CHOICES, PROFILE_CHOICES, PROFILES_BY_KEY, HostSpec,
)
from inventory.models import Cluster, Datacenter, Datastore, Host, Network
from inventory.selectors import object_for
from inventory.presets import PRESET_CHOICES
from inventory.rules import (
    HOST_CORES_PER_SOCKET, HOST_CPU_MHZ, HOST_MEMORY_MB, HOST_PROFILE, HOST_SOCKETS, HOST_TEXT, MAX_CPU_RESERVATION_MHZ,
    MAX_DESCRIPTION, MAX_DISK_MB, MAX_ISO_PATH, MAX_MEMORY_MB, MAX_NAME, MAX_OVERHEAD_MB, MAX_VCPUS, MIN_MEMORY_MB,
    SCALE_MAX_CLUSTER_SIZE, SCALE_MAX_HOSTS, SCALE_MAX_VMS,
)

MAX_DISK_GB = MAX_DISK_MB // 1024


class Text(forms.CharField):
    """Text as typed (NUL included): the service judges its length and characters, so a page
    refuses a control character with the same words as the API, not Django's."""

    def __init__(self, label: str, *, maxlength: int | None = None, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(label=label, **kwargs)
        self.validators = [v for v in self.validators if not isinstance(v, ProhibitNullCharactersValidator)]
        if maxlength:
            self.widget.attrs["maxlength"] = maxlength  # a hint for the browser


class Whole(forms.IntegerField):
    """A whole number; its range is the service's rule."""

    def __init__(self, label: str, lo: int | None = None, hi: int | None = None, **kwargs):
        super().__init__(label=label, error_messages={
            "invalid": f"{label} must be a whole number.", "required": f"{label} is required."}, **kwargs)
        for attr, value in (("min", lo), ("max", hi)):
            if value is not None:
                self.widget.attrs[attr] = value  # a hint for the browser


class Pick(forms.ChoiceField):
    """A list of values (guest OS, provisioning, EVC mode...): what it offers is the list, but a
    value outside it is passed on, for the service to refuse with its message."""

    def __init__(self, label: str, choices, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(label=label, choices=choices, **kwargs)

    def validate(self, value):
        forms.Field.validate(self, value)


def _offer(field: forms.ModelChoiceField, shown) -> None:
    """The list shows `shown`; the field still accepts any object of its queryset (the lab's),
    so a choice the dialog did not offer reaches the service and gets its reason."""
    field.widget.choices = forms.ModelChoiceField(shown, empty_label=field.empty_label).choices


class NameForm(forms.Form):
    name = Text("Name", maxlength=MAX_NAME)


class NewLabForm(forms.Form):
    preset = Pick("Preset", PRESET_CHOICES, initial="seed-article")
    name = Text("Lab name", maxlength=MAX_NAME, help_text="Leave empty for the preset's name.")
    hosts = Whole("Hosts", 1, SCALE_MAX_HOSTS, required=False, initial=64, help_text="Scale preset only")
    vms = Whole("Virtual machines", 0, SCALE_MAX_VMS, required=False, initial=640, help_text="Scale preset only")
    cluster_size = Whole("Hosts per cluster", 1, SCALE_MAX_CLUSTER_SIZE, required=False, initial=32,
                         help_text="Scale preset only")

    def preset_params(self) -> dict:
        # the size fields are on the page for every preset: only the scale preset reads them
        if self.cleaned_data["preset"] != "scale":
            return {}
        return {
            key: self.cleaned_data[key] if self.cleaned_data.get(key) is not None else self.fields[key].initial
            for key in ("hosts", "vms", "cluster_size")
        }


class NewClusterForm(NameForm):
    ha_enabled = forms.BooleanField(label="Turn On VMware HA", required=False)
    drs_enabled = forms.BooleanField(label="Turn On VMware DRS", required=False)
    evc_mode = Pick("VMware EVC", EVC_CHOICES)


class AddHostForm(forms.Form):
    name = Text("Host", maxlength=MAX_NAME, help_text="Name or IP address of the ESX/ESXi host")
    hardware = Pick(
        "Hardware", PROFILE_CHOICES + [("custom", "Explicit specifications (below)")], initial=PROFILE_CHOICES[0][0],
    )
    cpu = Pick("CPU model", CPU_MODEL_CHOICES)
    vendor = Text("Server vendor", maxlength=HOST_TEXT)
    model = Text("Server model", maxlength=HOST_TEXT)
    sockets = Whole("CPU sockets", *HOST_SOCKETS, required=False)
    cores_per_socket = Whole("Cores per socket", *HOST_CORES_PER_SOCKET, required=False)
    cpu_mhz = Whole("CPU speed (MHz)", *HOST_CPU_MHZ, required=False)
    memory_gb = Whole("Memory (GB)", HOST_MEMORY_MB[0] // 1024, HOST_MEMORY_MB[1] // 1024, required=False)
    esx_version = Pick("Version", ESX_VERSION_CHOICES, initial="4.0.0")
    management_ip = Text("Management IP address", maxlength=15,
                         help_text="Leave empty to assign the next free address")
    shared_storage = forms.BooleanField(
        label="Connect to the datacenter's shared storage (iSCSI adapter configured and rescanned)", required=False, initial=True
    )
    vmotion = forms.BooleanField(label="Enable VMotion on the VMkernel port", required=False, initial=True)

    def clean_hardware(self):
        # the profile is looked up here, as the API looks up its `profile`: with the rule's words
        key = self.cleaned_data["hardware"]
        if key != "custom" and HOST_PROFILE.problems(key):
            raise forms.ValidationError(HOST_PROFILE.problems(key))
        return key

    def clean_cpu(self):
        key = self.cleaned_data["cpu"]
        if key and tuple(key.split("|", 1)) not in CPU_MODELS:
            raise forms.ValidationError("Select a CPU model from the list.")
        return key

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
    guest_os = Pick("Guest operating system", GuestOs.choices)
    num_cpu = Whole("Number of virtual processors", 1, MAX_VCPUS, initial=1)
    memory_mb = Whole("Memory (MB)", MIN_MEMORY_MB, MAX_MEMORY_MB, initial=1024)
    disk_gb = Whole("Virtual disk size (GB)", 1, MAX_DISK_GB, initial=20)
    provisioning = Pick("Disk provisioning", DiskProvisioning.choices, initial=DiskProvisioning.LAZY_ZEROED)
    network = forms.ModelChoiceField(label="Network", queryset=None, empty_label=None)
    workload = Pick("Workload in the guest", Workload.choices, initial=Workload.IDLE)

    def __init__(self, *args, lab, hosts, datastores, networks, **kwargs):
        """Offers what the dialog's object can use (`hosts`...), accepts any of the lab's."""
        super().__init__(*args, **kwargs)
        for name, model, shown in (("host", Host, hosts), ("datastore", Datastore, datastores),
                                   ("network", Network, networks)):
            self.fields[name].queryset = model.objects.filter(lab=lab)
            _offer(self.fields[name], shown)


class EditSettingsForm(forms.Form):
    num_cpu = Whole("Number of virtual processors", 1, MAX_VCPUS)
    memory_mb = Whole("Memory (MB)", MIN_MEMORY_MB, MAX_MEMORY_MB)
    cpu_reservation_mhz = Whole("CPU reservation (MHz)", 0, MAX_CPU_RESERVATION_MHZ)
    memory_reservation_mb = Whole("Memory reservation (MB)", 0, MAX_MEMORY_MB)
    memory_overhead_override_mb = Whole(
        "Memory overhead (MB)", 1, MAX_OVERHEAD_MB, required=False, help_text="Leave empty for the computed overhead"
    )
    workload = Pick("Workload in the guest", Workload.choices)

    def __init__(self, *args, vm, **kwargs):
        super().__init__(*args, **kwargs)
        self.disks = list(vm.disks.all())
        for disk in self.disks:
            self.fields[f"disk_{disk.pk}"] = Whole(
                f"{disk.label} size (MB)", 1, MAX_DISK_MB, initial=disk.capacity_mb,
                help_text=f"{disk.get_provisioning_display()} on {disk.datastore.name}; disks only grow",
            )
        self.fields["add_disk_gb"] = Whole("Add a new disk (GB)", 1, MAX_DISK_GB, required=False)
        self.fields["add_disk_provisioning"] = Pick(
            "New disk provisioning", DiskProvisioning.choices, initial=DiskProvisioning.LAZY_ZEROED
        )
        self.fields["cdrom_datastore"] = forms.ModelChoiceField(
            label="CD/DVD drive 1: datastore ISO file", queryset=Datastore.objects.filter(lab_id=vm.lab_id),
            required=False, empty_label="Client device (no ISO)", initial=vm.cdrom_datastore_id,
            help_text="An ISO on a host's local datastore stops VMotion while connected",
        )
        _offer(self.fields["cdrom_datastore"], vm.host.datastores.order_by("name"))
        self.fields["cdrom_iso"] = Text("ISO file path", maxlength=MAX_ISO_PATH, initial=vm.cdrom_iso or "ISO/")
        self.fields["cdrom_connected"] = forms.BooleanField(label="CD/DVD connected", required=False,
                                                            initial=vm.cdrom_connected)

    def values(self) -> dict:
        sizes = {disk.label: self.cleaned_data[f"disk_{disk.pk}"] for disk in self.disks}
        cdrom = {"datastore": self.cleaned_data["cdrom_datastore"], "iso": self.cleaned_data["cdrom_iso"],
                 "connected": self.cleaned_data["cdrom_connected"]}
        return {**self.cleaned_data, "disk_sizes": sizes, "cdrom": cdrom}


class SnapshotForm(NameForm):
    description = Text("Description", maxlength=MAX_DESCRIPTION, widget=forms.Textarea(attrs={"rows": 3}))


class SnapshotChoiceForm(forms.Form):
    snapshot = forms.ModelChoiceField(label="Snapshot", queryset=None, empty_label=None)

    def __init__(self, *args, vm, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["snapshot"].queryset = vm.snapshots.all()


class MoveHostForm(forms.Form):
    destination = Pick("Move to", [])

    def __init__(self, *args, host, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(f"datacenter-{host.datacenter_id}", f"{host.datacenter.name} (standalone host)")]
        choices += [(c.moid, f"Cluster {c.name}") for c in host.datacenter.clusters.all()]
        self.fields["destination"].choices = choices
        self.lab = host.lab

    def clean_destination(self):
        # any datacenter or cluster of the lab: the service says why another datacenter is refused
        moid = self.cleaned_data["destination"]
        try:
            destination = object_for(self.lab, moid)
        except Http404:
            destination = None
        if not isinstance(destination, (Datacenter, Cluster)):
            raise forms.ValidationError("Select a datacenter or a cluster of this lab.")
        return moid


class ConfirmForm(forms.Form):
    """A dialog that only asks 'Are you sure?'."""


class HostReasonForm(forms.Form):
    """Reboot and Shut Down: vSphere asks for a reason (logged with the event), and warns when the
    host is not in maintenance mode (its running virtual machines go down with it)."""

    reason = Text("Enter a reason for this action", maxlength=200)

    def __init__(self, data=None, *, host):
        super().__init__(data)
        self.warning = "" if host.in_maintenance_mode else (
            f"The host {host.name} is not in maintenance mode. The virtual machines running on it are powered off "
            f"with it.")


__all__ = [
    "AddHostForm", "ConfirmForm", "EditSettingsForm", "HostReasonForm", "MoveHostForm", "NameForm", "NewClusterForm", "NewLabForm",
    "NewVmForm", "SnapshotChoiceForm", "SnapshotForm",
]


FT_LOGGING_WARNING = (
    "Fault Tolerance logging sends everything the primary virtual machine receives (network, disk, "
    "keyboard and timer inputs) to its secondary over this VMkernel port: heavy, latency-sensitive "
    "traffic. In production, give it a dedicated physical NIC (1 Gb/s at least, 10 Gb/s recommended), "
    "separate from VMotion.")


class VmkernelPortsForm(forms.Form):
    """Configuration > Networking > a VMkernel port's Properties > General: the VMotion and Fault
    Tolerance Logging boxes of each VMkernel port of the host, in a table with its IP settings."""

    fields_template = "inventory/partials/vmkernel_ports_fields.html"
    warning_text = FT_LOGGING_WARNING

    def __init__(self, data=None, *, host):
        super().__init__(data)
        self.nics = list(host.vmknics.select_related("portgroup").order_by("device"))
        for nic in self.nics:
            self.fields[f"{nic.device}-vmotion"] = forms.BooleanField(
                required=False, initial=nic.vmotion, label=f"{nic.portgroup.name} ({nic.device}): VMotion")
            self.fields[f"{nic.device}-ft_logging"] = forms.BooleanField(
                required=False, initial=nic.ft_logging,
                label=f"{nic.portgroup.name} ({nic.device}): Fault Tolerance Logging")

    def rows(self) -> list[tuple]:
        """(VMkernel port, its VMotion box, its Fault Tolerance Logging box) for the template."""
        return [(nic, self[f"{nic.device}-vmotion"], self[f"{nic.device}-ft_logging"]) for nic in self.nics]

    def values(self) -> dict:
        return {nic.device: {"vmotion": self.cleaned_data[f"{nic.device}-vmotion"],
                             "ft_logging": self.cleaned_data[f"{nic.device}-ft_logging"]} for nic in self.nics}
