"""The layout's rules, checked on the source: no import cycles between our
modules, and code that runs in the servers never imports build-time code."""

import ast

from bot import paths

RUN_TIME = ("bot.servers", "bot.nlu", "bot.reminders", "bot.content", "actions")
BUILD_TIME = "bot.training"


def module_name(path):
    parts = path.relative_to(paths.ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports():
    """Every module of ours and the modules of ours it imports, at any depth of
    the file (imports inside functions count too)."""
    files = [*paths.ROOT.glob("bot/**/*.py"), *paths.ROOT.glob("actions/*.py")]
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
