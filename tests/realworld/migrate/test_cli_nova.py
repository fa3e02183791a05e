"""oslo-config-migrate on nova from PyPI, through the command line.

Run as a subprocess: nova's options must not share a process with another
service's (see _check).
"""

import json
import os
import subprocess
import sys

ROOT = os.path.dirname(
    os.path.dirname(
        os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    )
)
NOVA = ['--namespace', 'nova.conf', '--namespace', 'oslo.db']


def migrate(*args):
    proc = subprocess.run(
        [sys.executable, '-m', 'oslo_extras.cmd.config_migrate', *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return proc.returncode, proc.stdout, proc.stderr


def test_live_option_deprecated_for_removal_is_never_removed(tmp_path):
    path = tmp_path / 'nova.conf'
    text = '[glance]\napi_servers = http://glance:9292\n'
    path.write_text(text)
    code, out, _err = migrate(
        *NOVA,
        '--remove-obsolete',
        '--in-place',
        '--state-dir',
        str(tmp_path / 'state'),
        '--format',
        'json',
        '--config-file',
        str(path),
    )
    assert code == 0
    assert path.read_text() == text
    (change,) = json.loads(out)['changes']
    assert change['kind'] == 'obsolete'
    assert 'still reads it; kept' in change['message']


def test_names_only_past_releases_knew(tmp_path):
    path = tmp_path / 'nova.conf'
    path.write_text(
        '[DEFAULT]\n'
        'sql_connection = mysql+pymysql://nova:DB_PASSWORD@db/nova\n'
        'vncserver_listen = 0.0.0.0\n'
        '\n[database]\nidle_timeout = 1800\n'
    )
    code, out, _err = migrate(
        *NOVA, '--format', 'json', '--config-file', str(path)
    )
    assert code == 0
    data = json.loads(out)
    moved = {
        (c['old_group'], c['old_name']): (c['new_group'], c['new_name'])
        for c in data['changes']
        if c['plugin'] == 'release-catalog'
    }
    assert moved == {
        ('DEFAULT', 'sql_connection'): ('database', 'connection'),
        ('DEFAULT', 'vncserver_listen'): ('vnc', 'server_listen'),
        ('database', 'idle_timeout'): ('database', 'connection_recycle_time'),
    }
    assert 'DB_PASSWORD' not in out


def test_remove_obsolete_keeps_what_an_installed_library_still_reads(
    tmp_path,
):
    # nova dropped its own [DEFAULT] log_options in train, so the release
    # catalog records a removal; but oslo.service (which every nova service
    # runs on) declares and reads it. With the README's namespaces (no
    # oslo.service.service) --remove-obsolete deleted ``log_options =
    # false``, and nova would log every option at startup again.
    path = tmp_path / 'nova.conf'
    text = '[DEFAULT]\nlog_options = false\nlog_dir = /var/log/nova\n'
    path.write_text(text)
    code, out, err = migrate(
        '--namespace',
        'nova.conf',
        '--namespace',
        'oslo.messaging',
        '--namespace',
        'oslo.log',
        '--namespace',
        'keystonemiddleware.auth_token',
        '--remove-obsolete',
        '--in-place',
        '--state-dir',
        str(tmp_path / 'state'),
        '--format',
        'json',
        '--config-file',
        str(path),
    )
    assert code == 0, err
    assert path.read_text() == text
    (change,) = json.loads(out)['changes']
    assert change['kind'] == 'removed'
    assert 'oslo.service.service' in change['message']
