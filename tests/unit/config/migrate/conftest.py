import pytest


@pytest.fixture(autouse=True)
def _private_state_dir(tmp_path_factory, monkeypatch):
    # --in-place keeps its journal under $XDG_STATE_HOME: never the real one.
    state = tmp_path_factory.mktemp('state')
    monkeypatch.setenv('XDG_STATE_HOME', str(state))
    return state
