"""Dynamic database credentials: OpenBao's database secrets engine against
a private PostgreSQL. ``[database] connection`` is built from a template
and a leased credential; the lease is renewed while the service runs and a
new credential is rotated in through reload before the lease's max TTL,
while a client keeps querying with zero failed queries."""

# Session fixtures are imported and then requested by name.
# ruff: noqa: F811

import logging
import threading
import time
import urllib.parse
import uuid

from oslo_extras.config import sources
from oslo_extras.config.reload import Reloader
from tests.functional.dynamic_db import _conf
from tests.functional.dynamic_db import _connect
from tests.functional.dynamic_db import _engine
from tests.functional.servers.openbao import openbao  # noqa: F401
from tests.functional.servers.postgres import postgres  # noqa: F401


def test_credentials_renewed_and_rotated_with_zero_failed_queries(
    tmp_path, openbao, postgres, caplog
):
    caplog.set_level(logging.DEBUG, 'oslo_extras.config.sources')
    role = 'nova-' + uuid.uuid4().hex[:6]
    _engine(openbao, postgres, role, default_ttl='3s', max_ttl='9s')
    conf = _conf(tmp_path, openbao, postgres, role)
    (source,) = sources.load(conf)
    first = conf.database.connection
    assert (
        first.startswith('postgresql://') and conf.database.max_pool_size == 3
    )

    reloader = Reloader(conf)
    reloader.enable_triggers(
        ['sources'], options={'sources': {'interval': 60}}
    )
    users, failures, queries = [], [], [0]
    stop = threading.Event()

    def query_forever():
        url, connection = None, None
        while not stop.is_set():
            try:
                current = conf.database.connection
                if current != url:
                    fresh = _connect(current)  # new credential first
                    if connection is not None:
                        connection.close()
                    url, connection = current, fresh
                    users.append(urllib.parse.urlsplit(url).username)
                cursor = connection.cursor()
                cursor.execute('SELECT 1')
                assert cursor.fetchone()[0] == 1
                queries[0] += 1
            except Exception as exc:
                failures.append(type(exc).__name__)
            time.sleep(0.02)
        if connection is not None:
            connection.close()

    client = threading.Thread(target=query_forever)
    client.start()
    try:
        time.sleep(14)  # > max TTL: renewals, then at least one rotation
    finally:
        stop.set()
        client.join(30)
        reloader.stop()
        source.close()

    assert failures == []
    assert queries[0] > 100
    assert len(set(users)) >= 2, users  # rotated in through reload
    assert conf.database.connection != first
    assert reloader.last_report.trigger == 'sources'
    # Renewed while the service ran (leases of 3 s, max 9 s), not only
    # replaced: the first credential was renewed before being rotated.
    log = caplog.text
    assert log.count('lease renewed') >= 2
    assert log.count('new credential from database/creds/') >= 2
    assert log.index('lease renewed') < log.index(
        'new credential from database/creds/', log.index('lease renewed')
    )
    for user in set(users):
        assert user not in log
