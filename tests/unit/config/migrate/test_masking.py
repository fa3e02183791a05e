"""No secret reaches a --dry-run diff or a --format json report."""

import json

from oslo_extras.cmd import config_migrate
from oslo_extras.config import migrate
from tests.unit.config.migrate import fake_opts
from tests.unit.config.migrate.test_engine import write

SECRETS = (
    'heat-encryption-key-1234',
    'glance-swift-key-5678',
    'first-half-of-it',
    'second-half-of-it',
    'token-line-two',
)


def _config(tmp_path):
    # Options the catalog does not know (heat, glance_store) and a
    # multi-line secret of a known one, all next to lines that change.
    return write(
        tmp_path / 'svc.conf',
        """
        [DEFAULT]
        old_name = x
        logdir = /var/log/svc
        auth_encryption_key = heat-encryption-key-1234
        swift_store_key = glance-swift-key-5678
        service_token = first-half-of-it
            second-half-of-it
        plain = 1

        [glance_store]
        worker_count = 1
        swift_store_key = glance-swift-key-5678
        admin_token = one
            token-line-two
        """,
    )


def test_dry_run_diff_masks_every_secret(tmp_path):
    path = _config(tmp_path)
    plan = migrate.Migrator(fake_opts.catalog()).plan([path])
    diff = plan.diff()
    assert '+new_name = x' in diff
    for secret in SECRETS:
        assert secret not in diff, secret


def test_cli_text_and_json_mask_every_secret(tmp_path, capsys):
    path = _config(tmp_path)
    args = ['--namespace', 'oslo.log', '--config-file', path]
    config_migrate.main(args)
    text = capsys.readouterr()
    config_migrate.main([*args, '--format', 'json'])
    out = capsys.readouterr().out
    data = json.loads(out)
    assert '+log_dir = /var/log/svc' in text.out
    assert '+log_dir = /var/log/svc' in data['diff']
    for secret in SECRETS[:4]:
        assert secret not in text.out + text.err + out, secret


def test_url_password_with_at_sign_in_an_unknown_group_is_masked(tmp_path):
    # A password may hold '@' unescaped (urllib splits the URL at the
    # last one). In a group the catalog does not know (tooz's
    # [coordination] in a service that does not load it), nothing flags
    # the option as secret: only the URL rule hides the password, and it
    # stopped at the first '@', showing the rest.
    path = write(
        tmp_path / 'a.conf',
        """
        [DEFAULT]
        old_name = x

        [coordination]
        backend_url = redis://nova:Tr@nsP@ss@rmq:5672,nova:Tr@nsP@ss@rmq2/
        """,
    )
    diff = migrate.Migrator(fake_opts.catalog()).plan([path]).diff()
    assert 'rmq:5672' in diff and 'rmq2' in diff
    assert 'nsP' not in diff and 'ss@' not in diff
