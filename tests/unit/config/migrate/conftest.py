import pytest


@pytest.fixture(autouse=True)
def _private_state_dir(tmp_path_factory, monkeypatch):
    # --in-place keeps its journal under $XDG_STATE_HOME: never the real one.
    state = tmp_path_factory.mktemp('state')
    monkeypatch.setenv('XDG_STATE_HOME', str(state))
    return state


@pytest.fixture(autouse=True)
def _no_installed_services(monkeypatch):
    # --remove-obsolete asks every installed namespace (importing the
    # services); unit tests see none unless a test says otherwise.
    from oslo_extras.config.migrate import installed

    monkeypatch.setattr(installed, '_index', lambda: {})
