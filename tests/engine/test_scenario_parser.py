"""operations/engine/scenario.py: the scenario format an instructor writes, parsed without a lab."""

import random
import re
import subprocess
import sys
from pathlib import Path

import pytest

from operations.engine import scenario
from operations.engine.scenario import COMMAND, EXPECT, MAX_LINES, VOCABULARY, ScenarioError, format_time, parse

BASE = Path(__file__).resolve().parents[2]


def one(text, **kwargs):
    lines = parse(f"at 00:00 {text}", **kwargs)
    assert len(lines) == 1
    return lines[0]


def problems(text, **kwargs):
    with pytest.raises(ScenarioError) as caught:
        parse(text, **kwargs)
    return caught.value.messages


def test_the_parser_imports_nothing_from_django():
    code = ("import sys, operations.engine.scenario; "
            "sys.exit(any(m == 'django' or m.startswith('django.') for m in sys.modules))")
    assert subprocess.run([sys.executable, "-c", code], cwd=BASE, check=False).returncode == 0


H1, H2 = "esx01.lab.local", "esx02.lab.local"
EVERY_VERB = [
    # faults and their restores
    (f"power-off host {H1}", "fault.start", {"fault": "host-power-off", "host": H1}),
    (f"power-on host {H1}", "fault.end", {"faults": ["host-power-off", "host-crash"], "host": H1}),
    (f"crash host {H1}", "fault.start", {"fault": "host-crash", "host": H1}),
    (f"disconnect-management-network host {H1}", "fault.start", {"fault": "management-network", "host": H1}),
    (f"reconnect-management-network host {H1}", "fault.end", {"faults": ["management-network"], "host": H1}),
    (f"disconnect-vmotion-network host {H1}", "fault.start", {"fault": "vmotion-network", "host": H1}),
    (f"reconnect-vmotion-network host {H1}", "fault.end", {"faults": ["vmotion-network"], "host": H1}),
    (f"disconnect-storage host {H1}", "fault.start", {"fault": "storage-paths", "host": H1}),
    (f"reconnect-storage host {H1}", "fault.end", {"faults": ["storage-paths"], "host": H1}),
    (f"disconnect-ft-logging-network host {H1}", "fault.start", {"fault": "ft-logging-network", "host": H1}),
    (f"reconnect-ft-logging-network host {H1}", "fault.end", {"faults": ["ft-logging-network"], "host": H1}),
    (f"partition host {H1} from host {H2}", "fault.start", {"fault": "network-partition", "host": H1, "peer": H2}),
    (f"heal-partition host {H2} from host {H1}", "fault.end",
     {"faults": ["network-partition"], "host": H2, "peer": H1}),
    ("fail-management-switch", "fault.start", {"fault": "management-switch"}),
    ("restore-management-switch", "fault.end", {"faults": ["management-switch"]}),
    ("hang-guest vm W2K8-Web01", "fault.start", {"fault": "guest-hang", "vm": "W2K8-Web01"}),
    ("recover-guest vm W2K8-Web01", "fault.end", {"faults": ["guest-hang"], "vm": "W2K8-Web01"}),
    # host commands
    (f"disconnect host {H1}", "host.disconnect", {"host": H1}),
    (f"connect host {H1}", "host.connect", {"host": H1}),
    (f"reboot host {H1}", "host.reboot", {"host": H1}),
    (f"shutdown host {H1}", "host.shutdown", {"host": H1}),
    (f"enter-standby host {H1}", "host.enter-standby", {"host": H1}),
    (f"exit-standby host {H1}", "host.exit-standby", {"host": H1}),
    (f"enter-maintenance-mode host {H1}", "host.enter-maintenance-mode", {"host": H1}),
    (f"exit-maintenance-mode host {H1}", "host.exit-maintenance-mode", {"host": H1}),
    # VM operations
    (f"migrate vm W2K8-Web01 to host {H2}", "vm.migrate", {"vm": "W2K8-Web01", "host": H2}),
    (f"migrate vm W2K8-Web01 to host {H2} priority low", "vm.migrate",
     {"vm": "W2K8-Web01", "host": H2, "priority": "low"}),
    ("migrate vm W2K8-Web01 to datastore nfs-iso01", "vm.migrate", {"vm": "W2K8-Web01", "datastore": "nfs-iso01"}),
    (f"migrate vm XP-Client01 to host {H1} and datastore nfs-iso01", "vm.migrate",
     {"vm": "XP-Client01", "host": H1, "datastore": "nfs-iso01"}),
    ("power-on vm W2K8-Web01", "vm.power", {"operation": "power-on", "vm": "W2K8-Web01"}),
    ("power-off vm W2K8-Web01", "vm.power", {"operation": "power-off", "vm": "W2K8-Web01"}),
    ("reset vm W2K8-Web01", "vm.power", {"operation": "reset", "vm": "W2K8-Web01"}),
    ("shutdown-guest vm W2K8-Web01", "vm.power", {"operation": "shutdown", "vm": "W2K8-Web01"}),
    # expectations
    (f"expect vm W2K8-Web01 host {H2}", "expect.vm", {"vm": "W2K8-Web01", "host": H2}),
    ("expect vm W2K8-Web01 power off", "expect.vm", {"vm": "W2K8-Web01", "power": "off"}),
    (f"expect vm W2K8-Web01 host {H2} power on", "expect.vm", {"vm": "W2K8-Web01", "host": H2, "power": "on"}),
    (f"expect vm W2K8-Web01 host {H2} power on guest running", "expect.vm",
     {"vm": "W2K8-Web01", "host": H2, "power": "on", "guest": "running"}),
    ("expect vm W2K8-Web01 guest hung", "expect.vm", {"vm": "W2K8-Web01", "guest": "hung"}),
    ("expect vm W2K8-Web01 guest booting", "expect.vm", {"vm": "W2K8-Web01", "guest": "booting"}),
    (f"expect host {H1} connection not-responding", "expect.host", {"host": H1, "connection": "not-responding"}),
    (f"expect host {H1} connection disconnected power on", "expect.host",
     {"host": H1, "connection": "disconnected", "power": "on"}),
    (f"expect host {H1} power standby", "expect.host", {"host": H1, "power": "standby"}),
    ('expect task "Migrate virtual machine" of vm W2K8-Web01 state error', "expect.task",
     {"task": "Migrate virtual machine", "vm": "W2K8-Web01", "state": "error"}),
    (f'expect task "Reboot host" of host {H1} state queued message contains "waiting"', "expect.task",
     {"task": "Reboot host", "host": H1, "state": "queued", "text": "waiting"}),
    ("expect event VmMigratedEvent", "expect.event", {"event": "VmMigratedEvent"}),
    (f'expect event HostNotRespondingEvent about host {H1} message contains "not responding"', "expect.event",
     {"event": "HostNotRespondingEvent", "host": H1, "text": "not responding"}),
    ("expect no event VmPoweredOffEvent about vm W2K8-Web01", "expect.no-event",
     {"event": "VmPoweredOffEvent", "vm": "W2K8-Web01"}),
    ("expect no event com.vmware.vc.ha.VmRestartedByHAEvent", "expect.no-event",
     {"event": "com.vmware.vc.ha.VmRestartedByHAEvent"}),
]


@pytest.mark.parametrize("text, action, params", EVERY_VERB, ids=[case[0] for case in EVERY_VERB])
def test_every_verb_parses_into_its_action_and_named_arguments(text, action, params):
    line = one(text)
    assert (line.action, line.params()) == (action, params)
    assert line.kind == (EXPECT if action.startswith("expect") else COMMAND)
    assert line.verb == text.split()[0]


def test_the_table_above_covers_every_verb_of_the_vocabulary():
    assert {case[0].split()[0] for case in EVERY_VERB} == set(VOCABULARY.forms)


@pytest.mark.parametrize("form", VOCABULARY.all_forms(), ids=lambda form: form.usage)
def test_every_form_parses_its_own_example_and_is_documented(form):
    assert one(form.example).form is form
    docs = (BASE / "docs" / "scenarios.md").read_text().replace("\\|", "|")  # a | in a table is \|
    assert f"`{form.synopsis}`" in docs


def test_keywords_and_choices_ignore_case_and_names_keep_theirs():
    line = one("EXPECT VM W2K8-Web01 Host ESX02.lab.local POWER On")
    assert line.params() == {"vm": "W2K8-Web01", "host": "ESX02.lab.local", "power": "on"}
    assert parse("At 00:05 Crash host esx01")[0].at == 5


def test_comments_and_blank_lines_are_skipped_and_line_numbers_are_the_files():
    lines = parse(
        "# the article's VMotion\n"
        "\n"
        "   # an indented comment\n"
        "at 00:00 migrate vm W2K8-Web01 to host esx02.lab.local  # priority high is the default\n"
        "\t\n"
        "at 00:10 crash host esx#01   #no space needed after the hash\r\n"
        "at 00:10 expect vm W2K8-Web01 power off # a comment\n"
    )
    assert [(line.number, line.at, line.verb) for line in lines] == [(4, 0, "migrate"), (6, 10, "crash"),
                                                                      (7, 10, "expect")]
    assert lines[1].args == {"host": "esx#01"}  # '#' inside a word is part of it
    assert lines[0].text == "at 00:00 migrate vm W2K8-Web01 to host esx02.lab.local  # priority high is the default"


def test_a_quoted_name_may_hold_spaces_quotes_backslashes_and_keywords():
    assert one('power-on vm "Web server 01"').args == {"vm": "Web server 01"}
    assert one(r'power-on vm "the \"big\" one"').args == {"vm": 'the "big" one'}
    assert one(r'expect task "a\\b" of vm x state error').args["task"] == "a\\b"
    assert one(r'expect task "C:\temp" of vm x state error').args["task"] == "C:\\temp"  # other \ stay
    # a quoted word is always a name, never a keyword: this VM is called "power"
    assert one('expect vm "power" power on').args == {"vm": "power", "power": "on"}


def test_a_quoted_hash_is_a_name_not_a_comment():
    assert one('power-on vm "#1 web"').args == {"vm": "#1 web"}


@pytest.mark.parametrize("time, seconds", [
    ("00:00", 0), ("00:30", 30), ("01:00", 60), ("90:00", 5400), ("00:10.5", 10.5), ("00:10.125", 10.125),
    ("01:02:03", 3723), ("0:00:01", 1), ("24:00:00", 86400), ("123:00", 7380),
])
def test_absolute_times_count_from_the_start(time, seconds):
    assert parse(f"at {time} crash host esx01")[0].at == seconds


def test_a_delay_counts_from_the_line_before_and_the_first_from_the_start():
    lines = parse(
        "at +5s crash host a\n"
        "at +1m30s expect host a connection not-responding\n"
        "at 02:00 power-on host a\n"
        "at +2m expect host a power on\n"
        "at +1h reboot host a\n"
        "at +0.25s expect host a power on\n"
        "at +00:30 expect host a power on\n"
        "at +0s expect host a power on\n"
    )
    assert [line.at for line in lines] == [5, 95, 120, 240, 3840, 3840.25, 3870.25, 3870.25]


def test_lines_of_the_same_instant_keep_their_order():
    lines = parse("at 00:10 crash host a\nat 00:10 crash host b\nat 00:10 expect host a power off\n"
                  "at 00:10 expect host b power off\n")
    assert [line.args["host"] for line in lines] == ["a", "b", "a", "b"]


@pytest.mark.parametrize("seconds, text", [(0, "00:00"), (30, "00:30"), (91.5, "01:31.5"), (3723, "01:02:03"),
                                           (10.125, "00:10.125"), (5400, "01:30:00")])
def test_format_time_writes_what_parse_reads(seconds, text):
    assert format_time(seconds) == text
    assert parse(f"at {text} crash host a")[0].at == seconds


ERRORS = [
    ("at 00:10 crahs host esx01", "line 1: unknown verb 'crahs': did you mean 'crash'?"),
    ("at 00:10 frobnicate host esx01", "line 1: unknown verb 'frobnicate'"),
    ("at 01:75 crash host esx01", "line 1: 'at 01:75': seconds must be 0-59"),
    ("at 01:60:00 crash host esx01", "line 1: 'at 01:60:00': minutes must be 0-59"),
    ("at 1:5 crash host esx01", "line 1: 'at 1:5': write the seconds with two digits"),
    ("at 1:5:00 crash host esx01", "line 1: 'at 1:5:00': write the minutes with two digits"),
    ("at 00:01.2345 crash host esx01", "line 1: 'at 00:01.2345': at most 3 decimals (milliseconds)"),
    ("at 90 crash host esx01",
     "line 1: 'at 90' is not a time: write 01:30 for 90 s after the start, or +90s for 90 s after the previous line"),
    ("at +10 crash host esx01", "line 1: 'at +10': a delay needs its unit, as in +10s or +10m"),
    ("at soon crash host esx01", "line 1: 'soon' is not a time: " + scenario.TIME_HELP),
    ("at 24:00:01 crash host esx01", "line 1: 'at 24:00:01' is after 24:00:00, the longest a scenario may run"),
    ("at", "line 1: 'at' needs a time: " + scenario.TIME_HELP),
    ("at 00:40", ("line 1: nothing to do at 00:40: write a verb after the time, such as "
                 "'at 00:40 crash host esx01.lab.local'")),
    ("crash host esx01", "line 1: missing the time before 'crash': write 'at 00:30 crash ...'"),
    ("hello world", ("line 1: a line starts with 'at' and a time, as in 'at 00:30 crash host esx01.lab.local'; "
                    "found 'hello'")),
    ('at 00:00 "crash" host esx01', "line 1: expected a verb such as 'crash' or 'expect', found '\"crash\"'"),
    ("at 00:10 crash host", "line 1: expected a host name after 'crash host', found the end of the line"),
    ("at 00:10 crash esx01", "line 1: expected 'host' after 'crash', found 'esx01'"),
    ("at 00:10 crash host esx01 now", ("line 1: unexpected 'now' after 'crash host esx01' "
                                      "(a name with spaces goes in double quotes: \"esx01 now\")")),
    ('at 00:10 crash host "esx01" now', "line 1: unexpected 'now' after 'crash host \"esx01\"'"),
    ("at 00:10 expect task Migrate virtual machine of vm W2K8-Web01 state error",
     ("line 1: expected 'of' after 'expect task Migrate', found 'virtual' "
     "(a name with spaces goes in double quotes: \"Migrate virtual machine\")")),
    ("at 00:10 migrate vm W2K8 Web01 to host esx02",
     ("line 1: expected 'to' after 'migrate vm W2K8', found 'Web01' "
     "(a name with spaces goes in double quotes: \"W2K8 Web01\")")),
    ("at 00:10 expect vm W2K8-Web01 power onn",
     "line 1: expected 'on' or 'off' after 'expect vm W2K8-Web01 power', found 'onn': did you mean 'on'?"),
    ("at 00:10 expect vm W2K8-Web01 powr on",
     "line 1: expected 'host', 'power' or 'guest' after 'expect vm W2K8-Web01', found 'powr': did you mean 'power'?"),
    ("at 00:10 migrate vm W to host e priorty high",
     ("line 1: expected 'priority', 'and' or the end of the line after 'migrate vm W to host e', found 'priorty': "
     "did you mean 'priority'?")),
    ("at 00:10 expect host a connection lost",
     ("line 1: expected 'connected', 'not-responding' or 'disconnected' after 'expect host a connection', "
     "found 'lost'")),
    ("at 00:10 expect task x of vm y state failed",
     ("line 1: expected 'success', 'error', 'running' or 'queued' after 'expect task x of vm y state', "
     "found 'failed'")),
    ("at 00:10 expect task x of vm y state error message contains",
     ("line 1: expected a text in double quotes after 'expect task x of vm y state error message contains', "
     "found the end of the line")),
    ("at 00:10 expect foo", "line 1: expected 'vm', 'host', 'task', 'event' or 'no' after 'expect', found 'foo'"),
    ('at 00:10 expect event "Vm Migrated"',
     "line 1: 'Vm Migrated' is not an event type: event types are single words such as VmMigratedEvent"),
    ("at 00:10 heal-partition host a from b", "line 1: expected 'host' after 'heal-partition host a from', found 'b'"),
    ('at 00:10 crash host "esx01', "line 1: the quoted text \"esx01 is not closed: add a \" at its end"),
    ('at 00:10 crash host "esx01"x', "line 1: put a space after the closing quote of \"esx01\""),
    ('at 00:10 crash host esx"01"', "line 1: a quote inside the word esx\": put the whole name in double quotes"),
    ('at 00:10 crash host ""', "line 1: empty quotes \"\": write the name between them"),
    ("at 00:10 crash host \u201cesx01\u201d",
     "line 1: typographic quotes \u201c \u201d are not quotes here: use straight double quotes (\")"),
    ("at 00:10 set-speed 10", "line 1: 'set-speed' is not allowed in a scenario: " + scenario._NO_CLOCK),
    ("at 00:10 wait 30", "line 1: 'wait' is not allowed in a scenario: " + scenario._NO_WAIT),
    ("at 00:10 fail-management-switch now", "line 1: unexpected 'now' after 'fail-management-switch'"),
]


@pytest.mark.parametrize("text, message", ERRORS, ids=[case[0] for case in ERRORS])
def test_each_kind_of_mistake_is_named_with_its_line(text, message):
    assert problems(text) == [message]


def test_a_time_earlier_than_the_line_before_is_refused():
    assert problems("at 00:30 crash host a\n# later\nat 00:20 power-on host a\n") == [
        "line 3: 'at 00:20' (00:20) is earlier than line 1 (00:30): write the lines in time order"]
    assert problems("at 00:30 crash host a\nat -00:10 power-on host a")[0].startswith("line 2: '-00:10' is not a time")


def test_a_command_written_after_an_expectation_of_its_instant_is_refused():
    # the expectation would see the command's effects: evaluation follows the file's order
    assert problems("at 00:10 expect host a power on\nat 00:10 crash host a\n") == [
        ("line 2: 'crash' at 00:10 comes after an expectation of the same instant (line 1): an expectation checks "
        "the lab after every command of its instant, so write the command above it or give the expectation a "
        "later time")]
    assert len(parse("at 00:10 expect host a power on\nat 00:11 crash host a\n")) == 2


def test_every_problem_of_the_script_is_reported_at_once_in_line_order():
    text = ("# a script with four mistakes\n"
            "at 00:00 migrate vm W2K8-Web01 to host esx02.lab.local\n"
            "at 00:10 crahs host esx01.lab.local\n"
            "at 00:75 expect vm W2K8-Web01 host esx02.lab.local\n"
            "at 00:20 expect task Migrate virtual machine of vm W2K8-Web01 state error\n"
            "at 00:30 expect host esx01.lab.local connection connected\n"
            "at 00:25 reconnect-management-network host esx01.lab.local\n")
    with pytest.raises(ScenarioError) as caught:
        parse(text)
    error = caught.value
    assert [p.line for p in error.problems] == [3, 4, 5, 7]
    assert str(error).splitlines() == error.messages
    assert error.messages[0] == "line 3: unknown verb 'crahs': did you mean 'crash'?"
    assert error.messages[3].startswith("line 7: 'at 00:25' (00:25) is earlier than line 6 (00:30)")


def test_an_empty_script_or_one_of_comments_only_is_refused():
    message = ("the scenario has no lines to run: write lines such as 'at 00:30 crash host esx01.lab.local'")
    assert problems("") == problems("# nothing yet\n\n") == [message]


def test_a_script_too_long_is_refused_before_anything_is_parsed():
    assert problems("at 00:00 crash host a\n" * MAX_LINES + "x") == [
        f"the scenario has {MAX_LINES + 1:,} lines; at most {MAX_LINES:,}"]


def test_line_numbers_are_an_editors_even_with_windows_endings_and_odd_separators():
    lines = parse("\ufeffat 00:00 crash host a\r\n\r\nat 00:01 power-on host\u2028a\rat 00:02 crash host b\n")
    assert [(line.number, line.args["host"]) for line in lines] == [(1, "a"), (3, "a"), (4, "b")]


def test_known_values_close_an_open_set_with_a_suggestion():
    known = {"event": {"VmMigratedEvent", "HostConnectedEvent"}, "task": {"Migrate virtual machine"}}
    assert one("expect event vmmigratedevent", known=known).args["event"] == "VmMigratedEvent"
    hosts = {"host": ["esx01.lab.local", "esx02.lab.local"], "peer": ["esx01.lab.local", "esx02.lab.local"]}
    assert one("partition host ESX01.lab.local from host esx02.LAB.local", known=hosts).params() == {
        "fault": "network-partition", "host": "esx01.lab.local", "peer": "esx02.lab.local"}
    assert problems("at 00:00 crash host esx01.lab.locl", known=hosts) == [
        "line 1: unknown host name 'esx01.lab.locl': did you mean 'esx01.lab.local'?"]
    assert problems("at 00:10 expect no event VmMigratedEvnt\n"
                    'at 00:10 expect task "Migrate virtual machin" of vm a state success', known=known) == [
        "line 1: unknown event type 'VmMigratedEvnt': did you mean 'VmMigratedEvent'?",
        "line 2: unknown task name 'Migrate virtual machin': did you mean 'Migrate virtual machine'?",
    ]


def test_ha_and_ft_can_add_verbs_and_expectations_to_a_vocabulary():
    vocabulary = VOCABULARY.copy()
    vocabulary.register("test-failover", "vm {vm}", action="ft.test-failover", kind=COMMAND,
                        summary="Fault Tolerance > Test Failover.", example="test-failover vm W2K8-Web01")
    vocabulary.register("expect", "vm {vm} ft {ft:protected|not-protected}", action="expect.vm-ft", kind=EXPECT,
                        summary="The FT status.", example="expect vm W2K8-Web01 ft protected")
    lines = parse("at 00:00 test-failover vm W2K8-Web01\nat 00:05 expect vm W2K8-Web01 ft protected",
                  vocabulary=vocabulary)
    assert [(line.action, line.params()) for line in lines] == [
        ("ft.test-failover", {"vm": "W2K8-Web01"}), ("expect.vm-ft", {"vm": "W2K8-Web01", "ft": "protected"})]
    # the new choice joins the expectations an instructor is told about; the shared vocabulary is unchanged
    assert problems("at 00:05 expect vm W2K8-Web01 ftt on", vocabulary=vocabulary) == [
        ("line 1: expected 'host', 'power', 'guest' or 'ft' after 'expect vm W2K8-Web01', found 'ftt': "
        "did you mean 'ft'?")]
    assert problems("at 00:00 test-failover vm W2K8-Web01")[0].startswith("line 1: unknown verb 'test-failover'")


@pytest.mark.parametrize("verb, pattern", [("Crash", "host {host}"), ("crash", "host {host}"),
                                           ("x", "[host {host}"), ("x", "host {host}]")])
def test_a_malformed_or_duplicate_registration_is_a_programming_error(verb, pattern):
    with pytest.raises(ValueError):
        VOCABULARY.copy().register(verb, pattern, action="x", kind=COMMAND, summary="", example="")


def test_no_input_makes_the_parser_fail_other_than_with_its_error():
    """Random lines of real and broken words: every outcome is lines or a ScenarioError naming lines."""
    words = ["at", "00:10", "+5s", "01:75", "crash", "host", "vm", "expect", "no", "event", "task", "of", "state",
             "to", "priority", "high", '"a b"', '"', "\\", "#", "power", "on", "esx01", "message", "contains",
             "migrate", "and", "datastore", "partition", "from", "", "\u201c", "about", "fail-management-switch"]
    chance = random.Random(1234)
    for _ in range(3000):
        text = "\n".join(" ".join(chance.choice(words) for _ in range(chance.randint(0, 9)))
                         for _ in range(chance.randint(1, 4)))
        try:
            parse(text)
        except ScenarioError as error:
            assert error.problems and all(p.line is None or 1 <= p.line <= 4 for p in error.problems)


def test_the_example_scenarios_parse():
    files = sorted((BASE / "tests" / "scenarios").glob("*.scenario"))
    assert len(files) >= 5
    for path in files:
        assert parse(path.read_text()), path.name


def test_every_example_line_of_the_docs_parses():
    docs = (BASE / "docs" / "scenarios.md").read_text().replace("\\|", "|")
    examples = re.findall(r"`(at \d+:[^`]*)`", docs)
    assert len(examples) >= 40
    for example in examples:
        assert parse(example), example


def test_the_designs_example_parses():
    lines = parse(
        "# the article's HA experiment, before HA: what happens without it\n"
        "at 00:00 migrate vm W2K8-Web01 to host esx02.lab.local priority high\n"
        "at 00:10 crash host esx02.lab.local\n"
        'at 00:11 expect task "Migrate virtual machine" of vm W2K8-Web01 state error\n'
        "at 00:30 disconnect-management-network host esx01.lab.local\n"
        "at 01:31 expect host esx01.lab.local connection not-responding\n"
        "at 02:00 reconnect-management-network host esx01.lab.local\n"
        "at 02:01 expect host esx01.lab.local connection connected\n"
    )
    assert [(line.at, line.action) for line in lines] == [
        (0, "vm.migrate"), (10, "fault.start"), (11, "expect.task"), (30, "fault.start"), (91, "expect.host"),
        (120, "fault.end"), (121, "expect.host")]
