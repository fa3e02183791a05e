"""Imports go one way: reloader -> triggers -> interface."""

import ast
import pathlib

import oslo_extras.config.reload as reload_pkg

PACKAGE = pathlib.Path(reload_pkg.__file__).parent


def _imports(path):
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f'{node.module}.{a.name}' for a in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
    return found


def test_triggers_do_not_import_the_reloader():
    for path in sorted((PACKAGE / 'triggers').glob('*.py')):
        imported = _imports(path)
        assert not any(
            name.startswith('oslo_extras.config.reload.reloader')
            or name == 'oslo_extras.config.reload.Reloader'
            for name in imported
        ), path.name


def test_interface_imports_neither_side():
    imported = _imports(PACKAGE / 'interface.py')
    assert not any(
        name.startswith('oslo_extras.config.reload.') for name in imported
    )


def test_reloader_satisfies_the_trigger_interface():
    from oslo_extras.config.reload import Reloader
    from oslo_extras.config.reload.interface import Reloadable

    for name in ('reload', 'watched_paths', 'holding_values'):
        assert callable(getattr(Reloader, name)), name
    assert callable(Reloader.mutate_config_files)
    assert {'reload', 'watched_paths', 'holding_values'} <= set(
        Reloadable.__dict__
    )


def test_the_reloaders_helpers_do_not_import_it():
    # candidate/checks/changed/parsed serve the reloader; none goes back.
    for name in ('candidate.py', 'checks.py', 'changed.py', 'parsed.py'):
        imported = _imports(PACKAGE / name)
        assert not any(
            n.startswith(
                (
                    'oslo_extras.config.reload.reloader',
                    'oslo_extras.config.reload.triggers',
                )
            )
            for n in imported
        ), name
