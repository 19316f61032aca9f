"""What a VM's console window shows: the guest's screen, derived from its uptime on the
simulated clock, and a client session into the guest (Remote Desktop or SSH) with a ping strip
that shows a VMotion's stun as a blip and loses the session when the guest reboots."""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass

from inventory.choices import VmPowerState
from inventory.models import VirtualMachine
from inventory.selectors import guest_of
from inventory.selectors import shutting_down as shutting_down_in
from operations.engine.power import boot_profile
from operations.models import Event

PING_WINDOW_S = 60
CLIENT = "student@192.168.1.50"


@dataclass(frozen=True)
class Ping:
    second: float
    rtt_ms: float | None  # None: request timed out

    @property
    def height(self) -> int:
        """Bar height in the strip, 0-30 px: log scale so 0.5 ms and 500 ms both show."""
        if self.rtt_ms is None:
            return 30
        return max(2, min(30, round(6 + 8 * math.log10(1 + self.rtt_ms))))


@dataclass(frozen=True)
class Console:
    title: str
    stage: str
    lines: list[str]
    tools_running: bool
    session_kind: str
    session_status: str
    session_connected: bool
    pings: list[Ping]
    last_reply: str
    stun_note: str
    now: float


def _screen(vm: VirtualMachine, stage: str, uptime: float) -> list[str]:
    family = boot_profile(vm.guest_os).family
    label = vm.get_guest_os_display()
    if stage == "off":
        return ["The virtual machine is powered off."]
    if stage == "hung":
        return _screen(vm, "login", uptime) + ["", "(the guest does not respond to keyboard or mouse)"]
    if stage == "post":
        return ["VMware Virtual Platform", "PhoenixBIOS 4.0 Release 6.0", "Copyright 1985-2001 Phoenix Technologies Ltd.", "",
                f"CPU = {vm.num_cpu} x {vm.host.cpu_model}", f"Memory Testing: {vm.memory_mb * 1024} KB OK", "",
                "Press F2 to enter SETUP, F12 for Network Boot, ESC for Boot Menu"]
    if stage == "shutdown":
        return ["Shutting down..."] if family == "windows" else [
            "Stopping httpd: [  OK  ]", "Stopping sshd: [  OK  ]", "Unmounting file systems: [  OK  ]", "Power down."]
    if family == "windows":
        if stage == "loader":
            return ["Windows Boot Manager", "", "Loading files..."]
        if stage == "os":
            dots = "." * (1 + int(uptime) % 4)
            return ["", f"Starting Windows{dots}", "", label]
        return [label, "", "Press CTRL + ALT + DELETE to log on"]
    if stage == "loader":
        return ["GNU GRUB  version 0.97", "", f"Booting '{label}'", "", "root (hd0,0)",
                "kernel /vmlinuz-2.6.18-164.el5 ro root=/dev/VolGroup00/LogVol00"]
    services = ["Starting udev: [  OK  ]", "Bringing up interface eth0: [  OK  ]", "Starting syslogd: [  OK  ]",
                "Starting sshd: [  OK  ]", "Starting httpd: [  OK  ]", "Starting vmware-tools: [  OK  ]"]
    if stage == "os":
        profile = boot_profile(vm.guest_os)
        shown = 1 + int((uptime - profile.os) / max(1, profile.login - profile.os) * len(services))
        return ["INIT: version 2.86 booting", *services[:shown]]
    return [label, "Kernel 2.6.18-164.el5 on an x86_64", "", f"{vm.name.lower()} login: _"]


def _rtt(vm_id: int, second: int) -> float:
    """A steady LAN reply time, 0.2-0.9 ms, the same on every refresh."""
    return 0.2 + (zlib.crc32(f"{vm_id}:{second}".encode()) % 70) / 100


def console_for(vm: VirtualMachine, now: float) -> Console:
    on = vm.power_state == VmPowerState.POWERED_ON and vm.powered_on_at is not None
    shutting_down = vm.moid in shutting_down_in(vm.lab)
    hung = on and vm.guest_hung_at is not None
    uptime, state = guest_of(vm, now, shutting_down)
    profile = boot_profile(vm.guest_os)
    session_kind = "Remote Desktop" if profile.family == "windows" else "SSH"
    # a reset (not a power-on from off): the guest was up, with a session, until a moment ago
    restarted = on and Event.objects.filter(lab_id=vm.lab_id, object_moid=vm.moid, type="VmResettingEvent",
                                            sim_seconds=vm.powered_on_at).exists()
    if state.session_since is not None:
        since = vm.powered_on_at + state.session_since
        status, connected = f"connected for {_hms(now - since)}", True
    elif not on:
        status, connected = "not connected: the virtual machine is powered off", False
    elif hung:
        status, connected = "not responding: the guest OS hangs", False
    else:
        status = "connection lost: the guest restarted" if restarted or shutting_down else "waiting for the guest to start"
        connected = False
    pings = []
    first = math.floor(now) - PING_WINDOW_S + 1
    stun_second = math.floor(vm.last_stun_at) if vm.last_stun_at is not None else None
    for second in range(first, math.floor(now) + 1):
        if hung and second >= vm.guest_hung_at:
            up = False
        elif on and second < vm.powered_on_at:
            up = restarted  # before this boot: up if it was a reset of a running guest
        else:
            up = on and second >= vm.powered_on_at + (profile.os + profile.login) / 2 and not shutting_down
        if not up:
            pings.append(Ping(second, None))
        elif second == stun_second:
            pings.append(Ping(second, (vm.last_stun_ms or 0) + _rtt(vm.pk, second)))
        else:
            pings.append(Ping(second, _rtt(vm.pk, second)))
    last = pings[-1]
    reply = "Request timed out." if last.rtt_ms is None else (
        f"Reply from {vm.name}: time={last.rtt_ms:.0f}ms" if last.rtt_ms >= 1 else f"Reply from {vm.name}: time<1ms")
    stun_note = ""
    if stun_second is not None and stun_second >= first:
        stun_note = f"VMotion switchover {_hms(now - vm.last_stun_at)} ago: the guest was stunned {vm.last_stun_ms} ms"
    return Console(
        title=f"{vm.name} on {vm.host.name}", stage=state.stage, lines=_screen(vm, state.stage, uptime or 0),
        tools_running=state.tools_running, session_kind=session_kind, session_status=status,
        session_connected=connected, pings=pings, last_reply=reply, stun_note=stun_note, now=now,
    )


def _hms(seconds: float) -> str:
    seconds = max(0, int(seconds))
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"
