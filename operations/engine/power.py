"""Power operations and what the guest shows while it boots (REFERENCE.md: the console shows
the login screen after a restart, so a reboot must be visible)."""

from __future__ import annotations

from dataclasses import dataclass

from .changes import Change, HostDown, common_reaction
from .timeline import Plan, Step

POWER_ON_S = 1.5
POWER_OFF_S = 1.0
RESET_S = 1.0
HOST_WENT_DOWN = "Host {host} went down; {task} of {vm} did not complete."


def power_plan(action: str, *, shutdown_s: float = 0.0) -> Plan:
    steps = {
        "power-on": [Step(POWER_ON_S, "Powering on the virtual machine", 99, cancelable=False)],
        "power-off": [Step(POWER_OFF_S, "Powering off the virtual machine", 99, cancelable=False)],
        "reset": [Step(RESET_S, "Resetting the virtual machine", 99, cancelable=False)],
        "shutdown": [Step(shutdown_s, "Guest OS is shutting down", 99, cancelable=False)],
    }[action]
    return Plan(steps, commit=action)


@dataclass(frozen=True)
class BootProfile:
    """[model] When each stage of a boot starts, in seconds after power-on."""

    loader: float
    os: float
    login: float
    tools: float
    shutdown: float
    family: str


BOOT = {
    "windows": BootProfile(loader=4, os=9, login=38, tools=48, shutdown=20, family="windows"),
    "windows-xp": BootProfile(loader=4, os=8, login=30, tools=40, shutdown=15, family="windows"),
    "linux": BootProfile(loader=4, os=7, login=32, tools=40, shutdown=12, family="linux"),
}

SESSION_AFTER_LOGIN = 12  # [model] the user logs in a few seconds after the login screen shows


def boot_profile(guest_os: str) -> BootProfile:
    if guest_os.startswith(("rhel", "sles", "ubuntu", "centos", "debian", "other")):
        return BOOT["linux"]
    if guest_os.startswith("winXP"):
        return BOOT["windows-xp"]
    return BOOT["windows"]


@dataclass(frozen=True)
class GuestState:
    stage: str  # off, post, loader, os, login, shutdown
    tools_running: bool
    network_up: bool  # answers pings
    session_since: float | None  # the client session's start, in seconds after power-on


def guest_state(guest_os: str, uptime: float | None, shutting_down: bool = False, hung: bool = False) -> GuestState:
    if uptime is None:
        return GuestState("off", False, False, None)
    boot = boot_profile(guest_os)
    if shutting_down:
        return GuestState("shutdown", False, False, None)
    if hung:  # frozen: no VMware Tools heartbeat, no replies, the client session drops
        return GuestState("hung", False, False, None)
    if uptime < boot.loader:
        stage = "post"
    elif uptime < boot.os:
        stage = "loader"
    elif uptime < boot.login:
        stage = "os"
    else:
        stage = "login"
    session = boot.login + SESSION_AFTER_LOGIN
    return GuestState(stage, uptime >= boot.tools, uptime >= (boot.os + boot.login) / 2,
                      session if uptime >= session else None)


def react(role: str, change: Change, facts: dict) -> str | None:
    """A power operation fails when the VM's host goes down. `facts`: vm, host, task (names)."""
    if role == "host" and isinstance(change, HostDown):
        return HOST_WENT_DOWN.format(**facts)
    return common_reaction(role, change)
