"""The JSON API, in vSphere Automation REST style (/api/labs/{lab}/vcenter/vm ...). Endpoints are
thin: they parse, fetch the lab with its access check, and call the same services as the HTML
views; errors come back as vSphere REST errors."""

from __future__ import annotations

import json
import logging

from django.db import DatabaseError
from django.http import Http404
from ninja import NinjaAPI, Query, Router, Status
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, ValidationError
from pydantic import ValidationError as PydanticValidationError

from inventory import services
from inventory.hardware import PROFILES_BY_KEY, HostSpec
from inventory.models import Cluster, Datacenter, Datastore, Host, Lab, Network, VirtualMachine
from inventory.presets import lab_create
from inventory.selectors import (
    active_faults, id_number, lab_visible, labs_visible_to, object_for, shutting_down, with_space,
)
from operations.engine.fault_kinds import HOST_ACTIONS, VM_ACTIONS
from operations.faults import InvalidArgument, VimFault
from operations.models import Event, Fault, Input, Scenario, Task
from operations.services import clock as clock_services
from operations.services.faults import fault_end, fault_start, host_fault_action, vm_fault_action
from operations.services.host_commands import host_command
from operations.services.locking import GENERAL
from operations.services.migrate import vm_migrate
from operations.services.power import vm_power
from operations.services.scenarios import scenario_start
from operations.services.tasks import task_cancel

from . import present
from .auth import API_AUTH, basic_auth, token_auth
from .errors import ERRORS, STATUS, Error, body
from .filters import HostFilter, NamedFilter, VmFilter
from .models import ApiSession
from .schemas import (
    RULE, Advance, AdvanceAction, CancelAction, ClockOut, ClockPatch, ClusterCreate, ClusterHostIn, ClusterOut,
    ClusterPatch, DatacenterOut, DatastoreOut, EventOut, FaultCreate, FaultOut, FaultToleranceAction, HostCreate,
    HostCommand, HostCommandIn, HostFault, HostOut, InputOut, InputRef, LabCreate, LabOut, MigrateAction, MigrateSpec,
    NameIn, NetworkOut, PowerAction, ScenarioCreate, ScenarioOut, ScenarioRef, ScenarioSummary, TaskOut, TaskRef,
    VmCreate, VmFault, VmkernelOut, VmkernelPatch, VmOut, VmPatch,
)

api = NinjaAPI(
    title="vCenter Lab API", version="1.0",
    description="Every operation of the lab, scriptable. Authenticate with POST /api/session (HTTP Basic) and send "
                "the returned token as header `vmware-api-session-id`, or use a logged-in browser session.",
    auth=API_AUTH, urls_namespace="api", openapi_url="/openapi.json", docs_url="/docs",
)


def _error(request, error_type: str, *messages: str):
    return api.create_response(request, body(error_type, *messages), status=STATUS.get(error_type, 400))


@api.exception_handler(VimFault)
def vim_fault(request, fault: VimFault):
    return _error(request, fault.error_type, *fault.messages)


@api.exception_handler(DatabaseError)
def database_error(request, exc: DatabaseError):
    """Last resort (the services map what they expect): logged with its traceback, never shown."""
    logging.getLogger("api").error("database error on %s %s", request.method, request.path, exc_info=exc)
    return _error(request, "ERROR", GENERAL)


@api.exception_handler(Http404)
def not_found(request, exc):
    return _error(request, "NOT_FOUND", str(exc) or "Not found.")


@api.exception_handler(AuthenticationError)
def unauthenticated(request, exc):
    return _error(request, "UNAUTHENTICATED", "Authenticate with POST /api/session and send its token as header "
                                              "vmware-api-session-id, or log in.")


@api.exception_handler(AuthorizationError)
def unauthorized(request, exc):
    return _error(request, "UNAUTHORIZED", str(exc) or "Not allowed.")


NOT_AN_OBJECT = "The request body must be a JSON object."


def _message(error: dict) -> str:
    """One pydantic error in words: a rule's message as the service gives it, a body that is not
    an object (false, [null, null], nothing) as one message, a type error with its field."""
    loc = tuple(error.get("loc", ()))
    if error.get("type") == RULE:
        return error["msg"]
    if len(loc) == 2 and loc[0] == "body" and error.get("type") in ("model_type", "model_attributes_type", "missing"):
        return NOT_AN_OBJECT
    where = ".".join(str(p) for p in loc if p not in ("body", "payload", "query", "path", "spec"))
    if error.get("type") == "bool_type":  # as inventory.rules.switch_problems says it to a script
        return f"{where} must be true or false."
    return f"{where}: {error.get('msg', 'invalid')}" if where else error.get("msg", "invalid")


@api.exception_handler(ValidationError)
def invalid(request, exc: ValidationError):
    messages = list(dict.fromkeys(_message(error) for error in exc.errors))
    return _error(request, "INVALID_ARGUMENT", *(messages or ["Invalid request."]))


@api.exception_handler(HttpError)
def http_error(request, exc: HttpError):
    kind = {401: "UNAUTHENTICATED", 403: "UNAUTHORIZED", 404: "NOT_FOUND"}.get(exc.status_code, "INVALID_ARGUMENT")
    return _error(request, kind, str(exc))


# --- helpers --------------------------------------------------------------------------------

def _lab(request, lab: str) -> Lab:
    found = lab_visible(request.auth, lab)
    if found is None:
        raise Http404(f"No lab {lab} that you may see.")
    return found


def _obj(lab: Lab, moid: str, model, what: str):
    try:
        obj = object_for(lab, moid)
    except Http404:
        obj = None
    if not isinstance(obj, model):
        raise Http404(f"No {what} {moid} in this lab.")
    return obj


def _ref(lab: Lab, moid: str | None, model, what: str, field: str):
    """An object named in a request body: unknown ids are bad input, not a missing resource."""
    if moid is None:
        return None
    try:
        return _obj(lab, moid, model, what)
    except Http404:
        raise InvalidArgument(f"{field}: no {what} {moid} in this lab.") from None


def _vms(lab):
    return VirtualMachine.objects.filter(lab=lab).select_related("host", "datastore")


# --- session and labs -----------------------------------------------------------------------

session = Router(tags=["session"])


@session.post("", auth=basic_auth, response={201: str, **ERRORS}, summary="Create a session (HTTP Basic)")
def session_create(request):
    return Status(201, ApiSession.objects.create(user=request.auth).token)


@session.delete("", auth=token_auth, response={204: None, **ERRORS}, summary="End this session")
def session_delete(request):
    ApiSession.objects.filter(token=request.api_token).delete()
    return Status(204, None)


labs = Router(tags=["labs"])


def _lab_out(lab: Lab) -> dict:
    return {"lab": lab.moid, "name": lab.name, "owner": lab.owner.get_username(), "preset": lab.preset}


@labs.get("", response={200: list[LabOut], **ERRORS}, summary="The labs the caller may see")
def lab_list(request):
    return [_lab_out(lab) for lab in labs_visible_to(request.auth).select_related("owner")]


@labs.post("", response={201: LabOut, **ERRORS}, summary="Create a lab from a preset")
def lab_new(request, spec: LabCreate):
    sizes = {key: value for key in ("hosts", "vms", "cluster_size") if (value := getattr(spec, key)) is not None}
    return Status(201, _lab_out(lab_create(owner=request.auth, preset=spec.preset, name=spec.name, **sizes)))


@labs.get("/{lab}/tasks", response={200: list[TaskOut], **ERRORS}, tags=["tasks"])
def task_list(request, lab: str, limit: int = Query(100, ge=1, le=1000)):
    return [present.task(t) for t in Task.objects.filter(lab=_lab(request, lab))[:limit]]


def _task(lab: Lab, task: str) -> Task:
    number = id_number(task.removeprefix("task-"))
    found = Task.objects.filter(lab=lab, pk=number).first() if number is not None else None
    if found is None:
        raise Http404(f"No task {task} in this lab.")
    return found


@labs.get("/{lab}/tasks/{task}", response={200: TaskOut, **ERRORS}, tags=["tasks"])
def task_get(request, lab: str, task: str):
    return present.task(_task(_lab(request, lab), task))


@labs.post("/{lab}/tasks/{task}", response={200: TaskOut, **ERRORS}, tags=["tasks"], summary="action=cancel")
def task_action(request, lab: str, task: str, action: CancelAction = Query(...)):
    return present.task(task_cancel(task=_task(_lab(request, lab), task), user=request.auth))


@labs.get("/{lab}/events", response={200: list[EventOut], **ERRORS}, tags=["events"],
          summary="Events after sequence number `after`, oldest first")
def event_list(request, lab: str, after: int = Query(0, ge=0, le=2**62), limit: int = Query(500, ge=1, le=5000)):
    events = Event.objects.filter(lab=_lab(request, lab), seq__gt=after).order_by("seq")[:limit]
    return [present.event(e) for e in events]


@labs.get("/{lab}/clock", response={200: ClockOut, **ERRORS}, tags=["clock"])
def clock_get(request, lab: str):
    return present.clock(_lab(request, lab))


@labs.patch("/{lab}/clock", response={200: ClockOut, **ERRORS}, tags=["clock"], summary="Speed, pause, resume")
def clock_patch(request, lab: str, spec: ClockPatch):
    return present.clock(clock_services.clock_set(lab=_lab(request, lab), user=request.auth, speed=spec.speed,
                                                  paused=spec.paused))


@labs.post("/{lab}/clock", response={200: ClockOut, **ERRORS, 503: Error}, tags=["clock"],
           summary="action=advance: run the simulation forward, return when done")
def clock_action(request, lab: str, spec: Advance, action: AdvanceAction = Query(...)):
    return present.clock(clock_services.clock_advance_and_wait(lab=_lab(request, lab), user=request.auth,
                                                               seconds=spec.seconds))


# --- simulated failures and inputs ----------------------------------------------------------

def _numbered(lab: Lab, model, moid: str, prefix: str, what: str):
    number = id_number(moid.removeprefix(prefix))
    found = model.objects.filter(lab=lab, pk=number).first() if number is not None else None
    if found is None:
        raise Http404(f"No {what} {moid} in this lab.")
    return found


@labs.post("/{lab}/faults", response={202: InputRef, **ERRORS}, tags=["faults"],
           summary="Simulate a failure now; it applies at once in simulated time (GET the input for its result)")
def fault_create(request, lab: str, spec: FaultCreate):
    the_lab = _lab(request, lab)
    host = _ref(the_lab, spec.host, Host, "host", "host")
    peer = _ref(the_lab, spec.peer, Host, "host", "peer")
    vm = _ref(the_lab, spec.vm, VirtualMachine, "virtual machine", "vm")
    record = fault_start(lab=the_lab, kind=spec.type, host=host, peer=peer, vm=vm, user=request.auth)
    return Status(202, {"input": record.moid})


@labs.get("/{lab}/faults", response={200: list[FaultOut], **ERRORS}, tags=["faults"],
          summary="What is broken now: the active simulated failures, oldest first")
def fault_list(request, lab: str):
    return [present.fault(f) for f in active_faults(_lab(request, lab))]


@labs.delete("/{lab}/faults/{fault}", response={202: InputRef, **ERRORS}, tags=["faults"],
             summary="Restore a simulated failure")
def fault_delete(request, lab: str, fault: str):
    found = _numbered(_lab(request, lab), Fault, fault, "fault-", "simulated failure")
    return Status(202, {"input": fault_end(fault=found, user=request.auth).moid})


@labs.get("/{lab}/inputs/{input}", response={200: InputOut, **ERRORS}, tags=["faults"],
          summary="An input (a failure, a restore): PENDING until the simulation applies it, then its result")
def input_get(request, lab: str, input: str):
    return present.input(_numbered(_lab(request, lab), Input, input, "input-", "input"))


# --- scenario scripts (docs/scenarios.md) -----------------------------------------------------

@labs.post("/{lab}/scenarios", response={201: ScenarioRef, **ERRORS}, tags=["scenarios"],
           summary="Start a scenario script now: its lines apply at their times in simulated time (a script that "
                   "does not parse, or names what the lab lacks, is refused with every problem by line)")
def scenario_create(request, lab: str, spec: ScenarioCreate):
    found = scenario_start(lab=_lab(request, lab), text=spec.text, name=spec.name, user=request.auth)
    return Status(201, {"scenario": found.moid, "state": found.state.upper()})


@labs.get("/{lab}/scenarios", response={200: list[ScenarioSummary], **ERRORS}, tags=["scenarios"],
          summary="The lab's scenarios, oldest first")
def scenario_list(request, lab: str):
    return [present.scenario(s) for s in Scenario.objects.filter(lab=_lab(request, lab)).order_by("pk")]


@labs.get("/{lab}/scenarios/{scenario}", response={200: ScenarioOut, **ERRORS}, tags=["scenarios"],
          summary="A scenario: its state, each line's outcome, and the lab's event log since it started")
def scenario_get(request, lab: str, scenario: str):
    return present.scenario(_numbered(_lab(request, lab), Scenario, scenario, "scenario-", "scenario"), full=True)


# --- /labs/{lab}/vcenter/... ----------------------------------------------------------------

vc = Router(tags=["vcenter"])


@vc.get("/{lab}/vcenter/datacenter", response={200: list[DatacenterOut], **ERRORS})
def datacenter_list(request, lab: str):
    return [{"datacenter": d.moid, "name": d.name} for d in Datacenter.objects.filter(lab=_lab(request, lab))]


@vc.get("/{lab}/vcenter/datacenter/{datacenter}", response={200: DatacenterOut, **ERRORS})
def datacenter_get(request, lab: str, datacenter: str):
    d = _obj(_lab(request, lab), datacenter, Datacenter, "datacenter")
    return {"datacenter": d.moid, "name": d.name}


@vc.post("/{lab}/vcenter/datacenter", response={201: DatacenterOut, **ERRORS})
def datacenter_create(request, lab: str, spec: NameIn):
    d = services.datacenter_create(lab=_lab(request, lab), name=spec.name, user=request.auth)
    return Status(201, {"datacenter": d.moid, "name": d.name})


@vc.get("/{lab}/vcenter/cluster", response={200: list[ClusterOut], **ERRORS})
def cluster_list(request, lab: str):
    return [present.cluster(c) for c in Cluster.objects.filter(lab=_lab(request, lab))]


@vc.get("/{lab}/vcenter/cluster/{cluster}", response={200: ClusterOut, **ERRORS})
def cluster_get(request, lab: str, cluster: str):
    return present.cluster(_obj(_lab(request, lab), cluster, Cluster, "cluster"))


@vc.post("/{lab}/vcenter/cluster", response={201: ClusterOut, **ERRORS})
def cluster_create(request, lab: str, spec: ClusterCreate):
    the_lab = _lab(request, lab)
    datacenter = _ref(the_lab, spec.datacenter, Datacenter, "datacenter", "datacenter")
    c = services.cluster_create(datacenter=datacenter, name=spec.name, user=request.auth, ha_enabled=spec.ha_enabled,
                                drs_enabled=spec.drs_enabled, evc_mode=spec.evc_mode)
    return Status(201, present.cluster(c))


@vc.patch("/{lab}/vcenter/cluster/{cluster}", response={200: ClusterOut, **ERRORS}, summary="HA, admission control, DRS, EVC")
def cluster_patch(request, lab: str, cluster: str, spec: ClusterPatch):
    c = _obj(_lab(request, lab), cluster, Cluster, "cluster")
    return present.cluster(services.cluster_reconfigure(cluster=c, user=request.auth, **spec.dict()))


@vc.post("/{lab}/vcenter/cluster/{cluster}/hosts", response={200: HostOut, **ERRORS}, summary="Move a host into the cluster")
def cluster_add_host(request, lab: str, cluster: str, spec: ClusterHostIn):
    the_lab = _lab(request, lab)
    c = _obj(the_lab, cluster, Cluster, "cluster")
    h = _ref(the_lab, spec.host, Host, "host", "host")
    return present.host(services.host_move(host=h, destination=c, user=request.auth))


@vc.get("/{lab}/vcenter/host", response={200: list[HostOut], **ERRORS},
        summary="Hosts matching every filter given (repeat a parameter for several values)")
def host_list(request, lab: str, filters: HostFilter = Query(...)):
    return [present.host(h) for h in filters.apply(Host.objects.filter(lab=_lab(request, lab)))]


@vc.get("/{lab}/vcenter/host/{host}", response={200: HostOut, **ERRORS})
def host_get(request, lab: str, host: str):
    return present.host(_obj(_lab(request, lab), host, Host, "host"))


@vc.post("/{lab}/vcenter/host", response={201: HostOut, **ERRORS}, summary="Add Host, from a hardware profile or explicit specs")
def host_create(request, lab: str, spec: HostCreate):
    the_lab = _lab(request, lab)
    cluster = _ref(the_lab, spec.cluster, Cluster, "cluster", "cluster")
    datacenter = _ref(the_lab, spec.datacenter, Datacenter, "datacenter", "datacenter") or (
        cluster.datacenter if cluster else None)
    if datacenter is None:
        raise InvalidArgument("datacenter: give the datacenter (or a cluster) to add the host to.")
    fields = [f for f in HostSpec.__dataclass_fields__ if f != "nic_gbps"]
    if spec.profile is not None:
        given = [f for f in (*fields, "nic_gbps") if getattr(spec, f) is not None]
        if given:  # not silently ignored: the caller meant one or the other
            raise InvalidArgument(f"Give a hardware profile or explicit specifications, not both: profile "
                                  f"{spec.profile} with {', '.join(given)}.")
        hardware = PROFILES_BY_KEY[spec.profile].spec
    else:
        missing = [f for f in fields if getattr(spec, f) is None]
        if missing:
            raise InvalidArgument(*[f"{f}: required without a hardware profile." for f in missing])
        hardware = HostSpec(**{f: getattr(spec, f) for f in fields}, nic_gbps=spec.nic_gbps or 1)
    h = services.host_add(lab=the_lab, name=spec.name, spec=hardware, user=request.auth, datacenter=datacenter,
                          cluster=cluster, esx_version=spec.esx_version, management_ip=spec.management_ip,
                          shared_storage=spec.shared_storage, vmotion=spec.vmotion)
    return Status(201, present.host(h))


@vc.get("/{lab}/vcenter/host/{host}/vmkernel", response={200: list[VmkernelOut], **ERRORS})
def vmkernel_list(request, lab: str, host: str):
    h = _obj(_lab(request, lab), host, Host, "host")
    return [present.vmkernel(n) for n in h.vmknics.select_related("portgroup").order_by("device")]


@vc.patch("/{lab}/vcenter/host/{host}/vmkernel/{nic}", response={200: VmkernelOut, **ERRORS},
          summary="VMotion and Fault Tolerance Logging flags")
def vmkernel_patch(request, lab: str, host: str, nic: str, spec: VmkernelPatch):
    h = _obj(_lab(request, lab), host, Host, "host")
    if not h.vmknics.filter(device=nic).exists():
        raise Http404(f"Host {h.name} has no VMkernel port {nic}.")
    n = services.host_vmknic_configure(host=h, device=nic, user=request.auth, vmotion=spec.vmotion,
                                       ft_logging=spec.ft_logging)
    return present.vmkernel(n)


@vc.post("/{lab}/vcenter/host/{host}/fault", response={202: InputRef, **ERRORS},
         summary="Simulate a host failure or restore it, by action (as POST/DELETE /api/labs/{lab}/faults): "
                 + ", ".join(HOST_ACTIONS))
def host_fault(request, lab: str, host: str, action: HostFault = Query(...)):
    h = _obj(_lab(request, lab), host, Host, "host")
    return Status(202, {"input": host_fault_action(host=h, action=action, user=request.auth).moid})


# --- host commands (the host's menu: Disconnect, Connect, Reboot, Shut Down, Standby) --------

def _optional_body(request, schema):
    """A body that may be left out (nothing: the schema's defaults), parsed as the API parses bodies."""
    if not request.body.strip():
        return schema()
    try:
        data = json.loads(request.body)
    except ValueError:
        raise InvalidArgument("Cannot parse request body") from None
    try:
        return schema.model_validate(data)
    except PydanticValidationError as error:
        raise ValidationError([{**e, "loc": ("body", "spec", *e["loc"])} for e in error.errors()]) from None


@vc.post("/{lab}/vcenter/host/{host}", response={202: TaskRef, **ERRORS},
         summary="action=disconnect|connect|reboot|shutdown|enter-standby|exit-standby: a task; body optional, "
                 "{\"reason\": ...} for Reboot and Shut Down",
         openapi_extra={"requestBody": {"required": False, "content": {
             "application/json": {"schema": HostCommandIn.model_json_schema()}}}})
def host_action(request, lab: str, host: str, action: HostCommand = Query(...)):
    h = _obj(_lab(request, lab), host, Host, "host")
    spec = _optional_body(request, HostCommandIn)
    return Status(202, {"task": host_command(host=h, command=action, user=request.auth, reason=spec.reason).moid})


@vc.get("/{lab}/vcenter/datastore", response={200: list[DatastoreOut], **ERRORS})
def datastore_list(request, lab: str, filters: NamedFilter = Query(...)):
    datastores = filters.apply(Datastore.objects.filter(lab=_lab(request, lab)), "datastore-")
    return [present.datastore(d) for d in with_space(datastores).prefetch_related("hosts")]


@vc.get("/{lab}/vcenter/datastore/{datastore}", response={200: DatastoreOut, **ERRORS})
def datastore_get(request, lab: str, datastore: str):
    d = _obj(_lab(request, lab), datastore, Datastore, "datastore")
    return present.datastore(with_space(Datastore.objects.filter(pk=d.pk)).get())


@vc.get("/{lab}/vcenter/network", response={200: list[NetworkOut], **ERRORS})
def network_list(request, lab: str, filters: NamedFilter = Query(...)):
    networks = filters.apply(Network.objects.filter(lab=_lab(request, lab)), "network-")
    return [present.network(n) for n in networks.prefetch_related("portgroups")]


@vc.get("/{lab}/vcenter/network/{network}", response={200: NetworkOut, **ERRORS})
def network_get(request, lab: str, network: str):
    return present.network(_obj(_lab(request, lab), network, Network, "network"))


@vc.get("/{lab}/vcenter/vm", response={200: list[VmOut], **ERRORS},
        summary="VMs matching every filter given (repeat a parameter for several values); at most 4,000 "
                "without `limit`")
def vm_list(request, lab: str, filters: VmFilter = Query(...)):
    the_lab = _lab(request, lab)
    vms = filters.apply(_vms(the_lab))
    now, stopping = the_lab.now(), shutting_down(the_lab)
    return [present.vm(v, now, stopping) for v in vms]


@vc.get("/{lab}/vcenter/vm/{vm}", response={200: VmOut, **ERRORS})
def vm_get(request, lab: str, vm: str):
    the_lab = _lab(request, lab)
    v = _obj(the_lab, vm, VirtualMachine, "virtual machine")
    return present.vm(_vms(the_lab).get(pk=v.pk), the_lab.now(), shutting_down(the_lab))


@vc.post("/{lab}/vcenter/vm", response={201: VmOut, **ERRORS}, summary="New Virtual Machine (one disk, one network adapter)")
def vm_create(request, lab: str, spec: VmCreate):
    the_lab = _lab(request, lab)
    h = _ref(the_lab, spec.host, Host, "host", "host")
    d = _ref(the_lab, spec.datastore, Datastore, "datastore", "datastore")
    n = _ref(the_lab, spec.network, Network, "network", "network") or Network.objects.filter(
        lab=the_lab, portgroups__host=h).first()
    if n is None:
        raise InvalidArgument(f"network: host {h.name} has no virtual machine network.")
    v = services.vm_create(host=h, name=spec.name, user=request.auth, datastore=d, network=n, guest_os=spec.guest_OS,
                           num_cpu=spec.cpu_count, memory_mb=spec.memory_size_MiB, disk_mb=spec.disk_size_MiB,
                           provisioning=spec.disk_provisioning, workload=spec.workload)
    return Status(201, present.vm(_vms(the_lab).get(pk=v.pk), the_lab.now(), set()))


@vc.patch("/{lab}/vcenter/vm/{vm}", response={200: VmOut, **ERRORS}, summary="Edit Settings: hardware, reservations, workload")
def vm_patch(request, lab: str, vm: str, spec: VmPatch):
    the_lab = _lab(request, lab)
    v = _obj(the_lab, vm, VirtualMachine, "virtual machine")
    sent = spec.dict(exclude_unset=True)
    services.vm_reconfigure(
        vm=v, user=request.auth, num_cpu=spec.cpu_count, memory_mb=spec.memory_size_MiB,
        cpu_reservation_mhz=spec.cpu_reservation_MHz, memory_reservation_mb=spec.memory_reservation_MiB,
        memory_overhead_override_mb=sent["memory_overhead_MiB"] if "memory_overhead_MiB" in sent else "keep",
        workload=spec.workload,
    )
    return present.vm(_vms(the_lab).get(pk=v.pk), the_lab.now(), shutting_down(the_lab))


POWER = {"start": "power-on", "stop": "power-off", "reset": "reset", "shutdown": "shutdown"}


@vc.post("/{lab}/vcenter/vm/{vm}/power", response={202: TaskRef, **ERRORS}, summary="action=start|stop|reset|shutdown")
def vm_power_action(request, lab: str, vm: str, action: PowerAction = Query(...)):
    v = _obj(_lab(request, lab), vm, VirtualMachine, "virtual machine")
    return Status(202, {"task": vm_power(vm=v, action=POWER[action], user=request.auth).moid})


@vc.post("/{lab}/vcenter/vm/{vm}", response={202: TaskRef, **ERRORS},
         summary="action=migrate: VMotion, Storage VMotion or cold migration")
def vm_action(request, lab: str, vm: str, spec: MigrateSpec, action: MigrateAction = Query(...)):
    the_lab = _lab(request, lab)
    v = _obj(the_lab, vm, VirtualMachine, "virtual machine")
    host = _ref(the_lab, spec.host, Host, "host", "host")
    datastore = _ref(the_lab, spec.datastore, Datastore, "datastore", "datastore")
    if host is None and datastore is None:
        raise InvalidArgument("Give a destination host, a datastore, or both.")
    return Status(202, {"task": vm_migrate(vm=v, user=request.auth, host=host, datastore=datastore,
                                    priority=spec.priority).moid})


@vc.post("/{lab}/vcenter/vm/{vm}/fault-tolerance", response={202: TaskRef, **ERRORS},
         summary="Fault Tolerance actions (arrive with the FT work: UNSUPPORTED until then)")
def vm_fault_tolerance(request, lab: str, vm: str, action: FaultToleranceAction = Query(...)):
    v = _obj(_lab(request, lab), vm, VirtualMachine, "virtual machine")
    return _error(request, "UNSUPPORTED", f"Fault Tolerance ({action}) is not simulated in this version of the lab "
                                          f"yet; {v.name} is unchanged.")


@vc.post("/{lab}/vcenter/vm/{vm}/fault", response={202: InputRef, **ERRORS},
         summary="Simulate a guest OS hang or recover from it: " + ", ".join(VM_ACTIONS))
def vm_fault(request, lab: str, vm: str, action: VmFault = Query(...)):
    v = _obj(_lab(request, lab), vm, VirtualMachine, "virtual machine")
    return Status(202, {"input": vm_fault_action(vm=v, action=action, user=request.auth).moid})


api.add_router("/session", session)
api.add_router("/labs", labs)
api.add_router("/labs", vc)
