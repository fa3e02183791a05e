"""``$var`` substitutions that loop: oslo.config recurses without end.

``host = ${host}x`` or ``url = $password`` with ``password = p$url``:
reading either value fails in the service. A reload must refuse such an
edit with an error naming the file and line (the validator's finding), and
no text may quote a secret met on the way around the loop.
"""

from oslo_config import cfg

from oslo_extras.config.catalog import OptionCatalog
from oslo_extras.config.reload import Reloader
from oslo_extras.config.validate import Validator
from tests.unit.config.reload.conftest import write


def _conf(path, text):
    write(path, text)
    conf = cfg.ConfigOpts()
    conf.register_opts(
        [
            cfg.StrOpt('url', default='x', mutable=True),
            cfg.StrOpt('host', default='h', mutable=True),
        ]
    )
    conf.register_opt(
        cfg.StrOpt('password', secret=True, mutable=True), group='db'
    )
    conf(['--config-file', str(path)], default_config_files=[])
    return conf


def _findings(conf, path):
    return Validator(OptionCatalog.from_conf(conf)).validate([str(path)])


def test_a_loop_through_a_secret_never_quotes_it(tmp_path):
    path = tmp_path / 'svc.conf'
    conf = _conf(path, '[DEFAULT]\nhost = a\n')
    write(path, '[DEFAULT]\nurl = ${db.password}\n[db]\npassword = hun$url\n')

    found = _findings(conf, path)

    assert not any('hun' in f.as_text() for f in found), found
    assert [(f.severity, f.line, f.option) for f in found] == [
        ('error', 2, 'url'),
        ('error', 4, 'password'),
    ]


def test_a_loop_is_an_error_naming_the_option_it_comes_back_to(tmp_path):
    path = tmp_path / 'svc.conf'
    conf = _conf(path, '[DEFAULT]\nhost = ${host}x\nurl = $host\n')

    found = _findings(conf, path)

    assert [(f.severity, f.line, f.option) for f in found] == [
        ('error', 2, 'host'),
        ('error', 3, 'url'),
    ]
    assert all('$host refers back' in f.message for f in found), found


def test_a_reload_refusing_a_loop_names_file_and_line(tmp_path):
    path = tmp_path / 'svc.conf'
    conf = _conf(path, '[db]\npassword = OLD-s3cret\n')
    reloader = Reloader(conf)
    write(path, '[DEFAULT]\nhost = b\n[db]\npassword = ${password}x\n')

    report = reloader.reload()

    assert not report.applied and conf.host == 'h'
    assert conf.db.password == 'OLD-s3cret'
    [error] = report.errors
    assert error.startswith(f'{path}:4: [db] password: '), error


def test_a_reference_to_no_option_is_refused_naming_file_and_line(tmp_path):
    # The validator only warns ($nope may be an option its catalog lacks);
    # the typed read fails: the refusal still says where the value is.
    path = tmp_path / 'svc.conf'
    conf = _conf(path, '[DEFAULT]\nhost = a\n')
    reloader = Reloader(conf)
    write(path, '[DEFAULT]\nhost = b\n\nurl = http://$nope/\n')

    report = reloader.reload()

    assert not report.applied and conf.host == 'a'
    [error] = report.errors
    assert error.startswith(f'{path}:4: [DEFAULT] url: '), error


def test_a_dollar_inside_a_substituted_password_is_never_quoted(tmp_path):
    # ``Pa$sw0rdX`` is read as a reference to $sw0rdX: oslo.config fails
    # on it, and on the plain option that substitutes the password.
    path = tmp_path / 'svc.conf'
    conf = _conf(path, '[DEFAULT]\nhost = a\n')
    reloader = Reloader(conf)
    write(
        path,
        '[DEFAULT]\nurl = mysql://nova:${db.password}@db\n'
        '[db]\npassword = Pa$sw0rdX\n',
    )

    found = _findings(conf, path)
    report = reloader.reload()

    assert [(f.line, f.option) for f in found] == [(2, 'url'), (4, 'password')]
    assert not any('sw0rd' in f.as_text() for f in found), found
    assert not report.applied and 'sw0rd' not in report.as_text()


def test_a_default_group_reference_inside_a_substituted_password(tmp_path):
    path = tmp_path / 'svc.conf'
    conf = _conf(path, '[DEFAULT]\nhost = a\n')
    secret = 'x${DEFAULT.host}Q7'
    write(
        path, f'[DEFAULT]\nurl = ${{db.password}}\n[db]\npassword = {secret}\n'
    )

    found = _findings(conf, path)

    assert [(f.severity, f.option) for f in found] == [
        ('error', 'url'),
        ('error', 'password'),
    ]
    assert not any('host' in f.as_text() for f in found), found
