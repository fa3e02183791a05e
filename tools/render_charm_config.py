"""Render an OpenStack charm's config template at a given commit.

Used to build ``tests/realworld/migrate/``: the charms keep one Jinja
template per release (``templates/<release>/nova.conf``) that includes parts
from ``templates/`` and charm-helpers. This renders one of them from a git
mirror with a fixed, plausible deployment (hosts, users, TLS to the broker,
placeholder secrets), as the charm would have written it::

    python tools/render_charm_config.py REPO_GIT_DIR COMMIT \\
        templates/havana/nova.conf > nova.conf
"""

from __future__ import annotations

import subprocess
import sys

import jinja2


class _Py2Dict(dict):
    def iteritems(self):  # the templates were written for Python 2
        return iter(self.items())


#: One deployment, the same for every template; secrets are placeholders.
CONTEXT = {
    'use_syslog': 'False',
    'debug': 'False',
    'verbose': 'True',
    'workers': 4,
    'host_ip': '10.5.0.11',
    'host': 'juju-nova-cc-0',
    'memcached_servers': '127.0.0.1:11211',
    'keystone_ec2_url': 'http://10.5.0.30:5000/v2.0/ec2tokens',
    'database_host': '10.5.0.20',
    'database_user': 'nova',
    'database_password': 'DB_PASSWORD',
    'database': 'nova',
    'database_type': 'mysql',
    'rabbitmq_host': '10.5.0.10',
    'rabbitmq_user': 'nova',
    'rabbitmq_password': 'RABBIT_PASSWORD',
    'rabbitmq_virtual_host': 'openstack',
    'rabbit_ssl_port': '5671',
    'rabbit_ssl_ca': '/etc/nova/rabbit-server-ca.pem',
    'glance_api_servers': 'http://10.5.0.40:9292',
    'auth_host': '10.5.0.30',
    'auth_port': '35357',
    'auth_protocol': 'http',
    'service_host': '10.5.0.30',
    'service_port': '5000',
    'service_protocol': 'http',
    'admin_user': 'nova',
    'admin_password': 'KEYSTONE_PASSWORD',
    'admin_tenant_name': 'services',
    'admin_domain_name': 'service_domain',
    'api_version': '2.0',
    'auth_uri': 'http://10.5.0.30:5000/',
    'auth_url': 'http://10.5.0.30:35357/',
    'network_manager': 'neutron',
    'quantum_plugin': 'ovs',
    'neutron_plugin': 'ovs',
    'quantum_url': 'http://10.5.0.50:9696',
    'neutron_url': 'http://10.5.0.50:9696',
    'neutron_security_groups': True,
    'quantum_security_groups': 'yes',
    'external_network': 'ext_net',
    'default_floating_pool': 'ext_net',
    'network_manager_config': _Py2Dict(
        {
            'network_api_class': 'nova.network.neutronv2.api.API',
            'neutron_url': 'http://10.5.0.50:9696',
        }
    ),
    'listen_ports': _Py2Dict({'osapi_compute_listen_port': 8764}),
    'user_config_flags': _Py2Dict({}),
    'cpu_allocation_ratio': '16.0',
    'ram_allocation_ratio': '1.5',
    'scheduler_default_filters': (
        'RetryFilter,AvailabilityZoneFilter,RamFilter'
    ),
    'console_access_protocol': 'novnc',
    'console_proxy_ip': '10.5.0.11',
    'novnc_proxy_address': '0.0.0.0',
    'region': 'RegionOne',
    'volume_service': 'cinder',
    'core_plugin': 'neutron.plugins.ml2.plugin.Ml2Plugin',
    'verbose_logging': True,
    'bind_port': 9696,
    'nova_url': 'http://10.5.0.11:8774/v2',
    'nova_admin_username': 'nova',
    'nova_admin_password': 'KEYSTONE_PASSWORD',
    'nova_admin_tenant_id': 'f4a8c7d6e5b4a3928170605040302010',
    'nova_admin_auth_url': 'http://10.5.0.30:35357/v2.0',
}


def _loader(git_dir: str, commit: str, release_dir: str) -> jinja2.BaseLoader:
    roots = [
        release_dir,
        'templates',
        'hooks/charmhelpers/contrib/openstack/templates',
        'charmhelpers/contrib/openstack/templates',
    ]

    def load(name: str):
        for root in roots:
            try:
                return subprocess.run(
                    ['git', '--git-dir', git_dir, 'show']
                    + [f'{commit}:{root}/{name}'],
                    check=True,
                    capture_output=True,
                    text=True,
                ).stdout
            except subprocess.CalledProcessError:
                continue
        return None

    return jinja2.FunctionLoader(load)


def render(git_dir: str, commit: str, path: str) -> str:
    release_dir, _, name = path.rpartition('/')
    env = jinja2.Environment(loader=_loader(git_dir, commit, release_dir))
    return env.get_template(name).render(**CONTEXT)


if __name__ == '__main__':
    sys.stdout.write(render(*sys.argv[1:4]))
