"""Loading is linear in the number of rules (it was quadratic in unknown
and helper rules: 16k rules took minutes)."""

from oslo_policy import policy

from oslo_extras import _suggest
from oslo_extras.policy import lint
from tests.unit.policy.conftest import make_conf
from tests.unit.policy.conftest import safe
from tests.unit.policy.conftest import write


def _work(tmp_path, monkeypatch, count):
    calls = {'refs': 0, 'compared': 0}
    refs = lint._rule_refs

    def counting_refs(check):
        calls['refs'] += 1
        return refs(check)

    def counting_extract(word, choices, *args, **kwargs):
        calls['compared'] += len(choices)
        return extract(word, choices, *args, **kwargs)

    extract = _suggest.process.extract
    with monkeypatch.context() as patch:
        patch.setattr(lint, '_rule_refs', counting_refs)
        patch.setattr(_suggest.process, 'extract', counting_extract)
        _load(tmp_path, count)
    return calls


def _load(tmp_path, count):
    directory = tmp_path / str(count)
    write(
        directory / 'policy.yaml',
        ''.join(
            f'"helper{i}": "role:h{i}"\n"unknown:r{i}": "rule:helper{i}"\n'
            f'"typo:r{i}": "role:x"\n'
            for i in range(count)
        ),
    )
    rules = [policy.RuleDefault(f'svc:r{i}', 'role:a') for i in range(count)]
    safe(make_conf(str(directory)), rules).load_rules()


def test_load_work_grows_linearly(tmp_path, monkeypatch, caplog):
    small = _work(tmp_path, monkeypatch, 200)
    large = _work(tmp_path, monkeypatch, 800)
    assert large['refs'] <= 4.5 * small['refs']
    assert large['compared'] <= 4.5 * small['compared']
