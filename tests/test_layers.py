"""The layers (docs/architecture.md "Layers"): imports only go down, at module top, and the
simulation worker loads none of the web UI. The contracts are in .importlinter."""

from __future__ import annotations

import ast
import configparser
import json
import os
import subprocess
import sys
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("inventory", "operations", "api", "accounts", "vcenter_web")

# The only imports allowed inside a function: (file, function, imported module) and why. None of
# them dodges a cycle.
FUNCTION_LEVEL_IMPORTS = {
    # Django runs ready() once the app registry is loaded: importing these registers the timed
    # operations, input appliers and agent kinds the runner finds by name (models cannot be
    # imported at the top of apps.py).
    ("operations/apps.py", "OperationsConfig.ready", ".engine"),
    ("operations/apps.py", "OperationsConfig.ready", ".services"),
    # daphne (and Twisted under it) is loaded only by `manage.py serve`: asgi.py, which imports
    # this module, also runs under the tests and other ASGI servers, where importing Twisted's
    # HTTP code could install its default reactor before daphne installs the asyncio one.
    ("vcenter_web/limits.py", "limited_daphne_request", "daphne.http_protocol"),
    ("vcenter_web/limits.py", "limit_daphne", "daphne.http_protocol"),
}

# What `manage.py simworker` must never load: the web UI (views, forms, the menus' actions, the
# URLconf) and the API.
WEB_MODULES = (
    "inventory.views", "inventory.forms", "inventory.actions", "inventory.fault_actions", "inventory.urls",
    "operations.views", "operations.urls", "operations.live.consumers", "api.api", "api.schemas", "api.urls",
    "api.consumers", "accounts.views", "vcenter_web.urls", "vcenter_web.routing", "vcenter_web.asgi",
)


def _lint(*args: str) -> subprocess.CompletedProcess:
    code = "import sys; from importlinter.cli import lint_imports_command; sys.exit(lint_imports_command())"
    return subprocess.run([sys.executable, "-c", code, "--no-cache", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)


def test_imports_only_go_down_the_layers():
    """import-linter's contracts: the layers, no Django in the pure code, no cycle inside an app.
    A broken contract names the importing module, the imported one and the line."""
    result = _lint()
    report = result.stdout[result.stdout.find("Broken contracts"):] if "Broken contracts" in result.stdout else ""
    assert result.returncode == 0, f"import-linter:\n{report or result.stdout + result.stderr}"
    assert "0 broken" in result.stdout


def _layer_modules() -> list[str]:
    config = configparser.ConfigParser()
    config.read(ROOT / ".importlinter")
    names = []
    for line in config["importlinter:contract:layers"]["layers"].strip().splitlines():
        names += [n.strip() for n in line.replace("|", ":").split(":")]
    return names


def _graph():
    sys.path.insert(0, str(ROOT))
    return grimp.build_graph(*PACKAGES, cache_dir=None)


def test_every_module_is_in_a_layer():
    """A new module has to be placed (docs/architecture.md says how): one the contract does not
    name would not be checked. A package split across layers may only hold them (its __init__
    imports nothing of the project)."""
    graph = _graph()
    listed = _layer_modules()
    unplaced, split_packages = [], []
    for module in sorted(graph.modules):
        if any(module == name or module.startswith(name + ".") for name in listed):
            continue
        if any(name.startswith(module + ".") for name in listed):
            split_packages.append(module)
            continue
        unplaced.append(module)
    assert unplaced == [], f"modules in no layer of .importlinter: {unplaced}"
    for package in split_packages:
        imported = graph.find_modules_directly_imported_by(package)
        assert imported == set(), f"{package} holds modules of several layers but imports {sorted(imported)}"


def test_no_import_cycle_between_modules():
    graph = _graph()
    # Tarjan's strongly connected components, iteratively
    index, low, stack, on_stack, cycles, counter = {}, {}, [], set(), [], 0
    for start in sorted(graph.modules):
        if start in index:
            continue
        work = [(start, iter(sorted(graph.find_modules_directly_imported_by(start))))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.find_modules_directly_imported_by(child)))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    cycles.append(sorted(component))
    assert cycles == [], f"import cycles: {cycles}"


def _function_level_imports():
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            tree = ast.parse(path.read_text(), filename=str(path))
            yield from _imports_in_functions(tree, path.relative_to(ROOT).as_posix(), [])


def _imports_in_functions(node, file: str, scope: list[str], in_function: bool = False):
    for child in ast.iter_child_nodes(node):
        if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            inside = in_function or not isinstance(child, ast.ClassDef)
            yield from _imports_in_functions(child, file, scope + [child.name], inside)
        elif isinstance(child, (ast.Import, ast.ImportFrom)):
            if in_function:
                modules = [a.name for a in child.names] if isinstance(child, ast.Import) else \
                    ["." * child.level + (child.module or "")]
                for module in modules:
                    yield file, ".".join(scope), module, child.lineno
        else:
            yield from _imports_in_functions(child, file, scope, in_function)


def test_no_import_inside_a_function_but_the_listed_ones():
    """Imports sit at module top, where the layers contract and a reader see them; a function-level
    import hides a cycle. The few exceptions are listed above with their reason."""
    found = {(file, scope, module): line for file, scope, module, line in _function_level_imports()}
    unlisted = [f"{file}:{line} {module} (in {scope})" for (file, scope, module), line in sorted(found.items())
                if (file, scope, module) not in FUNCTION_LEVEL_IMPORTS]
    assert unlisted == [], "imports inside functions (move them to the module's top):\n" + "\n".join(unlisted)
    stale = FUNCTION_LEVEL_IMPORTS - set(found)
    assert stale == set(), f"listed but gone, remove from the list: {sorted(stale)}"


SIMWORKER = """
import json, os, sys
os.environ["DJANGO_SETTINGS_MODULE"] = "vcenter_web.settings"
import django
django.setup()
from operations.runner import hosting

async def started(runner, tick):  # the worker's loop, stopped before its first step
    runner.stop.set()

hosting.run_embedded = started
from django.core.management import execute_from_command_line
execute_from_command_line(["manage.py", "simworker"])  # with its system checks, as run from a shell
print(json.dumps(sorted(sys.modules)))
"""


def test_the_simulation_worker_loads_no_view_form_or_api_module():
    """`manage.py simworker` runs the engine and publishes: it imports the runner and the live
    publisher (with the fragments' template tags), never the web UI or the API."""
    result = subprocess.run([sys.executable, "-c", SIMWORKER], cwd=ROOT, capture_output=True, text=True,
                            timeout=120, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stderr
    loaded = set(json.loads(result.stdout.strip().splitlines()[-1]))
    assert "operations.runner.runner" in loaded and "operations.live.publisher" in loaded
    web = sorted(m for m in loaded if any(m == w or m.startswith(w + ".") for w in WEB_MODULES))
    assert web == [], f"manage.py simworker loads {web}"
