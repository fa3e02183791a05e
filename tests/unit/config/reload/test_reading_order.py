"""The checks read the files in the order oslo.config reads them.

oslo.config reads ``--config-file`` and ``--config-dir`` in command-line
order, and an existing default config dir (``/etc/nova/nova.conf.d``)
before every file given on the command line: the later file wins. A
validator that reads files before dirs judges ``$my_ip`` against the wrong
value, and refuses a reload the service reads fine.
"""

import pytest
from oslo_config import cfg

from oslo_extras.config.reload import Reloader
from tests.unit.config.reload.conftest import write

MAIN = '[DEFAULT]\nmy_ip = 10.0.0.1\nlisten = $my_ip\nworkers = 2\n'
# read before MAIN: MAIN's my_ip wins
DROPIN = '[DEFAULT]\nmy_ip = not-an-ip\nworkers = 4\n'


def _conf(tmp_path, layout):
    main = tmp_path / 'nova.conf'
    confd = tmp_path / 'nova.conf.d'
    confd.mkdir()
    write(main, MAIN)
    conf = cfg.ConfigOpts()
    conf.register_opts(
        [
            cfg.StrOpt('my_ip', mutable=True),
            cfg.IPOpt('listen', mutable=True),
            cfg.IntOpt('workers', mutable=True),
        ]
    )
    if layout == 'default dir':
        conf(
            ['--config-file', str(main)],
            default_config_files=[],
            default_config_dirs=[str(confd)],
        )
    else:
        conf(
            [f'--config-dir={confd}', '--config-file', str(main)],
            default_config_files=[],
        )
    return conf, main, confd


@pytest.mark.parametrize('layout', ['default dir', 'dir first'])
def test_a_drop_in_read_before_the_main_file_is_judged_as_read(
    tmp_path, layout
):
    conf, main, confd = _conf(tmp_path, layout)
    reloader = Reloader(conf)
    write(confd / '10-ip.conf', DROPIN)

    report = reloader.reload()

    assert report.errors == [] and report.applied, report.as_text()
    assert conf.listen == '10.0.0.1' and conf.workers == 2
    # and a bad value in the file read last is found, at its line
    write(main, MAIN.replace('10.0.0.1', '10.0.0.300'))
    report = reloader.reload()
    assert not report.applied and conf.my_ip == '10.0.0.1'
    assert any(
        e.startswith(f'{main}:3: [DEFAULT] listen') for e in report.errors
    )


def test_a_default_config_dir_deleted_is_refused_not_read_as_empty(tmp_path):
    # ``rm -rf /etc/nova/nova.conf.d`` before config management makes it
    # again: oslo.config would skip it and every value from it would fall
    # back to its default. The reload refuses it (fail closed).
    conf, main, confd = _conf(tmp_path, 'default dir')
    write(main, '[DEFAULT]\nmy_ip = 10.0.0.1\n')
    write(confd / '10-workers.conf', '[DEFAULT]\nworkers = 8\n')
    reloader = Reloader(conf)
    assert reloader.reload().applied and conf.workers == 8
    (confd / '10-workers.conf').unlink()
    confd.rmdir()

    report = reloader.reload()

    assert not report.applied and conf.workers == 8
    assert any(str(confd) in e for e in report.errors), report.errors


def test_a_default_config_dir_that_never_existed_is_no_error(tmp_path):
    conf = cfg.ConfigOpts()
    conf.register_opt(cfg.IntOpt('workers', mutable=True))
    main = tmp_path / 'svc.conf'
    write(main, '[DEFAULT]\nworkers = 2\n')
    conf(
        ['--config-file', str(main)],
        default_config_files=[],
        default_config_dirs=[str(tmp_path / 'absent.conf.d')],
    )
    reloader = Reloader(conf)
    write(main, '[DEFAULT]\nworkers = 3\n')

    report = reloader.reload()

    assert report.applied and conf.workers == 3, report.as_text()
