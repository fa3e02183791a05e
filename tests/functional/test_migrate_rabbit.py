"""A pre-Ocata rabbit config, migrated, still reaches a real RabbitMQ.

The broker gets a user whose password and a virtual host whose name need URL
quoting. The old ``[oslo_messaging_rabbit] rabbit_*`` options are migrated
by ``oslo-config-migrate --in-place`` and the current oslo.messaging, reading
only the migrated file, makes an RPC call through that vhost as that user.
"""

from __future__ import annotations

import textwrap
import uuid

import oslo_messaging
from oslo_config import cfg
from oslo_messaging import conffixture
from oslo_messaging import opts as messaging_opts

from oslo_extras.cmd import config_migrate
from tests.functional.servers.rabbitmq import rabbitmq  # noqa: F401

USER = 'nova svc'
PASSWORD = 'p@ss:w%rd#?'
VHOST = 'svc/prod'


class Echo:
    def echo(self, ctxt, text):
        return text


def test_migrated_rabbit_options_connect_to_the_broker(
    rabbitmq,  # noqa: F811
    tmp_path,
    capsys,
):
    rabbitmq.ctl('add_vhost', VHOST)
    rabbitmq.ctl('add_user', USER, PASSWORD)
    rabbitmq.ctl('set_permissions', '-p', VHOST, USER, '.*', '.*', '.*')
    path = tmp_path / 'nova.conf'
    path.write_text(
        textwrap.dedent(f"""\
        [DEFAULT]
        rpc_backend = rabbit

        [oslo_messaging_rabbit]
        rabbit_host = 127.0.0.1
        rabbit_port = {rabbitmq.port}
        rabbit_userid = {USER}
        rabbit_password = {PASSWORD}
        rabbit_virtual_host = {VHOST}
        rabbit_retry_interval = 1
    """)
    )

    code = config_migrate.main(
        [
            '--namespace',
            'oslo.messaging',
            '--in-place',
            '--config-file',
            str(path),
        ]
    )
    output = capsys.readouterr()
    assert code == 0, output.err
    assert PASSWORD not in output.out + output.err
    assert 'rabbit_host' not in path.read_text()

    conf = cfg.ConfigOpts()
    for group, opts in messaging_opts.list_opts():
        conf.register_opts(opts, group=group)
    # list_opts() misses the tracing group the RPC client reads.
    fixture = conffixture.ConfFixture(conf)
    fixture.setUp()
    conf(
        ['--config-file', str(path)],
        project='migrate-functional',
        default_config_files=[],
    )
    transport = oslo_messaging.get_rpc_transport(conf)
    target = oslo_messaging.Target(
        topic='migrate-' + uuid.uuid4().hex[:8], server='s1'
    )
    server = oslo_messaging.get_rpc_server(
        transport, target, [Echo()], executor='threading'
    )
    # start() returns once its queues are declared: a call sent before
    # that (server.start on a thread) went to no queue and timed out.
    server.start()
    try:
        client = oslo_messaging.get_rpc_client(transport, target, timeout=20)
        assert client.call({}, 'echo', text='hello') == 'hello'
        # the call really went through the migrated vhost
        vhosts = rabbitmq.ctl('list_connections', 'user', 'vhost')
        assert f'{USER}\t{VHOST}' in vhosts
    finally:
        server.stop()
        server.wait()
        transport.cleanup()
        fixture.cleanUp()
