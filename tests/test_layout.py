"""The layout's rules, checked on the source: no import cycles between our
modules, code that runs in the servers never imports build-time code, and Rasa
is reached only through its package (bot/rasa/), which the rest never imports."""

import ast
import importlib.metadata
import re
import sys

from bot import paths, pins

RUN_TIME = ("bot.servers", "bot.nlu", "bot.reminders", "bot.content", "actions")
BUILD_TIME = "bot.training"
RASA_PACKAGE = "bot.rasa"
# What runs only on the Rasa server's runtime (bot/runtimes.py): the Rasa package;
# what loads a model in its own process, through bot/rasa/agent.py (the gates and
# the wild set, `python -m bot eval`, and the measurements in bench/); the NLU
# parts that need spaCy or the encoder's weights, which only that runtime has.
RASA_SIDE = (
    RASA_PACKAGE,
    "bot.training.evaluate",
    "bot.training.wild",
    "bench",
    "bot.nlu.spacy_pipeline",
    "bot.nlu.red_flag_matcher",
    "bot.nlu.safety",
    "bot.nlu.minilm",
    "bot.nlu.embedding_process",
    "bot.nlu.language",
    "bot.nlu.input_checks",
)
# The command line, which runs each side's commands (each imported inside its command).
COMMAND_LINE = ("bot.cli", "bot.__main__")
# Tests that compare our code with Rasa's own, or run our Rasa package's parts.
RASA_TESTS = "tests/with_rasa/"


def module_name(path):
    parts = path.relative_to(paths.ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def our_files():
    return [
        *paths.ROOT.glob("bot/**/*.py"),
        *paths.ROOT.glob("actions/*.py"),
        *paths.ROOT.glob("staff/**/*.py"),
        *paths.ROOT.glob("bench/*.py"),
        *paths.ROOT.glob("harness/*.py"),
    ]


def imports():
    """Every module of ours and the modules of ours it imports, at any depth of
    the file (imports inside functions count too)."""
    files = our_files()
    names = {module_name(f) for f in files}
    graph = {}
    for file in files:
        found = set()
        for node in ast.walk(ast.parse(file.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                candidates = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                candidates = [a.name for a in node.names]
            else:
                continue
            found |= {c for c in candidates if c in names}
        graph[module_name(file)] = found - {module_name(file)}
    return graph


def test_no_module_imports_one_that_imports_it_back():
    graph = imports()
    cycles = []

    def visit(module, trail):
        for imported in graph.get(module, ()):
            if imported in trail:
                cycles.append(trail[trail.index(imported) :] + [imported])
            elif len(trail) < 12:
                visit(imported, trail + [imported])

    for module in graph:
        visit(module, [module])
    # A package's __init__ importing its own modules is not a cycle of ours.
    real = [
        c for c in cycles if not any(a.startswith(b + ".") for a, b in zip(c, c[1:], strict=False))
    ]
    assert real == []


def test_run_time_code_never_imports_build_time_code():
    offending = {
        module: sorted(i for i in imported if f"{i}.".startswith(f"{BUILD_TIME}."))
        for module, imported in imports().items()
        if module.startswith(RUN_TIME)
    }
    assert {m: i for m, i in offending.items() if i} == {}


def in_package(module, packages):
    return any(module == p or module.startswith(p + ".") for p in packages)


def imports_of_rasa(file):
    """The lines of a file that import Rasa itself (rasa_sdk, the action
    server's library, is not Rasa)."""
    found = []
    for node in ast.walk(ast.parse(file.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            continue
        found += [node.lineno for name in names if re.fullmatch(r"rasa(\..*)?", name)]
    return found


def test_only_the_rasa_package_imports_rasa():
    files = [
        f
        for folder in ("bot", "actions", "staff", "bench", "harness", "tests")
        for f in (paths.ROOT / folder).glob("**/*.py")
    ]
    offending = {
        str(f.relative_to(paths.ROOT)): lines
        for f in files
        if (lines := imports_of_rasa(f))
        and not f.relative_to(paths.ROOT).as_posix().startswith(("bot/rasa/", RASA_TESTS))
    }
    assert offending == {}
    # And the check finds what it looks for.
    assert imports_of_rasa(paths.ROOT / "bot" / "rasa" / "prior_states.py")


def test_the_core_and_staff_never_reach_rasa():
    """Through our own modules, at any depth, imports inside functions too: the
    core (every module outside the Rasa side and the command line), the action
    server and the staff workspace never import the Rasa package or what runs it."""
    graph = imports()

    def reaches(module, seen):
        for imported in graph.get(module, ()):
            if in_package(imported, RASA_SIDE):
                return [module, imported]
            if imported not in seen:
                seen.add(imported)
                if trail := reaches(imported, seen):
                    return [module, *trail]
        return None

    core = [m for m in graph if not in_package(m, RASA_SIDE + COMMAND_LINE)]
    assert {"staff.editor.views.training", "actions.faq", "harness.servers"} <= set(core)
    assert {m: trail for m in core if (trail := reaches(m, set()))} == {}


def third_party_imports(module_file):
    """The top-level names a file imports that are neither ours nor Python's."""
    names = set()
    for node in ast.walk(ast.parse(module_file.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
        elif isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
    ours = {"bot", "actions", "staff", "bench", "harness", "tests"}
    return {n for n in names if n not in ours and n not in sys.stdlib_module_names}


def test_the_core_imports_only_what_its_lock_installs():
    """The core's runtime (requirements/core.lock) has no Rasa, spaCy or test
    tool: every module outside the Rasa side and the command line imports only
    what that lock installs, or Python's own."""
    graph = imports()
    core = {m for m in graph if not in_package(m, RASA_SIDE + COMMAND_LINE)}
    files = {module_name(f): f for f in our_files()}
    in_lock = pins.names(paths.ROOT / "requirements" / "core.lock")
    distributions = importlib.metadata.packages_distributions()
    missing = {
        f"{module}: {name}": distributions.get(name, ["not installed here"])
        for module in sorted(core)
        for name in sorted(third_party_imports(files[module]))
        if not any(pins.normalised(d) in in_lock for d in distributions.get(name, []))
    }
    assert missing == {}
    # And the check finds what it looks for.
    assert third_party_imports(paths.ROOT / "bot" / "nlu" / "red_flag_matcher.py") == {"spacy"}
    assert "rasa" not in in_lock and "rasa-sdk" in in_lock
