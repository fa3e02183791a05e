"""Barbican (PyPI ``barbican``) behind Keystone, on sqlite, with wsgiref.

Barbican's plugins read their config from the default search path, so the
file goes to ``$HOME/.barbican/barbican.conf`` and the server starts with
that HOME. The paste pipeline is request id, keystonemiddleware auth_token,
context, microversion and the API app; a tiny filter sets
``req.request_id``, which Barbican 23's context middleware reads but
nothing sets.
"""

# Session fixtures are imported and then requested by name.
# ruff: noqa: F811

from __future__ import annotations

import base64
import os
import sys
import tempfile

import pytest
import requests

from tests.functional.servers._process import Server
from tests.functional.servers._process import ServerProcess
from tests.functional.servers._process import free_port
from tests.functional.servers._process import running
from tests.functional.servers.keystone import keystone  # noqa: F401

_PASTE = """
[composite:main]
use = egg:Paste#urlmap
/: barbican_version
/v1: barbican_api

[pipeline:barbican_version]
pipeline = request_id microversion versionapp

[pipeline:barbican_api]
pipeline = request_id set_request_id authtoken context microversion apiapp

[app:apiapp]
paste.app_factory = barbican.api.app:create_main_app

[app:versionapp]
paste.app_factory = barbican.api.app:create_version_app

[filter:context]
paste.filter_factory = barbican.api.middleware.context:ContextMiddleware.factory

[filter:microversion]
paste.filter_factory = barbican.api.middleware.microversion:MicroversionMiddleware.factory

[filter:authtoken]
paste.filter_factory = keystonemiddleware.auth_token:filter_factory

[filter:request_id]
paste.filter_factory = oslo_middleware.request_id:RequestId.factory

[filter:set_request_id]
paste.filter_factory = tests.functional.servers.barbican:request_id_filter
"""  # noqa: E501

_SERVE = """
import sys
from wsgiref import simple_server
sys.argv = [sys.argv[0]]
from barbican.api import app as barbican_app
from paste import deploy

application = deploy.loadapp('config:PASTE')

class Handler(simple_server.WSGIRequestHandler):
    def log_message(self, *args):
        pass

simple_server.make_server(
    '127.0.0.1', int(PORT), application, handler_class=Handler
).serve_forever()
"""


def request_id_filter(global_conf, **local_conf):
    """Paste filter: copy oslo.middleware's request id onto the request."""

    def factory(app):
        def middleware(environ, start_response):
            import webob

            req = webob.Request(environ)
            req.request_id = environ.get('openstack.request_id')
            return app(environ, start_response)

        return middleware

    return factory


class Barbican(Server):
    """A running Barbican: ``url`` (root), with Keystone ``keystone``."""

    def __init__(self, keystone_server) -> None:
        self.keystone = keystone_server
        self.dir = tempfile.mkdtemp(prefix='oslo-extras-barbican-')
        self.port = free_port()
        self.url = f'http://127.0.0.1:{self.port}'
        os.makedirs(os.path.join(self.dir, '.barbican'))
        kek = base64.b64encode(os.urandom(32)).decode()
        ks_root = keystone_server.url.rsplit('/v3', 1)[0]
        with open(
            os.path.join(self.dir, '.barbican', 'barbican.conf'), 'w'
        ) as stream:
            stream.write(
                f'[DEFAULT]\nhost_href = {self.url}\n'
                f'sql_connection = sqlite:///{self.dir}/barbican.db\n'
                'db_auto_create = True\n'
                '[secretstore]\nenabled_secretstore_plugins = store_crypto\n'
                '[crypto]\nenabled_crypto_plugins = simple_crypto\n'
                f'[simple_crypto_plugin]\nkek = {kek}\n'
                '[keystone_authtoken]\nauth_type = password\n'
                f'www_authenticate_uri = {ks_root}\n'
                f'auth_url = {ks_root}\n'
                'username = admin\n'
                f'password = {keystone_server.admin_password}\n'
                'project_name = admin\nuser_domain_id = default\n'
                'project_domain_id = default\ninterface = public\n'
            )
        paste = os.path.join(self.dir, 'paste.ini')
        with open(paste, 'w') as stream:
            stream.write(_PASTE)
        here = os.path.dirname(os.path.abspath(__file__))
        repo = os.path.dirname(os.path.dirname(os.path.dirname(here)))
        serve = _SERVE.replace('PASTE', paste).replace('PORT', str(self.port))
        self.process = ServerProcess(
            'barbican',
            [sys.executable, '-c', serve],
            ready=self._ready,
            env={
                'HOME': self.dir,
                'PYTHONPATH': os.pathsep.join(
                    filter(None, [repo, os.environ.get('PYTHONPATH')])
                ),
            },
            timeout=90,
            workdir=self.dir,
        )

    def _ready(self) -> bool:
        return requests.get(self.url, timeout=2).status_code in (200, 300)


@pytest.fixture(scope='session')
def barbican(keystone):
    yield from running(Barbican(keystone))
