"""The shared source behaviour, with an in-memory backend."""

import logging

import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from oslo_config import cfg
from oslo_config import generator

from oslo_extras.config import sources
from oslo_extras.config.sources import _mapping
from oslo_extras.config.sources import base
from oslo_extras.config.sources._retry import RetryPolicy

SECRET = 'in-memory-S3cret'


class MemorySource(base.RefreshableSource):
    def __init__(self, data, **common):
        common.setdefault('name', 'mem')
        common.setdefault('driver', 'memory')
        common.setdefault('sensitive', [SECRET])
        super().__init__(**common)
        self.data = data
        self.down = False
        self.reads = 0

    def fetch(self):
        self.reads += 1
        if self.down:
            raise base.BackendUnavailable(f'connection refused ({SECRET})')
        result = base.FetchResult()
        for key, value in self.data.items():
            if not isinstance(key, tuple):
                continue
            result.values[key] = value
            result.locations[key] = '/'.join(key)
        for key, path in self.mapping.items():
            result.locations[key] = path
            if path in self.data:
                result.values[key] = self.data[path]
            else:
                result.errors[key] = f'{path} not found'
        return result


def _conf(source, opts=None):
    conf = cfg.ConfigOpts()
    conf.register_opts(
        opts
        or [
            cfg.StrOpt('password', secret=True),
            cfg.IntOpt('port', default=1),
            cfg.StrOpt(
                'user',
                deprecated_opts=[cfg.DeprecatedOpt('username', 'old')],
            ),
            cfg.ListOpt('hosts', default=[]),
        ],
        group='db',
    )
    conf([])
    source._conf_ref = lambda: conf
    conf._sources.append(source)
    return conf


def test_get_serves_typed_values_and_deprecated_names():
    source = MemorySource(
        {
            ('db', 'port'): '99',
            ('old', 'username'): 'bob',
            ('db', 'hosts'): ['a', 'b'],
        }
    )
    source.load()
    conf = _conf(source)

    assert conf.db.port == 99
    assert conf.db.user == 'bob'
    assert conf.db.hosts == ['a', 'b']
    assert conf.get_location('user', 'db').detail == 'memory:old/username'
    assert sources.find_sources(conf) == [source]


def test_refresh_report_and_conf_sees_new_values():
    data = {('db', 'password'): SECRET, ('db', 'port'): '1'}
    source = MemorySource(data)
    source.load()
    conf = _conf(source)
    assert conf.db.password == SECRET

    data[('db', 'password')] = 'new'
    data[('db', 'user')] = 'added'
    report = source.refresh()

    assert report.ok
    assert report.changed == [('db', 'password'), ('db', 'user')]
    assert (conf.db.password, conf.db.user, conf.db.port) == (
        'new',
        'added',
        1,
    )


def test_a_value_that_disappears_is_a_failure_kept_at_last_good():
    data = {('db', 'password'): SECRET, ('db', 'port'): '7'}
    source = MemorySource(data)
    source.load()
    conf = _conf(source)
    assert conf.db.password == SECRET

    del data[('db', 'password')]
    report = source.refresh()

    assert not report.ok
    assert [(g, o) for g, o, _ in report.failed] == [('db', 'password')]
    assert 'no longer in the backend' in report.failed[0][2]
    assert report.missing == [('db', 'password')]
    assert report.changed == []
    assert conf.db.password == SECRET


def test_an_unreadable_value_is_failed_but_not_missing():
    class Unreadable(MemorySource):
        def fetch(self):
            result = super().fetch()
            if self.reads > 1:
                result.values.pop(('db', 'password'))
                result.errors[('db', 'password')] = 'permission denied'
            return result

    source = Unreadable({('db', 'password'): SECRET, ('db', 'port'): '1'})
    source.load()
    report = source.refresh()
    assert report.failed == [('db', 'password', 'permission denied')]
    assert report.missing == []


def test_a_backend_that_empties_keeps_every_value():
    data = {('db', 'password'): SECRET}
    source = MemorySource(data)
    source.load()
    data.clear()
    report = source.refresh()
    assert [(g, o) for g, o, _ in report.failed] == [('db', 'password')]
    assert source.get('db', 'password', cfg.StrOpt('password'))[0] == SECRET


def test_a_source_that_finds_nothing_fails_closed_at_load():
    source = MemorySource({}, name='typo')
    source.scope = 'secret/novaa'
    source.load()
    with pytest.raises(
        base.SourceError, match='found nothing to serve under secret/novaa'
    ):
        source.check()
    conf = _conf(source)
    with pytest.raises(base.SourceError, match=r'\[db\] password'):
        _ = conf.db.password
    report = source.refresh()
    assert report.failed == [
        (
            'typo',
            '',
            'found nothing to serve under secret/novaa '
            '(check the path or prefix)',
        )
    ]


def test_a_missing_group_fails_its_options_closed():
    class GroupSource(MemorySource):
        def fetch(self):
            result = super().fetch()
            result.errors[('db', base.WHOLE_GROUP)] = 'secret db not found'
            return result

    source = GroupSource({('other', 'x'): '1'})
    source.load()
    with pytest.raises(base.SourceError, match='secret db not found'):
        source.check()
    conf = _conf(source)
    with pytest.raises(base.SourceError, match=r'\[db\] port'):
        _ = conf.db.port


def test_failed_refresh_keeps_last_good_and_scrubs(caplog):
    source = MemorySource({('db', 'password'): SECRET})
    source.load()
    conf = _conf(source)
    source.down = True

    report = source.refresh()

    assert not report.ok
    assert report.failed == [('db', 'password', 'connection refused (****)')]
    assert conf.db.password == SECRET
    assert SECRET not in caplog.text


def test_failed_refresh_of_a_never_loaded_source_names_the_source():
    source = MemorySource({})
    source.down = True
    source.load()
    report = source.refresh()
    assert report.failed[0][:2] == ('mem', '')


def test_one_missing_secret_during_refresh_keeps_its_last_value():
    data = {'p': SECRET}
    source = MemorySource({}, mapping={('db', 'password'): 'p'})
    source.data = data
    source.load()
    conf = _conf(source)
    del data['p']

    report = source.refresh()

    assert report.failed == [('db', 'password', 'p not found')]
    assert report.changed == []
    assert conf.db.password == SECRET


@pytest.mark.parametrize('on_error', ['fail', 'cached'])
def test_backend_down_at_start_fails_closed(on_error):
    source = MemorySource({}, on_error=on_error)
    source.down = True
    source.load()
    conf = _conf(source)

    with pytest.raises(sources.SourceError) as err:
        source.check()
    assert 'connection refused (****)' in str(err.value)
    with pytest.raises(sources.SourceError):
        _ = conf.db.password  # secret: may not fall back
    assert conf.db.port == 1  # not secret, not mapped: default


def test_warn_lets_options_default(caplog):
    source = MemorySource({}, on_error='warn', mapping={('db', 'port'): 'x'})
    source.down = True
    source.load()
    conf = _conf(source)

    source.check()
    assert conf.db.password is None
    assert conf.db.port == 1
    assert 'fall back to their defaults' in caplog.text


def test_bad_value_error_never_contains_the_value():
    source = MemorySource({('db', 'port'): SECRET})
    source.load()
    conf = _conf(source)

    with pytest.raises(sources.SourceError) as err:
        _ = conf.db.port
    assert '[db] port' in str(err.value)
    assert 'memory:db/port' in str(err.value)
    assert SECRET not in str(err.value)


def test_ttl_expiry_rereads_and_fail_mode_raises_when_down(monkeypatch):
    clock = [100.0]
    monkeypatch.setattr(base.time, 'monotonic', lambda: clock[0])
    data = {('db', 'password'): SECRET}
    source = MemorySource(data, cache_ttl=10)
    source.load()
    conf = _conf(source)
    assert conf.db.password == SECRET

    data[('db', 'password')] = 'v2'
    clock[0] += 11
    sources.find_sources(conf)  # no side effect
    value, _ = source.get('db', 'password', cfg.StrOpt('password'))
    assert value == 'v2'
    assert source.reads == 2

    source.down = True
    clock[0] += 11
    with pytest.raises(sources.SourceError) as err:
        source.get('db', 'password', cfg.StrOpt('password'))
    assert 'cached value expired and could not be re-read' in str(err.value)
    assert SECRET not in str(err.value)
    assert source.reads == 3
    # Options the source does not serve are not affected, and the backend
    # is not asked again on every read.
    assert conf.db.port == 1
    source.get('db', 'port', cfg.IntOpt('port'))
    assert source.reads == 3
    # Back up: the next attempt (a second later) clears the stale mark.
    source.down = False
    clock[0] += 1.5
    value, _ = source.get('db', 'password', cfg.StrOpt('password'))
    assert value == 'v2'


def test_ttl_expiry_in_cached_mode_serves_last_good(monkeypatch):
    clock = [100.0]
    monkeypatch.setattr(base.time, 'monotonic', lambda: clock[0])
    source = MemorySource(
        {('db', 'password'): SECRET}, on_error='cached', cache_ttl=5
    )
    source.load()
    source.down = True
    clock[0] += 6
    value, _ = source.get('db', 'password', cfg.StrOpt('password'))
    assert value == SECRET


def test_fetch_result_ttl_is_honoured(monkeypatch):
    clock = [0.0]
    monkeypatch.setattr(base.time, 'monotonic', lambda: clock[0])
    source = MemorySource({('db', 'port'): '1'})
    original = source.fetch

    def with_lease():
        result = original()
        result.ttl = 3
        return result

    source.fetch = with_lease
    source.load()
    assert source.refresh_due_in() == 3
    clock[0] = 4
    assert source.refresh_due_in() == 0
    source.get('db', 'port', cfg.IntOpt('port'))
    assert source.reads == 2


def test_dollar_signs_survive_substitution():
    source = MemorySource({('db', 'password'): 'a$b${c}$$'})
    source.load()
    assert _conf(source).db.password == 'a$b${c}$$'


def test_retry_policy_backs_off_on_transient_errors(monkeypatch):
    sleeps = []
    monkeypatch.setattr('time.sleep', sleeps.append)
    calls = []

    def flaky():
        calls.append(1)
        if len(calls) < 3:
            raise ConnectionError('down')
        return 'ok'

    policy = RetryPolicy(retries=3, backoff=0.1)
    assert policy.call(flaky, lambda e: isinstance(e, ConnectionError)) == (
        'ok'
    )
    assert sleeps == [0.1, 0.2]

    with pytest.raises(KeyError):
        policy.call(lambda: {}['x'], lambda e: False)
    with pytest.raises(ConnectionError):
        RetryPolicy(retries=1, backoff=0).call(
            lambda: (_ for _ in ()).throw(ConnectionError()),
            lambda e: True,
        )


def test_mapping_inline_and_file(tmp_path):
    assert _mapping.parse_inline(
        {'Database.conn-ection': 'a/b#c', 'default.debug': 'x'}, 'src'
    ) == {('database', 'conn_ection'): 'a/b#c', ('DEFAULT', 'debug'): 'x'}
    with pytest.raises(_mapping.MappingError, match=r'\[src\] mapping'):
        _mapping.parse_inline({'nogroup': 'x'}, 'src')
    path = tmp_path / 'map.conf'
    path.write_text('[database]\npassword = 1234-abcd\n')
    assert _mapping.parse_file(str(path)) == {
        ('database', 'password'): '1234-abcd'
    }
    with pytest.raises(_mapping.MappingError, match='map.conf'):
        path.write_text('[database\nbroken')
        _mapping.parse_file(str(path))
    assert _mapping.split_field('/a/b#f', 'opt') == ('a/b', 'f')
    assert _mapping.split_field('a/b', 'opt') == ('a/b', 'opt')


def test_load_names_a_source_oslo_config_could_not_open(tmp_path, caplog):
    caplog.set_level(logging.ERROR)
    conf = cfg.ConfigOpts()
    path = tmp_path / 'svc.conf'
    path.write_text(
        '[DEFAULT]\nconfig_source = v\n[v]\ndriver = vault\n'
        'auth_method = approle\n'
    )
    conf(['--config-file', str(path)])

    with pytest.raises(sources.SourceError) as err:
        sources.load(conf)
    assert 'the vault driver could not open this source' in str(err.value)
    assert 'needs role_id' in caplog.text


def test_drivers_advertise_their_options_to_the_sample_generator(
    tmp_path, capsys
):
    out = tmp_path / 'sample.conf'
    conf = cfg.ConfigOpts()
    generator.register_cli_opts(conf)
    conf(['--namespace', 'oslo.config', '--output-file', str(out)])
    generator.generate(conf)
    text = out.read_text()
    for group, option in [
        ('sample_vault_source', 'path_prefix'),
        ('sample_vault_source', 'on_error'),
        ('sample_secrets_dir_source', 'max_mode'),
        ('sample_etcd_source', 'prefix'),
        ('sample_key_manager_source', 'max_workers'),
    ]:
        section = text.split(f'[{group}]', 1)[1].split('\n[', 1)[0]
        assert f'#{option} =' in section, (group, option)


@settings(max_examples=100, deadline=None)
@given(st.text())
def test_literal_round_trips_through_substitution(text):
    source = MemorySource({('db', 'password'): text})
    source.load()
    conf = _conf(source)
    assert conf.db.password == text


ROUND_TRIP = [
    'Pw..\\$Tail',
    'Pw..\\$workers',
    'a$b${c}$$',
    '\\',
    'x\\\\$y',
    '$',
    '\\$$\\',
    '100%',
    '%(foo)s',
    '"quoted"',
    "'single'",
    'ünïcødé ☃',
    'line1\nline2\n',
    '$db.port',
]


def _round_trip_conf(source):
    conf = cfg.ConfigOpts()
    conf.register_opts(
        [
            cfg.StrOpt('password', secret=True),
            cfg.DictOpt('extra', default={}),
            cfg.ListOpt('hosts', default=[]),
            cfg.IntOpt('workers', default=4),
            cfg.IntOpt('port', default=5),
        ],
        group='db',
    )
    conf([])
    source._conf_ref = lambda: conf
    conf._sources.append(source)
    return conf


@pytest.mark.parametrize('text', ROUND_TRIP)
def test_a_string_comes_out_byte_for_byte(text):
    source = MemorySource({('db', 'password'): text})
    source.load()
    assert _round_trip_conf(source).db.password == text


@pytest.mark.parametrize('text', ROUND_TRIP)
def test_dict_values_come_out_byte_for_byte(text):
    source = MemorySource({('db', 'extra'): {'k$': text, 'plain': 'v'}})
    source.load()
    assert _round_trip_conf(source).db.extra == {'k$': text, 'plain': 'v'}


def test_a_dict_given_as_text_is_parsed_and_kept_literal():
    source = MemorySource({('db', 'extra'): 'a:x\\$y,b:$port'})
    source.load()
    assert _round_trip_conf(source).db.extra == {'a': 'x\\$y', 'b': '$port'}


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from('$\\{}ab_.%"\'\n é')))
def test_any_text_of_special_characters_round_trips(text):
    source = MemorySource(
        {('db', 'password'): text, ('db', 'hosts'): [text, 'x']}
    )
    source.load()
    conf = _round_trip_conf(source)
    assert conf.db.password == text
    assert conf.db.hosts == [text, 'x']


def test_load_converts_every_value_and_names_group_and_option():
    source = MemorySource({('db', 'port'): 'not-a-number-S3cret'})
    source.load()
    conf = _round_trip_conf(source)
    with pytest.raises(base.SourceError) as info:
        sources.load(conf)
    message = str(info.value)
    assert '[db] port' in message
    assert 'Integer' in message
    assert 'not-a-number-S3cret' not in message
    assert 'S3cret' not in repr(info.value)


def test_load_converts_values_found_under_a_deprecated_name():
    source = MemorySource({('old', 'port'): 'x1'})
    source.load()
    conf = cfg.ConfigOpts()
    conf.register_opt(
        cfg.IntOpt('port', deprecated_opts=[cfg.DeprecatedOpt('port', 'old')]),
        group='db',
    )
    conf([])
    conf._sources.append(source)
    with pytest.raises(base.SourceError, match=r'\[db\] port'):
        sources.load(conf)


def test_load_accepts_good_values():
    source = MemorySource({('db', 'port'): '99', ('db', 'extra'): 'a:1'})
    source.load()
    conf = _round_trip_conf(source)
    assert sources.load(conf) == [source]
    assert conf.db.port == 99


def test_a_bad_value_at_refresh_is_a_failure_kept_at_last_good():
    """Load converts every value; so does refresh: a rotated value that
    does not convert never reaches readers (nor a TTL re-read)."""
    data = {('db', 'password'): SECRET, ('db', 'port'): '7'}
    source = MemorySource(data)
    source.load()
    conf = _conf(source)
    assert conf.db.port == 7

    bad = 'not-a-port-' + SECRET
    data[('db', 'port')] = bad
    data[('db', 'hosts')] = ['a']
    report = source.refresh()

    assert not report.ok
    assert [(g, o) for g, o, _ in report.failed] == [('db', 'port')]
    assert 'not a valid Integer' in report.failed[0][2]
    assert bad not in repr(report)
    # The backend answered with nothing usable: a reload refuses on it.
    assert report.missing == [('db', 'port')]
    assert report.changed == [('db', 'hosts')]
    assert conf.db.port == 7
    assert conf.db.hosts == ['a']


def test_a_bad_new_value_at_refresh_is_not_served():
    data = {('db', 'password'): SECRET}
    source = MemorySource(data)
    source.load()
    conf = _conf(source)
    data[('db', 'port')] = 'nope-' + SECRET
    report = source.refresh()
    assert [(g, o) for g, o, _ in report.failed] == [('db', 'port')]
    assert conf.db.port == 1


def test_a_dict_served_as_a_mapping_is_converted_with_its_value_type():
    """oslo.config's Dict type returns a dict as it is: a JSON object from
    Vault must still get its values converted (and refused when bad)."""
    opt = cfg.Opt('limits', type=cfg.types.Dict(cfg.types.Integer()))
    source = MemorySource({('db', 'limits'): {'a': '5', 'b': 7}})
    source.load()
    conf = _conf(source, [opt])
    source.check_types([('db', opt)])
    assert conf.db.limits == {'a': 5, 'b': 7}

    value = 'five-dict-S3cret'
    bad = MemorySource({('db', 'limits'): {'a': value}}, sensitive=[])
    bad.load()
    with pytest.raises(sources.SourceError, match=r'\[db\] limits') as info:
        bad.check_types([('db', opt)])
    assert value not in str(info.value)


def test_a_bad_dict_value_at_refresh_is_refused_and_never_shown():
    opt = cfg.Opt('limits', type=cfg.types.Dict(cfg.types.Integer()))
    data = {('db', 'limits'): {'a': '1'}}
    source = MemorySource(data, sensitive=[])
    source.load()
    conf = _conf(source, [opt])
    value = 'not-int-dict-S3cret'
    data[('db', 'limits')] = {'a': value}
    report = source.refresh()
    assert [f[:2] for f in report.failed] == [('db', 'limits')]
    assert value not in repr(report)
    assert conf.db.limits == {'a': 1}
