#!/usr/bin/env python3
"""Startup with 50 secret-backed options from OpenBao: ours vs castellan's.

Starts an OpenBao dev server, stores the same 50 secrets twice (as KV v2
fields for our ``vault`` driver, as castellan records for castellan's own
``castellan`` driver with its ``vault`` backend), then times a service's
startup (``conf()`` plus reading every option) through each driver and
counts the HTTP requests each makes. Our ``key_manager`` driver also reads
the castellan records (castellan has no batch read: it still needs one
request per secret, but sends them in parallel). Prints medians and the
ratio.
"""

import os
import statistics
import sys
import tempfile
import time
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

import _record  # noqa: E402
import requests  # noqa: E402
from castellan import key_manager  # noqa: E402
from castellan.common.objects import passphrase  # noqa: E402
from oslo_config import cfg  # noqa: E402

from tests.functional.servers.openbao import OpenBao  # noqa: E402

GROUPS = [f'svc_group{i}' for i in range(5)]
OPTIONS = [f'secret_opt{j}' for j in range(10)]
RUNS = 15


class RequestCounter:
    """Counts requests sent through ``requests`` while active."""

    def __init__(self):
        self.count = 0
        self._original = requests.adapters.HTTPAdapter.send

    def __enter__(self):
        counter = self
        original = self._original

        def send(adapter, request, *args, **kwargs):
            counter.count += 1
            return original(adapter, request, *args, **kwargs)

        requests.adapters.HTTPAdapter.send = send
        return self

    def __exit__(self, *exc):
        requests.adapters.HTTPAdapter.send = self._original


def value(group, option):
    return f'{group}-{option}-value'


def startup(conf_file):
    """What a service does: parse config, then read every option."""
    conf = cfg.ConfigOpts()
    for group in GROUPS:
        conf.register_opts(
            [cfg.StrOpt(option, secret=True) for option in OPTIONS], group
        )
    conf(['--config-file', conf_file])
    for group in GROUPS:
        for option in OPTIONS:
            got = conf[group][option]
            assert got == value(group, option), (group, option)


def measure(conf_file):
    times = []
    counts = []
    for _ in range(RUNS):
        with RequestCounter() as counter:
            start = time.perf_counter()
            startup(conf_file)
            times.append(time.perf_counter() - start)
        counts.append(counter.count)
    return statistics.median(times), statistics.median(counts)


def main():
    server = OpenBao().start()
    workdir = tempfile.mkdtemp(prefix='oslo-extras-bench-sources-')
    try:
        client = server.client()
        prefix = 'bench-' + uuid.uuid4().hex[:6]
        for group in GROUPS:
            client.secrets.kv.v2.create_or_update_secret(
                f'{prefix}/{group}',
                {option: value(group, option) for option in OPTIONS},
                mount_point='secret',
            )
        ours = os.path.join(workdir, 'ours.conf')
        with open(ours, 'w') as stream:
            stream.write(
                '[DEFAULT]\nconfig_source = vault\n'
                f'[vault]\ndriver = vault\nurl = {server.url}\n'
                f'token = {server.token}\npath_prefix = {prefix}\n'
            )

        castellan_conf = os.path.join(workdir, 'castellan.conf')
        with open(castellan_conf, 'w') as stream:
            stream.write(
                '[key_manager]\nbackend = vault\nauth_type = token\n'
                f'token = {server.token}\n'
                f'[vault]\nroot_token_id = {server.token}\n'
                f'vault_url = {server.url}\nkv_version = 2\n'
                'kv_mountpoint = secret\n'
            )
        km_conf = cfg.ConfigOpts()
        km_conf(args=[], default_config_files=[castellan_conf])
        manager = key_manager.API(km_conf)
        mapping = os.path.join(workdir, 'mapping.conf')
        with open(mapping, 'w') as stream:
            for group in GROUPS:
                stream.write(f'[{group}]\n')
                for option in OPTIONS:
                    secret = value(group, option).encode()
                    secret_id = manager.store(
                        'ctx', passphrase.Passphrase(secret)
                    )
                    stream.write(f'{option} = {secret_id}\n')
        upstream = os.path.join(workdir, 'upstream.conf')
        with open(upstream, 'w') as stream:
            stream.write(
                '[DEFAULT]\nconfig_source = castellan\n'
                '[castellan]\ndriver = castellan\n'
                f'config_file = {castellan_conf}\nmapping_file = {mapping}\n'
            )

        # Our castellan-backed driver on the very same castellan records.
        km = os.path.join(workdir, 'key_manager.conf')
        with open(km, 'w') as stream:
            stream.write(
                '[DEFAULT]\nconfig_source = km\n'
                '[km]\ndriver = key_manager\n'
                f'config_file = {castellan_conf}\nmapping_file = {mapping}\n'
            )

        for conf_file in (ours, upstream, km):  # warm imports for all
            startup(conf_file)
        our_time, our_requests = measure(ours)
        up_time, up_requests = measure(upstream)
        km_time, km_requests = measure(km)
    finally:
        server.stop()

    n = len(GROUPS) * len(OPTIONS)
    _record.labels('vault driver', "castellan's driver")
    _record.parameters(options=n, runs=RUNS)
    _record.figure(
        'startup',
        f'startup, {n} options',
        our_time * 1000,
        'ms',
        upstream=up_time * 1000,
        runs=RUNS,
    )
    _record.figure(
        'startup',
        'HTTP requests at startup',
        our_requests,
        'count',
        upstream=up_requests,
        runs=RUNS,
    )
    _record.figure(
        'startup',
        'startup, key_manager driver on castellan records',
        km_time * 1000,
        'ms',
        upstream=up_time * 1000,
        runs=RUNS,
    )
    print(f'{n} secret-backed options from OpenBao, median of {RUNS} runs')
    print(
        f'  oslo_extras vault driver:   {our_time * 1000:8.1f} ms  '
        f'{our_requests:4.0f} HTTP requests'
    )
    print(
        f'  castellan upstream driver:  {up_time * 1000:8.1f} ms  '
        f'{up_requests:4.0f} HTTP requests'
    )
    print(
        f'  oslo_extras key_manager:    {km_time * 1000:8.1f} ms  '
        f'{km_requests:4.0f} HTTP requests (castellan records: no batch '
        'read, one request per secret)'
    )
    print(
        f'  startup time ratio (castellan / ours): {up_time / our_time:.1f}x;'
        f' requests: {up_requests:.0f} vs {our_requests:.0f}'
    )
    return 0


if __name__ == '__main__':
    sys.exit(main())
