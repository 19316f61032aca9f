"""Scenario scripts (docs/scenarios.md): timed inputs and expectations, as text an instructor writes.

    # the seed article's VMotion, and its source host crashing mid-copy
    at 00:00 migrate vm W2K8-Web01 to host esx02.lab.local priority high
    at 00:10 crash host esx01.lab.local
    at 00:10 expect task "Migrate virtual machine" of vm W2K8-Web01 state error

`parse(text)` turns such a text into typed `Line`s (time in seconds from the script's start, the
verb's `Form`, the named arguments) or raises one `ScenarioError` listing every problem with its
line number. It knows no lab: names stay names, resolved by the caller against the lab.

The verbs are a `Vocabulary` of `Form`s, each a small pattern (`host {host} from host {peer}`),
so HA and FT add theirs with `register(...)` and every form documents itself (usage, summary,
example). Pure Python: no Django, no clock.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, field

COMMAND = "command"  # changes the lab: a fault, a restore, a host command, a VM operation
EXPECT = "expect"  # checks the lab and records the outcome
MAX_LINES = 5000
MAX_SECONDS = 24 * 3600  # the latest instant a line may have: a day of simulated time

# How a value is named in messages: "expected a host name after 'crash host'".
VALUE_LABELS = {
    "host": "a host name", "peer": "a host name", "vm": "a virtual machine name",
    "datastore": "a datastore name", "task": "a task name", "event": "an event type",
    "text": "a text in double quotes",
}
PLACEHOLDERS = {"host": "H", "peer": "H2", "vm": "V", "datastore": "D", "task": '"NAME"', "event": "TYPE",
                "text": '"TEXT"'}
EVENT_TYPE_RE = re.compile(r"[A-Za-z][A-Za-z0-9_.]*\Z")  # VmMigratedEvent, com.vmware.vc.ha.VmRestartedByHAEvent
TIME_HELP = "write MM:SS (00:30), HH:MM:SS (01:02:30) or a delay after the previous line (+30s, +2m, +1m30s)"


@dataclass(frozen=True)
class Problem:
    line: int | None  # None: about the whole script
    message: str

    def __str__(self) -> str:
        return self.message if self.line is None else f"line {self.line}: {self.message}"


class ScenarioError(ValueError):
    """Everything wrong with a script, each problem with its line number, in line order."""

    def __init__(self, problems: list[Problem]):
        self.problems = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    @property
    def messages(self) -> list[str]:
        return [str(p) for p in self.problems]


@dataclass(frozen=True)
class Form:
    """One way to write a verb: `verb pattern`. The runner dispatches on `action` and reads the
    line's `params()`: the form's `fixed` values (which fault kind, which power operation) and the
    names the line gave."""

    verb: str
    pattern: str
    action: str  # "fault.start", "fault.end", "host.reboot", "vm.migrate", "expect.vm"...
    kind: str  # COMMAND or EXPECT
    summary: str
    example: str  # the words after the time, e.g. "crash host esx01.lab.local"
    fixed: Mapping[str, str | tuple[str, ...]] = field(default_factory=dict)
    node: object = field(default=None, repr=False, compare=False)

    @property
    def usage(self) -> str:
        return f"{self.verb} {self.pattern}".strip()

    @property
    def synopsis(self) -> str:
        """The usage as the docs write it: `partition host H from host H2`."""
        def placeholder(match: re.Match) -> str:
            name, _, choices = match.group(1).partition(":")
            return choices or PLACEHOLDERS.get(name, name.upper())
        return re.sub(r"\{([^}]*)\}", placeholder, self.usage)


@dataclass(frozen=True)
class Line:
    number: int  # 1-based, in the source text
    text: str  # the source line as written
    at: float  # seconds after the script's start
    form: Form
    args: Mapping[str, str]  # the names and choices the line gave, by the pattern's names

    @property
    def verb(self) -> str:
        return self.form.verb

    @property
    def action(self) -> str:
        return self.form.action

    @property
    def kind(self) -> str:
        return self.form.kind

    @property
    def written(self) -> str:
        """The line as written, without its comment and extra spaces: what logs quote."""
        return " ".join(token.shown() for token in _tokenize(self.text))

    def params(self) -> dict:
        """JSON-ready: the form's fixed values, then the line's arguments."""
        fixed = {k: list(v) if isinstance(v, tuple) else v for k, v in self.form.fixed.items()}
        return {**fixed, **self.args}


# Patterns: words are keywords; {name} is a value (a name, quoted if it has spaces); {name:a|b}
# one of those words; [ ... ] optional; ( a | b ) one of the alternatives.

@dataclass(frozen=True)
class _Lit:
    word: str


@dataclass(frozen=True)
class _Val:
    name: str
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Seq:
    items: tuple


@dataclass(frozen=True)
class _Alt:
    options: tuple[_Seq, ...]
    optional: bool = False


_PATTERN_TOKEN = re.compile(r"\{[^}]*\}|[\[\]()|]|[^\s\[\]()|{}]+")


def _compile(pattern: str) -> _Seq:
    tokens = _PATTERN_TOKEN.findall(pattern)
    pos = 0

    def alternatives(closer: str | None) -> tuple[_Seq, ...]:
        nonlocal pos
        options, items = [], []
        while pos < len(tokens) and tokens[pos] != closer:
            tok = tokens[pos]
            pos += 1
            if tok == "|":
                options.append(_Seq(tuple(items)))
                items = []
            elif tok in "[(":
                inner = alternatives("]" if tok == "[" else ")")
                if pos >= len(tokens):
                    raise ValueError(f"unclosed {tok!r} in pattern {pattern!r}")
                pos += 1
                items.append(_Alt(inner, optional=tok == "["))
            elif tok in "])":
                raise ValueError(f"unexpected {tok!r} in pattern {pattern!r}")
            elif tok.startswith("{"):
                name, _, choices = tok[1:-1].partition(":")
                items.append(_Val(name, tuple(choices.split("|")) if choices else ()))
            else:
                items.append(_Lit(tok.lower()))
        options.append(_Seq(tuple(items)))
        return tuple(options)

    options = alternatives(None)
    return options[0] if len(options) == 1 else _Seq((_Alt(options),))


@dataclass(frozen=True)
class _Token:
    text: str
    quoted: bool

    def shown(self) -> str:
        return '"' + self.text.replace("\\", "\\\\").replace('"', '\\"') + '"' if self.quoted else self.text


class _Furthest:
    """The furthest token any form got to before failing, and what it expected there."""

    def __init__(self):
        self.at = -1
        self.expected: list[str] = []  # descriptions, in the order met
        self.words: list[str] = []  # the keywords among them, for "did you mean"
        self.after_value = False  # the token before `at` was taken as an unquoted name

    def note(self, at: int, description: str, words: tuple[str, ...] = (), after_value: bool = False) -> None:
        if at > self.at:
            self.at, self.expected, self.words, self.after_value = at, [], [], after_value
        if at == self.at:
            self.after_value = self.after_value or after_value
            if description not in self.expected:
                self.expected.append(description)
            self.words += [w for w in words if w not in self.words]


def _match(node, tokens: list[_Token], i: int, args: dict, fail: _Furthest, bare_value_at: int
           ) -> Iterator[tuple[int, dict, int]]:
    """Every way `node` matches tokens from `i`: (next position, arguments, position after the
    last unquoted name taken). Failures are noted in `fail`."""
    after_value = bare_value_at == i
    if isinstance(node, _Lit):
        if i < len(tokens) and not tokens[i].quoted and tokens[i].text.lower() == node.word:
            yield i + 1, args, bare_value_at
        else:
            fail.note(i, f"'{node.word}'", (node.word,), after_value)
    elif isinstance(node, _Val) and node.choices:
        if i < len(tokens) and not tokens[i].quoted and tokens[i].text.lower() in node.choices:
            yield i + 1, {**args, node.name: tokens[i].text.lower()}, bare_value_at
        else:
            fail.note(i, _either([f"'{c}'" for c in node.choices]), node.choices, after_value)
    elif isinstance(node, _Val):
        if i < len(tokens):
            yield i + 1, {**args, node.name: tokens[i].text}, -1 if tokens[i].quoted else i + 1
        else:
            fail.note(i, VALUE_LABELS.get(node.name, f"a {node.name}"))
    elif isinstance(node, _Seq):
        yield from _match_seq(node.items, tokens, i, args, fail, bare_value_at)
    else:
        for option in node.options:
            yield from _match(option, tokens, i, args, fail, bare_value_at)
        if node.optional:
            yield i, args, bare_value_at


def _match_seq(items: tuple, tokens, i, args, fail, bare_value_at):
    if not items:
        yield i, args, bare_value_at
        return
    for j, got, bare in _match(items[0], tokens, i, args, fail, bare_value_at):
        yield from _match_seq(items[1:], tokens, j, got, fail, bare)


def _either(things: list[str]) -> str:
    return things[0] if len(things) == 1 else ", ".join(things[:-1]) + " or " + things[-1]


def _did_you_mean(word: str, candidates: Collection[str]) -> str:
    by_lower = {candidate.lower(): candidate for candidate in candidates}
    close = difflib.get_close_matches(word.lower(), list(by_lower), n=1, cutoff=0.6)
    return f": did you mean '{by_lower[close[0]]}'?" if close else ""


class Vocabulary:
    """The verbs a scenario may use. A verb may have several forms (`power-on host H` restores
    a power fault, `power-on vm V` powers a VM on); the parser takes the one that matches."""

    def __init__(self):
        self.forms: dict[str, list[Form]] = {}
        self.refused: dict[str, str] = {}  # verbs a scenario may not use, with the reason

    def register(self, verb: str, pattern: str, *, action: str, kind: str, summary: str, example: str,
                 fixed: Mapping[str, str | tuple[str, ...]] | None = None) -> Form:
        if not re.fullmatch(r"[a-z][a-z0-9-]*", verb) or kind not in (COMMAND, EXPECT):
            raise ValueError(f"bad verb {verb!r} or kind {kind!r}")
        if any(form.pattern == pattern for form in self.forms.get(verb, ())):
            raise ValueError(f"{verb} {pattern} is registered already")
        form = Form(verb, pattern, action, kind, summary, example, dict(fixed or {}), _compile(pattern))
        self.forms.setdefault(verb, []).append(form)
        return form

    def refuse(self, verb: str, reason: str) -> None:
        self.refused[verb] = reason

    def copy(self) -> Vocabulary:
        other = Vocabulary()
        other.forms = {verb: list(forms) for verb, forms in self.forms.items()}
        other.refused = dict(self.refused)
        return other

    def all_forms(self) -> list[Form]:
        return [form for forms in self.forms.values() for form in forms]

    def match(self, verb: str, tokens: list[_Token], known: Mapping[str, Collection[str]]) -> tuple[Form, dict]:
        """The form of `verb` the tokens spell and its arguments, or raise _Bad with the message."""
        fail = _Furthest()
        for form in self.forms[verb]:
            for end, args, bare in _match(form.node, tokens, 0, {}, fail, -1):
                if end == len(tokens):
                    _check_values(args, known)
                    return form, args
                fail.note(end, "the end of the line", (), bare == end)
        raise _Bad(_mismatch(verb, tokens, fail))


class _Bad(Exception):
    """One problem with one line (its message, without the line number)."""


def _mismatch(verb: str, tokens: list[_Token], fail: _Furthest) -> str:
    before = " ".join([verb] + [t.shown() for t in tokens[:fail.at]])
    ending = "the end of the line"
    fail.expected.sort(key=lambda description: description == ending)  # stable: the end comes last
    if fail.at >= len(tokens):
        return f"expected {_either(fail.expected)} after '{before}', found the end of the line"
    found = tokens[fail.at]
    if fail.expected == [ending]:
        message = f"unexpected '{found.shown()}' after '{before}'"
    else:
        message = f"expected {_either(fail.expected)} after '{before}', found '{found.shown()}'"
    hint = _did_you_mean(found.text, fail.words) if not found.quoted and fail.words else ""
    message += hint
    if fail.after_value and not found.quoted and not hint:
        # an unquoted name with spaces: suggest the quoted name, up to the next keyword it expects
        words = [tokens[fail.at - 1].text]
        for token in tokens[fail.at:]:
            if not token.quoted and token.text.lower() in fail.words:
                break
            words.append(token.text)
        message += f' (a name with spaces goes in double quotes: "{" ".join(words)}")'
    return message


def _check_values(args: dict, known: Mapping[str, Collection[str]]) -> None:
    event = args.get("event")
    if event is not None and not EVENT_TYPE_RE.match(event):
        raise _Bad(f"'{event}' is not an event type: event types are single words such as VmMigratedEvent")
    for name, value in list(args.items()):
        values = known.get(name)
        if values is None:
            continue
        spelled = {v.lower(): v for v in values}.get(value.lower())
        if spelled is None:
            what = VALUE_LABELS.get(name, name).split(" ", 1)[-1]
            raise _Bad(f"unknown {what} '{value}'" + _did_you_mean(value, values))
        args[name] = spelled  # as the lab spells it


def _tokenize(text: str) -> list[_Token]:
    tokens, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
        elif c == "#":
            break  # a comment, to the end of the line
        elif c == '"':
            j, chars = i + 1, []
            while j < n and text[j] != '"':
                if text[j] == "\\" and j + 1 < n and text[j + 1] in '"\\':
                    j += 1
                chars.append(text[j])
                j += 1
            if j >= n:
                raise _Bad(f"the quoted text {text[i:].rstrip()} is not closed: add a \" at its end")
            if j + 1 < n and not text[j + 1].isspace():
                raise _Bad(f"put a space after the closing quote of {text[i:j + 1]}")
            if not "".join(chars).strip():
                raise _Bad('empty quotes "": write the name between them')
            tokens.append(_Token("".join(chars), True))
            i = j + 1
        elif c in "\u201c\u201d\u201e":
            raise _Bad("typographic quotes \u201c \u201d are not quotes here: use straight double quotes (\")")
        else:
            j = i
            while j < n and not text[j].isspace() and text[j] != '"':
                j += 1
            if j < n and text[j] == '"':
                raise _Bad(f"a quote inside the word {text[i:j + 1]}: put the whole name in double quotes")
            tokens.append(_Token(text[i:j], False))
            i = j
    return tokens


_CLOCK = re.compile(r"(\d+):(\d+)(?::(\d+))?(?:\.(\d+))?\Z")
_DELAY = re.compile(r"(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)(?:\.(\d+))?s)?\Z")


def parse_time(word: str, previous: float) -> float:
    """The instant a time word names, in seconds from the script's start; `previous` is the
    instant of the line before (a `+` delay counts from it)."""
    relative = word.startswith("+")
    body = word[1:] if relative else word
    clock = _CLOCK.match(body)
    delay = None if clock or not relative else _DELAY.match(body)
    if clock:
        first, second, third, fraction = clock.groups()
        minutes, secs = (first, second) if third is None else (second, third)
        for name, value in (("seconds", secs),) if third is None else (("minutes", minutes), ("seconds", secs)):
            if len(value) != 2:
                raise _Bad(f"'at {word}': write the {name} with two digits")
        if third is not None and int(minutes) > 59:
            raise _Bad(f"'at {word}': minutes must be 0-59")
        if int(secs) > 59:
            raise _Bad(f"'at {word}': seconds must be 0-59")
        seconds = int(secs) + 60 * int(minutes) + (3600 * int(first) if third is not None else 0)
    elif delay and body and (delay.group(1) or delay.group(2) or delay.group(3)):
        hours, minutes, whole, fraction = delay.groups()
        seconds = 3600 * int(hours or 0) + 60 * int(minutes or 0) + int(whole or 0)
    elif relative and re.fullmatch(r"\d+(\.\d+)?", body):
        raise _Bad(f"'at {word}': a delay needs its unit, as in +{body}s or +{body}m")
    elif re.fullmatch(r"\d+(\.\d+)?", word):
        raise _Bad(f"'at {word}' is not a time: write {format_time(float(word))} for {word} s after the start, "
                   f"or +{word}s for {word} s after the previous line")
    else:
        raise _Bad(f"'{word}' is not a time: {TIME_HELP}")
    if fraction is not None:
        if len(fraction) > 3:
            raise _Bad(f"'at {word}': at most 3 decimals (milliseconds)")
        seconds += int(fraction) / 10 ** len(fraction)
    at = round(previous + seconds if relative else seconds, 3)
    if at > MAX_SECONDS:
        raise _Bad(f"'at {word}' is after {format_time(MAX_SECONDS)}, the longest a scenario may run")
    return at


def format_time(seconds: float) -> str:
    """00:30, 01:02:30, 00:10.5: how scenarios and their logs write an instant."""
    whole, fraction = divmod(round(seconds * 1000), 1000)
    hours, rest = divmod(whole, 3600)
    text = f"{hours:02d}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60:02d}:{rest % 60:02d}"
    return text + (f".{fraction:03d}".rstrip("0") if fraction else "")


def parse(text: str, *, vocabulary: Vocabulary | None = None,
          known: Mapping[str, Collection[str]] | None = None) -> list[Line]:
    """The script's lines, in order, or ScenarioError with every problem. `known` may close an
    open set of values by argument name (e.g. {"event": the event types the lab can log}), so
    a typo there is reported with a suggestion instead of never matching; a known value may be
    written in any case and is given back as `known` spells it."""
    vocabulary = vocabulary or VOCABULARY
    known = known or {}
    # numbered as an editor numbers them (str.splitlines would also break at U+2028, \x1c...);
    # a byte order mark from a Windows editor is no text
    source = re.split(r"\r\n|\r|\n", text.removeprefix("\ufeff"))
    if len(source) > MAX_LINES:
        raise ScenarioError([Problem(None, f"the scenario has {len(source):,} lines; at most {MAX_LINES:,}")])
    lines: list[Line] = []
    problems: list[Problem] = []
    previous, previous_line = 0.0, None  # the last good time and its line
    last_expect_at: dict[float, int] = {}  # instant -> line of an expectation there
    for number, raw in enumerate(source, start=1):
        try:
            tokens = _tokenize(raw)
            if not tokens:
                continue
            at = _time_of(tokens, vocabulary, previous)
            if at < previous:
                raise _Bad(f"'at {tokens[1].text}' ({format_time(at)}) is earlier than line {previous_line} "
                           f"({format_time(previous)}): write the lines in time order")
            previous, previous_line = at, number
            form, args = _form_of(tokens[2:], vocabulary, known)
            if form.kind == EXPECT:
                last_expect_at[at] = number
            elif at in last_expect_at:
                raise _Bad(f"'{form.verb}' at {format_time(at)} comes after an expectation of the same instant "
                           f"(line {last_expect_at[at]}): an expectation checks the lab after every command of "
                           f"its instant, so write the command above it or give the expectation a later time")
            lines.append(Line(number, raw, at, form, args))
        except _Bad as bad:
            problems.append(Problem(number, str(bad)))
    if problems:
        raise ScenarioError(problems)
    if not lines:
        raise ScenarioError([Problem(None, "the scenario has no lines to run: write lines such as "
                                           "'at 00:30 crash host esx01.lab.local'")])
    return lines


def _time_of(tokens: list[_Token], vocabulary: Vocabulary, previous: float) -> float:
    first = tokens[0]
    if first.quoted or first.text.lower() != "at":
        if not first.quoted and (first.text.lower() in vocabulary.forms or first.text.lower() in vocabulary.refused):
            raise _Bad(f"missing the time before '{first.text}': write 'at 00:30 {first.text} ...'")
        raise _Bad(f"a line starts with 'at' and a time, as in 'at 00:30 crash host esx01.lab.local'; "
                   f"found '{first.shown()}'")
    if len(tokens) < 2:
        raise _Bad(f"'at' needs a time: {TIME_HELP}")
    if tokens[1].quoted:
        raise _Bad(f"'{tokens[1].shown()}' is not a time: {TIME_HELP}")
    at = parse_time(tokens[1].text, previous)
    if len(tokens) < 3:
        raise _Bad(f"nothing to do at {format_time(at)}: write a verb after the time, such as "
                   f"'at {tokens[1].text} crash host esx01.lab.local'")
    return at


def _form_of(tokens: list[_Token], vocabulary: Vocabulary, known) -> tuple[Form, dict]:
    verb_token, rest = tokens[0], tokens[1:]
    verb = verb_token.text.lower()
    if verb_token.quoted:
        raise _Bad(f"expected a verb such as 'crash' or 'expect', found '{verb_token.shown()}'")
    if verb in vocabulary.refused:
        raise _Bad(f"'{verb}' is not allowed in a scenario: {vocabulary.refused[verb]}")
    if verb not in vocabulary.forms:
        raise _Bad(f"unknown verb '{verb_token.text}'" + _did_you_mean(verb, vocabulary.forms))
    return vocabulary.match(verb, rest, known)


# The vocabulary. Fault kinds are the catalogue's (ENGINE2 §2); a restore names the kinds it ends.
VOCABULARY = Vocabulary()
register = VOCABULARY.register


def _host_fault(verb, fault, summary, restore_verb, restore_summary, restores=None):
    register(verb, "host {host}", action="fault.start", kind=COMMAND, fixed={"fault": fault},
             summary=summary, example=f"{verb} host esx01.lab.local")
    register(restore_verb, "host {host}", action="fault.end", kind=COMMAND, fixed={"faults": restores or (fault,)},
             summary=restore_summary, example=f"{restore_verb} host esx01.lab.local")


_host_fault("power-off", "host-power-off", "The host loses power; its running VMs power off with it.",
            "power-on", "Power comes back (after power-off or crash): the host boots, then vCenter reconnects it.",
            restores=("host-power-off", "host-crash"))
register("crash", "host {host}", action="fault.start", kind=COMMAND, fixed={"fault": "host-crash"},
         summary="The host fails (purple diagnostic screen); its running VMs go down with it. "
                 "Restore with power-on host.", example="crash host esx01.lab.local")
_host_fault("disconnect-management-network", "management-network",
            "The host's management cable is pulled: vCenter loses it (Not Responding after 60 s); its VMs run on.",
            "reconnect-management-network", "The management cable is back: vCenter reaches the host again.")
_host_fault("disconnect-vmotion-network", "vmotion-network",
            "The host's VMotion uplink is pulled: VMotions to or from it fail.",
            "reconnect-vmotion-network", "The VMotion uplink is back.")
_host_fault("disconnect-storage", "storage-paths",
            "Every path from the host to shared storage is down: guests on shared datastores hang.",
            "reconnect-storage", "The storage paths are back: the guests resume.")
_host_fault("disconnect-ft-logging-network", "ft-logging-network",
            "The host's Fault Tolerance logging uplink is pulled.",
            "reconnect-ft-logging-network", "The FT logging uplink is back.")
register("partition", "host {host} from host {peer}", action="fault.start", kind=COMMAND,
         fixed={"fault": "network-partition"},
         summary="The two hosts cannot reach each other (heartbeats, VMotion); vCenter still reaches both.",
         example="partition host esx01.lab.local from host esx02.lab.local")
register("heal-partition", "host {host} from host {peer}", action="fault.end", kind=COMMAND,
         fixed={"faults": ("network-partition",)},
         summary="The partition between the two hosts ends (the hosts in either order).",
         example="heal-partition host esx01.lab.local from host esx02.lab.local")
register("fail-management-switch", "", action="fault.start", kind=COMMAND, fixed={"fault": "management-switch"},
         summary="The management switch fails: every host's management network at once.",
         example="fail-management-switch")
register("restore-management-switch", "", action="fault.end", kind=COMMAND, fixed={"faults": ("management-switch",)},
         summary="The switch is back; a host whose own management cable is out stays cut.",
         example="restore-management-switch")
register("hang-guest", "vm {vm}", action="fault.start", kind=COMMAND, fixed={"fault": "guest-hang"},
         summary="The guest OS hangs: no VMware Tools heartbeat, no replies.", example="hang-guest vm W2K8-Web01")
register("recover-guest", "vm {vm}", action="fault.end", kind=COMMAND, fixed={"faults": ("guest-hang",)},
         summary="The hung guest OS runs again.", example="recover-guest vm W2K8-Web01")

for _verb, _summary in (
    ("disconnect", "Disconnect: vCenter stops managing the host; its VMs show (disconnected)."),
    ("connect", "Connect: vCenter manages the host again (fails if it cannot reach it)."),
    ("reboot", "Reboot: the host's running VMs go down; the host shuts down, boots and reconnects."),
    ("shutdown", "Shut Down: the host's running VMs go down; it ends powered off (power-on host brings it back)."),
    ("enter-standby", "Enter Standby Mode (no powered-on VM on the host): the host goes to standby."),
    ("exit-standby", "Exit Standby Mode: the host powers on, boots and reconnects."),
    ("enter-maintenance-mode", "Enter Maintenance Mode (refused while a VM runs on the host)."),
    ("exit-maintenance-mode", "Exit Maintenance Mode."),
):
    register(_verb, "host {host}", action=f"host.{_verb}", kind=COMMAND, summary=_summary,
             example=f"{_verb} host esx01.lab.local")

register("migrate", "vm {vm} to host {host} [priority {priority:high|low}]", action="vm.migrate", kind=COMMAND,
         summary="Migrate, change host: VMotion if the VM runs (priority high by default, as in the wizard), "
                 "else a cold migration.", example="migrate vm W2K8-Web01 to host esx02.lab.local priority high")
register("migrate", "vm {vm} to datastore {datastore}", action="vm.migrate", kind=COMMAND,
         summary="Migrate, change datastore: Storage VMotion if the VM runs, else a cold migration.",
         example="migrate vm W2K8-Web01 to datastore nfs-iso01")
register("migrate", "vm {vm} to host {host} and datastore {datastore}", action="vm.migrate", kind=COMMAND,
         summary="Migrate, change both: a cold migration (the VM must be powered off).",
         example="migrate vm XP-Client01 to host esx01.lab.local and datastore nfs-iso01")
for _verb, _operation, _summary in (
    ("power-on", "power-on", "Power On the VM."),
    ("power-off", "power-off", "Power Off the VM (like pulling its plug)."),
    ("reset", "reset", "Reset the VM: the guest restarts at once."),
    ("shutdown-guest", "shutdown", "Shut Down Guest: VMware Tools asks the guest OS to shut down."),
):
    register(_verb, "vm {vm}", action="vm.power", kind=COMMAND, fixed={"operation": _operation},
             summary=_summary, example=f"{_verb} vm W2K8-Web01")

_VM_POWER, _GUEST = "{power:on|off}", "{guest:running|off|hung|booting}"
register("expect", f"vm {{vm}} host {{host}} [power {_VM_POWER}] [guest {_GUEST}]", action="expect.vm",
         kind=EXPECT, summary="The VM is registered on that host (and, if given, in that power and guest state).",
         example="expect vm W2K8-Web01 host esx02.lab.local power on")
register("expect", f"vm {{vm}} power {_VM_POWER} [guest {_GUEST}]", action="expect.vm", kind=EXPECT,
         summary="The VM's power state.", example="expect vm W2K8-Web01 power off")
register("expect", f"vm {{vm}} guest {_GUEST}", action="expect.vm", kind=EXPECT,
         summary="The guest OS: running (up to its login screen), booting, hung or off.",
         example="expect vm W2K8-Web01 guest running")
_CONNECTION, _HOST_POWER = "{connection:connected|not-responding|disconnected}", "{power:on|off|standby}"
register("expect", f"host {{host}} connection {_CONNECTION} [power {_HOST_POWER}]", action="expect.host",
         kind=EXPECT, summary="The host's connection state as vCenter shows it (and, if given, its power state).",
         example="expect host esx01.lab.local connection not-responding")
register("expect", f"host {{host}} power {_HOST_POWER}", action="expect.host", kind=EXPECT,
         summary="The host's physical power state.", example="expect host esx01.lab.local power off")
register("expect", "task {task} of (vm {vm} | host {host}) state {state:success|error|running|queued} "
                   "[message contains {text}]", action="expect.task", kind=EXPECT,
         summary="The latest task of that name on the object is in that state (and its error message "
                 "contains the text).",
         example='expect task "Migrate virtual machine" of vm W2K8-Web01 state error message contains "esx01"')
register("expect", "event {event} [about (vm {vm} | host {host})] [message contains {text}]",
         action="expect.event", kind=EXPECT,
         summary="Such an event was logged since the scenario started.",
         example='expect event VmMigratedEvent about vm W2K8-Web01')
register("expect", "no event {event} [about (vm {vm} | host {host})] [message contains {text}]",
         action="expect.no-event", kind=EXPECT,
         summary="No such event was logged since the scenario started.",
         example="expect no event VmPoweredOffEvent about vm W2K8-Web01")

# The clock is the runner's: a scenario says when things happen, not how fast to show them.
_NO_CLOCK = ("runscenario moves simulated time itself, line by line; the clock's speed only changes how fast "
             "a person watching sees it, never what happens")
_NO_WAIT = "time passes between lines by itself: write the next line at its later time (at +30s ...)"
for _verb, _reason in (("set-speed", _NO_CLOCK), ("speed", _NO_CLOCK), ("pause", _NO_CLOCK), ("resume", _NO_CLOCK),
                       ("advance", _NO_CLOCK), ("wait", _NO_WAIT), ("sleep", _NO_WAIT)):
    VOCABULARY.refuse(_verb, _reason)
