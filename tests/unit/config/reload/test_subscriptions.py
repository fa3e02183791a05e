import pytest

from oslo_extras.config.reload import APPLIED
from tests.unit.config.reload.conftest import BASE
from tests.unit.config.reload.conftest import write

CHANGED = (
    BASE.replace('debug = false', 'debug = true')
    .replace('pool = 5', 'pool = 9')
    .replace('s3cret-old', 's3cret-new')
)


def test_callbacks_run_in_a_fixed_order_after_values_are_visible(
    conf, conf_file, reloader
):
    calls = []

    def record(tag):
        def callback(change):
            # The new value is already visible when we are called.
            seen = getattr(
                conf if change.group == 'DEFAULT' else conf[change.group],
                change.option,
            )
            calls.append((tag, change.group, change.option, seen))

        return callback

    reloader.subscribe_group('db', record('db-group'))
    reloader.subscribe('db', 'pool', record('pool-1'))
    reloader.subscribe('DEFAULT', 'debug', record('debug'))
    reloader.subscribe('db', 'pool', record('pool-2'))
    write(conf_file, CHANGED)

    report = reloader.reload()

    assert report.ok
    assert calls == [
        ('debug', 'DEFAULT', 'debug', True),
        ('db-group', 'db', 'password', 's3cret-new'),
        ('pool-1', 'db', 'pool', 9),
        ('pool-2', 'db', 'pool', 9),
        ('db-group', 'db', 'pool', 9),
    ]


def test_failing_callback_is_reported_and_others_still_run(
    conf, conf_file, reloader
):
    calls = []

    def boom(change):
        raise RuntimeError('cannot reconnect with s3cret-new')

    reloader.subscribe('db', 'password', boom)
    reloader.subscribe('db', 'password', lambda c: calls.append(c.option))
    reloader.subscribe('db', 'pool', lambda c: calls.append(c.option))
    write(conf_file, CHANGED)

    report = reloader.reload()

    assert report.applied and not report.ok
    assert calls == ['password', 'pool']
    assert conf.db.password == 's3cret-new'
    [error] = report.callback_errors
    assert (error.group, error.option) == ('db', 'password')
    assert 'boom' in error.callback
    assert 's3cret' not in error.error and 'RuntimeError' in error.error


def test_callbacks_get_masked_values_for_secrets(conf, conf_file, reloader):
    got = []
    reloader.subscribe('db', 'password', got.append)
    write(conf_file, CHANGED)

    reloader.reload()

    [change] = got
    assert change.status == APPLIED
    assert 's3cret' not in repr(change)


def test_cancelled_subscription_is_not_called(conf, conf_file, reloader):
    calls = []
    sub = reloader.subscribe('DEFAULT', 'debug', calls.append)
    sub.cancel()
    write(conf_file, CHANGED)

    reloader.reload()

    assert calls == []


def test_unchanged_reload_calls_nobody(conf, conf_file, reloader):
    calls = []
    reloader.subscribe_group('DEFAULT', calls.append)

    reloader.reload()

    assert calls == []


def test_oslo_mutate_hooks_still_work_and_fail_in_isolation(
    conf, conf_file, reloader
):
    calls = []

    def a_hook(cfg_obj, fresh):
        calls.append(('a', dict(fresh)))

    def b_hook(cfg_obj, fresh):
        raise ValueError('hook broke')

    def c_hook(cfg_obj, fresh):
        calls.append(('c', cfg_obj is conf))

    for hook in (c_hook, b_hook, a_hook):
        conf.register_mutate_hook(hook)
    write(conf_file, BASE.replace('debug = false', 'debug = true'))

    report = reloader.reload()

    assert calls == [('a', {(None, 'debug'): (False, True)}), ('c', True)]
    assert [e.callback.rsplit('.', 1)[-1] for e in report.callback_errors] == [
        'b_hook'
    ]


def test_callback_not_callable_is_refused(reloader):
    with pytest.raises(TypeError, match='not callable'):
        reloader.subscribe('DEFAULT', 'debug', 'nope')


def test_reload_inside_a_callback_keeps_the_order(conf, conf_file, reloader):
    # The first subscriber reloads (the file changed again meanwhile);
    # every subscriber must end on the newest value, in order.
    seen = []

    def first(change):
        seen.append(('first', change.old, change.new))
        if change.new == 9:
            write(conf_file, BASE.replace('pool = 5', 'pool = 10'))
            inner = reloader.reload(trigger='nested')
            assert inner.applied and conf.db.pool == 10

    reloader.subscribe('db', 'pool', first)
    reloader.subscribe(
        'db', 'pool', lambda c: seen.append(('second', c.old, c.new))
    )
    write(conf_file, BASE.replace('pool = 5', 'pool = 9'))

    report = reloader.reload()

    assert report.applied and conf.db.pool == 10
    assert seen == [
        ('first', 5, 9),
        ('second', 5, 9),
        ('first', 9, 10),
        ('second', 9, 10),
    ]
    # The newest report is the last one listeners see.
    assert reloader.last_report.trigger == 'nested'
    assert reloader.generation == 2
