"""Demo: turn ``debug`` on for a running service without a restart.

``python -m oslo_extras.demo reload`` edits the service's config file while
the ``watch`` trigger is running, and shows ``debug`` flip live, a typo
refused as a whole (the old config stays), and a change to an immutable
option reported as needing a restart.

``python -m oslo_extras.demo.reload --config-file F [--triggers ...]`` runs
the same tiny service in the foreground and prints one JSON line per event
(``ready``, then one per reload); the functional tests drive it with real
signals and real file edits.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import threading
import time

from oslo_config import cfg

from oslo_extras._fileutils import atomic_write
from oslo_extras.config.reload import Reloader
from oslo_extras.config.reload import ReloadReport

TITLE = 'Config reload: flip debug live, refuse a typo, flag restarts'

OPTS = [
    cfg.BoolOpt('debug', default=False, mutable=True, help='Debug logging.'),
    cfg.IntOpt('workers', default=2, min=1, help='Workers (restart).'),
    cfg.IntOpt('left', default=0, mutable=True, help='Changes with right.'),
    cfg.IntOpt('right', default=0, mutable=True, help='Changes with left.'),
]
DB_OPTS = [
    cfg.StrOpt('password', secret=True, mutable=True, help='DB password.'),
]

LOG = logging.getLogger('oslo_extras.demo.reload')


def make_conf(args: list[str]) -> cfg.ConfigOpts:
    conf = cfg.ConfigOpts()
    conf.register_opts(OPTS)
    conf.register_opts(DB_OPTS, group='database')
    conf(args, project='reload-demo', default_config_files=[])
    return conf


def apply_debug(conf: cfg.ConfigOpts) -> None:
    """What a service does when ``debug`` changes: set its log level."""
    level = logging.DEBUG if conf.debug else logging.INFO
    logging.getLogger().setLevel(level)


# -- the demo step -----------------------------------------------------------


def _wait(predicate, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


def run(workdir: str) -> bool:
    logging.getLogger('oslo_extras').setLevel(logging.CRITICAL)
    path = os.path.join(workdir, 'demo.conf')
    base = '[DEFAULT]\ndebug = false\nworkers = 2\n'
    atomic_write(path, base)
    conf = make_conf(['--config-file', path])
    reloader = Reloader(conf)
    reports: list[ReloadReport] = []
    reloader.add_report_listener(reports.append)
    reloader.subscribe('DEFAULT', 'debug', lambda change: apply_debug(conf))
    reloader.enable_triggers(['watch'], options={'watch': {'debounce': 0.1}})
    ok = True
    try:
        print(f'service running, debug = {conf.debug}; watching {path}')

        print('\n$ sed -i s/debug = false/debug = true/ demo.conf')
        atomic_write(path, base.replace('debug = false', 'debug = true'))
        ok &= _wait(lambda: conf.debug is True and len(reports) == 1)
        print(_indent(reports[-1].as_text()) if reports else '  (no reload)')
        print(
            f'  conf.debug = {conf.debug}, root log level = '
            f'{logging.getLevelName(logging.getLogger().level)}'
        )

        print('\n$ echo "debgu = false" >> demo.conf   # a typo')
        atomic_write(
            path,
            base.replace('debug = false', 'debug = true')
            + 'debgu = false\nworkers = 0\n',
        )
        ok &= _wait(lambda: len(reports) == 2)
        print(_indent(reports[-1].as_text()) if len(reports) > 1 else '')
        ok &= conf.debug is True and conf.workers == 2
        print(f'  conf.debug = {conf.debug} (old config kept)')

        print('\n$ set workers = 8 and debug = false')
        atomic_write(path, base.replace('workers = 2', 'workers = 8'))
        ok &= _wait(lambda: len(reports) == 3)
        print(_indent(reports[-1].as_text()) if len(reports) > 2 else '')
        ok &= conf.debug is False and conf.workers == 2
        print(
            f'  conf.debug = {conf.debug}, conf.workers = {conf.workers}'
            ' (restart to apply)'
        )
    finally:
        reloader.stop()
        logging.getLogger().setLevel(logging.WARNING)
    return bool(ok)


def _indent(text: str) -> str:
    return '\n'.join('  ' + line for line in text.splitlines())


# -- the foreground service for functional tests ----------------------------


def _emit(event: str, conf: cfg.ConfigOpts, **extra) -> None:
    line = {
        'event': event,
        'pid': os.getpid(),
        'debug': conf.debug,
        'workers': conf.workers,
        **extra,
    }
    sys.stdout.write(json.dumps(line, default=str) + '\n')
    sys.stdout.flush()


def _report_line(conf: cfg.ConfigOpts):
    def listener(report: ReloadReport) -> None:
        _emit(
            'report',
            conf,
            trigger=report.trigger,
            applied=report.applied,
            generation=report.generation,
            errors=report.errors,
            changes=[c.as_text() for c in report.changes],
        )

    return listener


def serve(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog='python -m oslo_extras.demo.reload',
        description='A tiny service that reloads its config live.',
    )
    parser.add_argument('--triggers', default='sighup')
    parser.add_argument(
        '--sighup-mode',
        default='auto',
        choices=('auto', 'signal', 'oslo.service'),
    )
    parser.add_argument('--debounce', type=float, default=0.05)
    parser.add_argument('--poll-interval', type=float, default=0.2)
    parser.add_argument('--sources-interval', type=float, default=60.0)
    parser.add_argument(
        '--oslo-service',
        action='store_true',
        help='run under an oslo.service launcher (restart_method=mutate)',
    )
    parser.add_argument(
        '--reload-in-worker',
        action='store_true',
        help='with --oslo-service: build the reloader and its triggers in '
        'the worker process (what a service should do), not the launcher',
    )
    args, oslo_args = parser.parse_known_args(argv)
    if args.oslo_service:
        # The threading backend: eventlet's hub does not deliver SIGHUP
        # to oslo.service's handler on this Python.
        from oslo_service import backend

        backend.init_backend(backend.BackendType.THREADING)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    conf = make_conf(oslo_args)
    names = [n for n in args.triggers.split(',') if n]
    options = {
        'sighup': {'mode': args.sighup_mode},
        'watch': {'debounce': args.debounce},
        'poll': {'interval': args.poll_interval},
        'sources': {'interval': args.sources_interval},
    }
    if args.oslo_service:
        from oslo_service import service  # noqa: F401  (picks the mode)

        if args.reload_in_worker:
            return _serve_oslo_service(conf, None, names, options)
    reloader = _start_reloader(conf, names, options)
    if args.oslo_service:
        return _serve_oslo_service(conf, reloader, names, options)
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    _emit('ready', conf, triggers=names)
    while not stopping.wait(0.2):
        pass
    reloader.stop()
    return 0


def _start_reloader(
    conf: cfg.ConfigOpts, names: list[str], options: dict
) -> Reloader:
    reloader = Reloader(conf)
    reloader.add_report_listener(_report_line(conf))
    reloader.subscribe('DEFAULT', 'debug', lambda change: apply_debug(conf))
    reloader.enable_triggers(names, options=options)
    return reloader


def _serve_oslo_service(
    conf: cfg.ConfigOpts,
    reloader: Reloader | None,
    names: list[str],
    options: dict,
) -> int:
    """Run under an oslo.service launcher (restart_method='mutate').

    With ``reloader=None`` the reloader is built in the worker, in
    ``start()``: threads started in the launcher do not survive the fork,
    and under the threading backend a SIGHUP restarts the worker anyway.
    """
    from oslo_service import service

    class Idle(service.Service):
        def start(self) -> None:
            super().start()
            self.reloader = None
            if reloader is None:
                self.reloader = _start_reloader(conf, names, options)
            _emit('ready', conf, triggers=names, oslo_service=True)

        def stop(self, graceful: bool = False) -> None:
            if self.reloader is not None:
                self.reloader.stop()
            super().stop(graceful)

    launcher = service.launch(conf, Idle(), restart_method='mutate')
    launcher.wait()
    return 0


if __name__ == '__main__':
    sys.exit(serve())
