"""inventory/rules.py: the input rules every entry point shares, as pure functions."""

import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from inventory import rules
from inventory.hardware import PROFILES_BY_KEY

BASE = Path(__file__).resolve().parents[2]


def test_the_rules_import_nothing_from_django():
    code = "import sys, inventory.rules; sys.exit(any(m == 'django' or m.startswith('django.') for m in sys.modules))"
    assert subprocess.run([sys.executable, "-c", code], cwd=BASE).returncode == 0


@pytest.mark.parametrize("char", [
    "\x00", "\x07", "\t", "\n", "\x1b", "\x7f", "\x85", "\x9b",  # C0, DEL, C1
    "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad",  # zero width, BOM, soft hyphen
    "\u200e", "\u200f", "\u061c", "\u202a", "\u202b", "\u202c", "\u202d", "\u202e",  # marks, embeddings, overrides
    "\u2066", "\u2067", "\u2068", "\u2069",  # isolates
    "\u2028", "\u2029", "\ud800", "\U000e0041",  # separators, a lone surrogate, a tag
])
def test_a_name_with_a_control_or_invisible_character_is_refused_and_the_character_named(char):
    problems = rules.name_problems(f"Web{char}01")
    assert len(problems) == 1 and f"U+{ord(char):04X}" in problems[0]
    assert char not in problems[0]  # the message spells it out, never carries it


@pytest.mark.parametrize("name", ["W2K8-Web01", "Café 01", "Σ-cluster", "データセンター", "web_01 (copy)", "  padded  "])
def test_names_of_any_script_with_spaces_are_accepted(name):
    assert rules.name_problems(name) == []


def test_names_keep_vcenters_length_and_escaped_characters():
    assert rules.name_problems("x" * 80) == [] and rules.name_problems(" " + "x" * 80 + " ") == []
    assert rules.name_problems("x" * 81) == ["The name must be 80 characters or fewer."]
    assert rules.name_problems("a%2fb") == ["The name may not contain the characters % / \\."]
    assert rules.name_problems("Q1/Q2", subject="The lab name", reserved="") == []
    assert rules.name_problems(None) == ["The name must be text."]


def test_free_text_may_break_lines_but_not_hide_characters():
    assert rules.snapshot_problems("Before patch", "Line one\r\nLine two\tend") == []
    assert rules.snapshot_problems("Before patch", "evil\u202etxt.exe")[0].startswith("The snapshot description may not")


@pytest.mark.parametrize("name", ["esx03.lab.local", "ESX03.Lab.Local", "192.168.1.20", "esx-03", "a" * 63])
def test_host_names_are_dns_names_or_addresses(name):
    assert rules.host_name_problems(name) == []


@pytest.mark.parametrize("name", ["Bad Host_Name", "h' or '1'='1", "-esx", "esx-", "esx..lab", "a" * 64, "esx_03", "10.0.0.1:902"])
def test_other_host_names_are_refused(name):
    assert rules.host_name_problems(name) == [
        "Enter a valid host name (letters, digits, hyphens and dots, e.g. esx03.lab.local) or IP address."]


@pytest.mark.parametrize("value", [True, 2.0, "2", None])
def test_counts_are_whole_numbers_not_booleans_floats_or_text(value):
    assert rules.vcpu_problems(value) == ["The number of virtual processors must be a whole number."]


def test_vm_hardware_limits():
    assert rules.vcpu_problems(8) == [] and rules.vcpu_problems(9) == [
        "The number of virtual processors must be between 1 and 8."]
    assert rules.memory_problems(4) == [] and rules.memory_problems(261120) == []
    assert rules.memory_problems(1022) == ["Memory must be a multiple of 4 MB."]
    assert rules.memory_problems(261124) == ["Memory must be between 4 MB and 261,120 MB."]
    assert rules.disk_size_problems(rules.MAX_DISK_MB) == [] and rules.disk_size_problems(rules.MAX_DISK_MB + 1)
    assert rules.disk_growth_problems("Hard disk 1", 2048, 1024) == [
        "Hard disk 1 cannot shrink: vSphere only extends virtual disks (2,048 MB now)."]
    assert rules.cpu_reservation_problems(5200, num_cpu=2, host_mhz=2600, host_name="esx01") == []
    assert rules.cpu_reservation_problems(5201, num_cpu=2, host_mhz=2600, host_name="esx01") == [
        "The CPU reservation (5201 MHz) cannot exceed what 2 vCPU(s) can use on esx01 (5200 MHz)."]
    assert rules.overhead_problems(None) == [] and rules.overhead_problems(0)


def test_an_intel_cpu_cannot_claim_an_amd_evc_baseline():
    intel = PROFILES_BY_KEY["r710-x5570-48"].spec
    assert rules.host_spec_problems(intel) == []
    assert rules.host_spec_problems(replace(intel, evc_max="amd-greyhound")) == [
        "An Intel CPU cannot have the EVC baseline AMD Opteron Generation 3 (amd-greyhound): use one of intel-merom, "
        "intel-penryn, intel-nehalem, intel-westmere."]
    assert rules.host_spec_problems(replace(intel, evc_max="no-such-evc")) == rules.EVC_BASELINE.problems("no-such-evc")


def test_every_bad_field_of_a_host_spec_is_one_message():
    bad = replace(PROFILES_BY_KEY["r805-2435-32"].spec, vendor="", sockets=0, cpu_mhz=99999, memory_mb=1, nic_gbps=2)
    assert len(rules.host_spec_problems(bad)) == 5


@pytest.mark.parametrize("address, ok", [
    ("", True), ("192.168.1.50", True), ("10.1.2.3", True), ("999.1.1.1", False), ("0.0.0.0", False),
    ("127.0.0.1", False), ("224.0.0.1", False), ("255.255.255.255", False), ("169.254.1.1", False),
    ("192.168.1.050", False), ("::1", False),
])
def test_management_addresses_are_unicast_ipv4(address, ok):
    assert (rules.management_ip_problems(address) == []) is ok


def test_an_enumeration_names_its_values_and_takes_no_lookalikes():
    assert rules.NIC_SPEED.problems(10) == [] and rules.NIC_SPEED.problems(True) and rules.NIC_SPEED.problems("10")
    assert rules.EVC_MODE.problems("") == [] and rules.EVC_BASELINE.problems("")
    message = rules.ESX_VERSION.problems("4.0.0\u202e")[0]
    assert message == "Unknown ESX version '4.0.0\\u202e': use one of 4.0.0, 4.1.0."
    assert len(rules.ESX_VERSION.problems("9" * 10_000)[0]) < 200


def test_the_scale_preset_keeps_within_vcenter_maxima():
    assert rules.scale_plan_problems(1000, 10000, 32) == []
    assert rules.scale_plan_problems(2, 1000, 2) == ["1000 VMs on 2 hosts exceeds 320 VMs per host."]
    assert rules.scale_plan_problems(True, 0, 1) == ["Hosts must be a whole number."]


def test_switches_are_booleans():
    assert rules.switch_problems(ha_enabled=True, drs_enabled=None) == []
    assert rules.switch_problems(ha_enabled=0, vmotion="yes") == [
        "ha_enabled must be true or false.", "vmotion must be true or false."]
