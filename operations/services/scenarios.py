"""Scenario scripts run against a lab (docs/scenarios.md): the engine's own harness.

`scenario_start` parses the script (operations/engine/scenario.py), resolves every name against
the lab up front (an unknown host, VM or datastore is refused with its line and the close names),
records the Scenario and writes its first line as an Input at `started_sim` + the line's time. The
runner applies a line at its instant (kinds `scenario.command` and `scenario.expect`, URGENT, in
pk order, one transaction each): a command calls the same service as the pages and the API, at
that instant (`records.simulated_instant`); an expectation reads the lab and records whether it
holds. Applying a line writes the next one's Input, so what a command causes at its instant (the
fault input its service writes, a task it queues) comes before the next line of that instant: an
expectation sees the lab after every command written above it. After the last line the scenario
ends, passed when every expectation held.

Lines are dispatched by their Form's action through `register_scenario_action(action, fn)`;
`fn(step)` of a command raises the service's refusal (VimFault), recorded as the line's outcome
with vSphere's message while the scenario goes on; `fn(step)` of an expectation returns a
`Verdict`. HA and FT register their verbs (engine/scenario.py VOCABULARY) and actions the same way.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Callable

from django.db import transaction
from django.db.models import Q

from inventory.choices import ConnectionState, HostPowerState, VmPowerState
from inventory.models import Datastore, Host, Lab, VirtualMachine
from inventory.rules import name_problems
from inventory.selectors import guest_of, shutting_down
from inventory.services import host_enter_maintenance, host_exit_maintenance
from inventory.services.common import refuse
from operations.engine.fault_kinds import FAULT_KINDS, HOST, LAB, PAIR, VM
from operations.engine.scenario import COMMAND, EXPECT, VOCABULARY, ScenarioError, parse
from operations.faults import InvalidArgument, VimFault
from operations.models import Event, Input, Scenario, ScenarioState, Task

from .faults import fault_restore, fault_start, host_fault_action, vm_fault_action
from .host_commands import host_command
from .inputs import Applied, input_write, register_input
from .locking import GENERAL, lab_write
from .migrate import vm_migrate
from .power import vm_power
from .records import event_log, sim_now

log = logging.getLogger(__name__)

KINDS = {COMMAND: "scenario.command", EXPECT: "scenario.expect"}
OBJECTS = {"host": Host, "peer": Host, "vm": VirtualMachine, "datastore": Datastore}
NOT_AVAILABLE = "it is not available in this version of the lab"  # a verb the parser knows and no service runs


def relative(seconds: float) -> str:
    """An instant after the scenario's start as its log writes it: +00:10.0, +01:02:03.5."""
    tenths = round(max(seconds, 0.0) * 10)
    whole, tenth = divmod(tenths, 10)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return (f"+{hours:02d}:" if hours else "+") + f"{minutes:02d}:{secs:02d}.{tenth}"


@dataclass
class Verdict:
    holds: bool
    seen: str = ""  # when it does not hold: what was found instead


@dataclass
class Step:
    """One line being applied, at its instant, in the runner's transaction."""

    scenario: Scenario
    lab: Lab
    line: dict  # number, text, at, verb, action, kind, params, ids
    now: float
    user: object
    objects: dict = field(default_factory=dict)  # host, peer, vm, datastore: the rows the line names

    @property
    def params(self) -> dict:
        return self.line["params"]


ACTIONS: dict[str, Callable[[Step], Verdict | None]] = {}


def register_scenario_action(action: str, fn: Callable[[Step], Verdict | None]) -> None:
    """What a line whose Form has `action` does: a command's fn calls a service (its refusal,
    a VimFault, is the line's outcome); an expectation's fn returns a Verdict."""
    ACTIONS[action] = fn


# --- starting one ----------------------------------------------------------------------------

def _names(lab: Lab) -> dict[str, dict[str, int]]:
    hosts = dict(Host.objects.filter(lab=lab).values_list("name", "pk"))
    return {"host": hosts, "peer": hosts,
            "vm": dict(VirtualMachine.objects.filter(lab=lab).values_list("name", "pk")),
            "datastore": dict(Datastore.objects.filter(lab=lab).values_list("name", "pk"))}


def check(lab: Lab, text: str) -> list[dict]:
    """The script's lines resolved against `lab`, or InvalidArgument with every problem, each
    with its line ("line 3: unknown host name 'esx1.lab.local': did you mean 'esx01.lab.local'?")."""
    nul = [f"line {number}: a NUL character (\\0) is no text: remove it"
           for number, raw in enumerate(re.split(r"\r\n|\r|\n", text), start=1) if "\0" in raw]
    if nul:
        raise InvalidArgument(*nul)
    names = _names(lab)
    vocabulary = VOCABULARY.copy()
    for verb, forms in VOCABULARY.forms.items():  # a verb none of whose actions this version has
        if all(form.action not in ACTIONS for form in forms):
            vocabulary.refuse(verb, NOT_AVAILABLE)
            del vocabulary.forms[verb]
    try:
        lines = parse(text, vocabulary=vocabulary, known={key: list(found) for key, found in names.items()})
    except ScenarioError as error:
        raise InvalidArgument(*error.messages) from None
    problems = [f"line {line.number}: '{line.verb}' is not allowed in a scenario: {NOT_AVAILABLE}"
                for line in lines if line.action not in ACTIONS]
    if problems:
        raise InvalidArgument(*problems)
    return [{"number": line.number, "text": line.written, "at": line.at, "verb": line.verb,
             "action": line.action, "kind": line.kind, "params": line.params(),
             "ids": {key: names[key][value] for key, value in line.args.items() if key in OBJECTS}}
            for line in lines]


@lab_write("lab")
def scenario_start(*, lab: Lab, text: str, user, name: str = "") -> Scenario:
    """Start a scenario on `lab` now: its lines apply at now + their times."""
    name = name.strip()
    if name:
        refuse(name_problems(name, subject="The scenario name"))
    lab = Lab.objects.get(pk=lab.pk)
    lines = check(lab, text)
    now = sim_now(lab)
    scenario = Scenario.objects.create(
        lab=lab, name=name, text=text, initiator=user, initiator_name=user.get_username() if user else "System",
        started_sim=now, first_seq=lab.event_seq, lines=lines,
        outcomes={str(line["number"]): {"outcome": "pending", "message": ""} for line in lines},
    )
    expectations = sum(1 for line in lines if line["kind"] == EXPECT)
    event_log(lab=lab, type="ScenarioStartedEvent", target=lab, user=user, at=now,
              message=f"Scenario {_label(scenario)} started: {len(lines)} lines, {expectations} expectations")
    _write_line(scenario, 0)
    return scenario


def _label(scenario: Scenario) -> str:
    return f"'{scenario.name}'" if scenario.name else scenario.moid


def _write_line(scenario: Scenario, index: int) -> Input:
    line = scenario.lines[index]
    return input_write(lab=scenario.lab, kind=KINDS[line["kind"]], payload={"scenario": scenario.pk, "index": index},
                       user=scenario.initiator, at=scenario.started_sim + line["at"])


# --- applying a line (the runner, at its instant) --------------------------------------------

def _apply(record: Input, now: float) -> Applied:
    scenario = Scenario.objects.select_for_update().filter(pk=record.payload.get("scenario"),
                                                           lab_id=record.lab_id).first()
    if scenario is None:
        return Applied("ignored: the scenario was deleted")
    if scenario.state != ScenarioState.RUNNING:
        return Applied(f"ignored: the scenario has ended ({scenario.state})")
    index = record.payload["index"]
    line = scenario.lines[index]
    step = Step(scenario, record.lab, line, now, scenario.initiator)
    missing = _resolve(step)
    if line["kind"] == COMMAND:
        outcome, message = _command(step, missing)
    else:
        outcome, message = _expectation(step, missing)
    scenario.outcomes[str(line["number"])] = {"outcome": outcome, "message": message, "at": now - scenario.started_sim}
    if index + 1 < len(scenario.lines):
        scenario.save(update_fields=["outcomes"])
        _write_line(scenario, index + 1)
    else:
        _end(scenario, now)
    return Applied("" if outcome in ("done", "met") else f"{outcome}: {message}")


def _resolve(step: Step) -> str:
    """The rows the line names, as they are now; or why one cannot be found."""
    for key, pk in step.line["ids"].items():
        found = OBJECTS[key].objects.filter(lab_id=step.lab.pk, pk=pk).first()
        if found is None:
            return f"{step.params[key]} is no longer in the inventory."
        step.objects[key] = found
    return ""


def _where(step: Step) -> str:
    return f"Scenario {_label(step.scenario)}, line {step.line['number']} ({step.line['text'].split(' ', 2)[-1]})"


def _command(step: Step, missing: str) -> tuple[str, str]:
    try:
        if missing:
            raise InvalidArgument(missing)
        with transaction.atomic():  # a refusal leaves nothing behind
            ACTIONS[step.line["action"]](step)
        return "done", ""
    except VimFault as fault:
        message = " ".join(fault.messages)
        event_log(lab=step.lab, type="ScenarioCommandRefusedEvent", target=step.lab, user=step.user,
                  severity="warning", at=step.now, message=f"{_where(step)} was refused: {message}")
        return "refused", message
    except Exception:  # a defect: say so on the line, go on with the scenario
        log.exception("scenario %s line %s failed", step.scenario.pk, step.line["number"])
        event_log(lab=step.lab, type="ScenarioCommandRefusedEvent", target=step.lab, user=step.user,
                  severity="error", at=step.now, message=f"{_where(step)} failed: {GENERAL}")
        return "error", GENERAL


def _expectation(step: Step, missing: str) -> tuple[str, str]:
    verdict = Verdict(False, missing) if missing else ACTIONS[step.line["action"]](step)
    if verdict.holds:
        event_log(lab=step.lab, type="ScenarioExpectationMetEvent", target=step.lab, user=step.user, at=step.now,
                  message=f"{_where(step)} holds")
        return "met", ""
    event_log(lab=step.lab, type="ScenarioExpectationFailedEvent", target=step.lab, user=step.user,
              severity="error", at=step.now, message=f"{_where(step)} does not hold: {verdict.seen}")
    return "failed", verdict.seen


def _end(scenario: Scenario, now: float) -> None:
    outcomes = [(int(n), o["outcome"]) for n, o in scenario.outcomes.items()]
    failed = sorted(n for n, outcome in outcomes if outcome == "failed")
    refused = sorted(n for n, outcome in outcomes if outcome in ("refused", "error"))
    expectations = sum(1 for line in scenario.lines if line["kind"] == EXPECT)
    errors = [n for n, outcome in outcomes if outcome == "error"]
    scenario.state = (ScenarioState.ERROR if errors else ScenarioState.FAILED if failed else ScenarioState.PASSED)
    scenario.ended_sim = now
    scenario.save(update_fields=["outcomes", "state", "ended_sim"])
    if failed:
        summary = (f"failed: {len(failed)} of {expectations} expectations did not hold "
                   f"(line{'s' if len(failed) > 1 else ''} {', '.join(map(str, failed))})")
    else:
        summary = f"passed: {expectations} of {expectations} expectations held"
    if errors:
        summary = f"ended in error (a defect, see the server's log) on line{'s' if len(errors) > 1 else ''} " \
                  f"{', '.join(map(str, sorted(errors)))}; " + summary
    if refused:
        summary += f"; {len(refused)} command{'s' if len(refused) > 1 else ''} refused " \
                   f"(line{'s' if len(refused) > 1 else ''} {', '.join(map(str, refused))})"
    event_log(lab=scenario.lab, type="ScenarioEndedEvent", target=scenario.lab, user=scenario.initiator,
              severity="error" if failed else "info", at=now, message=f"Scenario {_label(scenario)} {summary}")


register_input(KINDS[COMMAND], _apply)
register_input(KINDS[EXPECT], _apply)


# --- commands: the same services as the pages and the API ------------------------------------

def _fault_start(step: Step) -> None:
    o = step.objects
    fault_start(lab=step.lab, kind=step.params["fault"], user=step.user, host=o.get("host"), peer=o.get("peer"),
                vm=o.get("vm"))


def _fault_end(step: Step) -> None:
    kinds = [FAULT_KINDS[k] for k in step.params["faults"]]
    o = step.objects
    if kinds[0].needs == HOST:  # power-on host: ends a power failure or a crash, as the host's menu does
        host_fault_action(host=o["host"], action=kinds[0].end, user=step.user)
    elif kinds[0].needs == VM:
        vm_fault_action(vm=o["vm"], action=kinds[0].end, user=step.user)
    else:
        assert kinds[0].needs in (PAIR, LAB)
        fault_restore(lab=step.lab, kind=kinds[0].kind, user=step.user, host=o.get("host"), peer=o.get("peer"))


def _migrate(step: Step) -> None:
    o = step.objects
    vm_migrate(vm=o["vm"], host=o.get("host"), datastore=o.get("datastore"),
               priority=step.params.get("priority", "high"), user=step.user)


def _power(step: Step) -> None:
    vm_power(vm=step.objects["vm"], action=step.params["operation"], user=step.user)


register_scenario_action("fault.start", _fault_start)
register_scenario_action("fault.end", _fault_end)
register_scenario_action("vm.migrate", _migrate)
register_scenario_action("vm.power", _power)
register_scenario_action("host.enter-maintenance-mode",
                         lambda step: host_enter_maintenance(host=step.objects["host"], user=step.user))
register_scenario_action("host.exit-maintenance-mode",
                         lambda step: host_exit_maintenance(host=step.objects["host"], user=step.user))
for _host_command in ("disconnect", "connect", "reboot", "shutdown", "enter-standby", "exit-standby"):
    register_scenario_action(f"host.{_host_command}", lambda step, command=_host_command: host_command(
        host=step.objects["host"], command=command, user=step.user))


# --- expectations ------------------------------------------------------------------------------

VM_POWER = {"on": VmPowerState.POWERED_ON, "off": VmPowerState.POWERED_OFF}
HOST_POWER = {"on": HostPowerState.POWERED_ON, "off": HostPowerState.POWERED_OFF, "standby": HostPowerState.STANDBY}
CONNECTION = {"connected": ConnectionState.CONNECTED, "not-responding": ConnectionState.NOT_RESPONDING,
              "disconnected": ConnectionState.DISCONNECTED}
GUEST = {"off": "off", "hung": "hung", "post": "booting", "loader": "booting", "os": "booting", "login": "running",
         "shutdown": "shutting down"}
TASK_STATE = {"success": "success", "error": "error", "running": "running", "queued": "queued"}
TASK_WORDS = {"success": "Completed", "error": "Failed", "running": "In Progress", "queued": "Queued"}


def _word(mapping: dict, value) -> str:
    return next((word for word, v in mapping.items() if v == value), str(value))


def _verdict(seen: list[str]) -> Verdict:
    return Verdict(not seen, "; ".join(seen))


def _expect_vm(step: Step) -> Verdict:
    vm = VirtualMachine.objects.select_related("host").get(pk=step.objects["vm"].pk)
    p, seen = step.params, []
    if "host" in p and vm.host_id != step.objects["host"].pk:
        seen.append(f"expected {vm.name} on {p['host']}, found it on {vm.host.name}")
    if "power" in p and vm.power_state != VM_POWER[p["power"]]:
        seen.append(f"expected {vm.name} powered {p['power']}, found it {vm.get_power_state_display().lower()}")
    if "guest" in p:
        _, guest = guest_of(vm, step.now, stopping=vm.moid in shutting_down(step.lab))
        found = GUEST.get(guest.stage, guest.stage)
        if found != p["guest"]:
            seen.append(f"expected the guest OS of {vm.name} {p['guest']}, found it {found}")
    return _verdict(seen)


def _expect_host(step: Step) -> Verdict:
    host = Host.objects.get(pk=step.objects["host"].pk)
    p, seen = step.params, []
    if "connection" in p and host.connection_state != CONNECTION[p["connection"]]:
        seen.append(f"expected {host.name} {p['connection']}, found it "
                    f"{_word(CONNECTION, host.connection_state)}")
    if "power" in p and host.power_state != HOST_POWER[p["power"]]:
        seen.append(f"expected {host.name} powered {p['power']}, found it powered "
                    f"{_word(HOST_POWER, host.power_state)}")
    return _verdict(seen)


def _about(step: Step) -> tuple[object | None, str]:
    target = step.objects.get("vm") or step.objects.get("host")
    return target, (f" about {target.name}" if target is not None else "")


def _expect_task(step: Step) -> Verdict:
    p = step.params
    target, about = _about(step)
    task = (Task.objects.filter(lab=step.lab, name__iexact=p["task"], object_moid=target.moid,
                                queued_sim__gte=step.scenario.started_sim).order_by("-pk").first())
    if task is None:
        return Verdict(False, f"found no task \"{p['task']}\" on {target.name} since the scenario started")
    seen = []
    if task.state != TASK_STATE[p["state"]]:
        detail = f" ({task.error_message})" if task.error_message else ""
        seen.append(f"expected \"{task.name}\" of {target.name} {TASK_WORDS[p['state']]}, found it "
                    f"{TASK_WORDS.get(task.state, task.state)}{detail}")
    if "text" in p and p["text"].lower() not in task.error_message.lower():
        seen.append(f"expected its error message to contain \"{p['text']}\", found "
                    + (f"\"{task.error_message}\"" if task.error_message else "no error message"))
    return _verdict(seen)


def _events(step: Step):
    p = step.params
    target, about = _about(step)
    found = Event.objects.filter(lab=step.lab, seq__gt=step.scenario.first_seq, type__iexact=p["event"])
    if step.objects.get("vm") is not None:
        found = found.filter(object_moid=target.moid)
    elif target is not None:  # as the host's Tasks & Events tab lists them: the host's and its VMs'
        found = found.filter(Q(object_moid=target.moid) | Q(host_moid=target.moid))
    if "text" in p:
        found = found.filter(message__icontains=p["text"])
    words = f"{p['event']}{about}" + (f" containing \"{p['text']}\"" if "text" in p else "")
    return found.order_by("seq"), words


def _expect_event(step: Step) -> Verdict:
    found, words = _events(step)
    if found.exists():
        return Verdict(True)
    return Verdict(False, f"no {words} was logged since the scenario started")


def _expect_no_event(step: Step) -> Verdict:
    found, words = _events(step)
    first = found.first()
    if first is None:
        return Verdict(True)
    return Verdict(False, f"found {first.type} at {relative(first.sim_seconds - step.scenario.started_sim)}: "
                          f"{first.message}")


register_scenario_action("expect.vm", _expect_vm)
register_scenario_action("expect.host", _expect_host)
register_scenario_action("expect.task", _expect_task)
register_scenario_action("expect.event", _expect_event)
register_scenario_action("expect.no-event", _expect_no_event)


# --- reading ---------------------------------------------------------------------------------

def event_lines(scenario: Scenario, *, until_seq: int | None = None) -> list[str]:
    """The lab's event log since the scenario started, as runscenario prints it:
    `+00:10.0  VmFailedMigrateEvent  message`."""
    events = Event.objects.filter(lab_id=scenario.lab_id, seq__gt=scenario.first_seq).order_by("seq")
    if until_seq is not None:
        events = events.filter(seq__lte=until_seq)
    return [f"{relative(e.sim_seconds - scenario.started_sim)}  {e.type}  {e.message}" for e in events]


def outcome_lines(scenario: Scenario) -> list[str]:
    """Each line's outcome: `line 6  met      at 00:10 expect ...`."""
    found = []
    for line in scenario.lines:
        outcome = scenario.outcomes.get(str(line["number"]), {})
        message = outcome.get("message", "")
        found.append(f"line {line['number']:<3}  {outcome.get('outcome', 'pending'):<7}  {line['text']}"
                     + (f"\n           {message}" if message else ""))
    return found
