"""Symlink resolution for the watch trigger, on real links."""

import os

from oslo_extras.config.reload.triggers import _paths
from tests.fs_layouts import ConfigMapVolume


def test_resolve_records_every_link_of_a_configmap_file(tmp_path):
    volume = ConfigMapVolume(tmp_path / 'm', {'svc.conf': 'x'})
    mount = os.path.realpath(volume.mount)

    links, target = _paths.resolve(volume.path('svc.conf'))

    data = os.path.join(mount, '..data')
    assert links == [os.path.join(mount, 'svc.conf'), data]
    assert target == os.path.join(mount, os.readlink(data), 'svc.conf')
    assert os.path.realpath(volume.path('svc.conf')) == target


def test_resolve_follows_a_linked_directory_and_dotdot(tmp_path):
    real = tmp_path / 'srv' / 'etc'
    real.mkdir(parents=True)
    (real / 'svc.conf').write_text('x')
    os.symlink(real, tmp_path / 'etc')
    # ``..`` after a link goes to the parent of the link's target.
    os.symlink('../etc/svc.conf', real / 'alias.conf')

    links, target = _paths.resolve(str(tmp_path / 'etc' / 'alias.conf'))

    root = os.path.realpath(tmp_path)
    assert links == [
        os.path.join(root, 'etc'),
        os.path.join(root, 'srv', 'etc', 'alias.conf'),
    ]
    assert target == os.path.join(root, 'srv', 'etc', 'svc.conf')


def test_resolve_stops_on_a_link_loop_and_missing_paths(tmp_path):
    os.symlink('b', tmp_path / 'a')
    os.symlink('a', tmp_path / 'b')

    links, _ = _paths.resolve(str(tmp_path / 'a'))
    assert len(links) == _paths.MAX_LINKS

    links, target = _paths.resolve(str(tmp_path / 'missing' / 'x.conf'))
    assert links == []
    assert target == os.path.join(os.path.realpath(tmp_path), 'missing/x.conf')


def test_plan_matches_config_inputs_only(tmp_path):
    volume = ConfigMapVolume(tmp_path / 'd', {'svc.conf': 'x'})
    mount = os.path.realpath(volume.mount)
    plan = _paths.plan([], [volume.mount])

    assert plan.matches(os.path.join(mount, 'svc.conf'))
    assert plan.matches(os.path.join(mount, '..data'))
    assert plan.matches(os.path.join(mount, 'new.conf'))
    assert not plan.matches(os.path.join(mount, '..data_tmp'))
    assert not plan.matches(os.path.join(mount, 'svc.log'))
    assert not plan.matches(os.path.join(mount, '.hidden.conf'))
    # The dir's parent too: the dir itself may be replaced or re-linked.
    assert plan.directories() == {
        os.path.dirname(mount),
        mount,
        os.path.dirname(os.path.realpath(volume.path('svc.conf'))),
    }


def test_plan_watches_the_directories_a_config_path_passes_through(tmp_path):
    etc = tmp_path / 'etc' / 'svc'
    etc.mkdir(parents=True)
    (etc / 'svc.conf').write_text('x')
    root = os.path.realpath(tmp_path)

    plan = _paths.plan([str(etc / 'svc.conf')], [])

    # /etc/svc renamed away or replaced by a link changes the config ...
    assert plan.matches(os.path.join(root, 'etc', 'svc'))
    assert plan.matches(os.path.join(root, 'etc'))
    assert not plan.matches(os.path.join(root, 'etc', 'other'))
    # ... so its parent is watched for entries only, up to /.
    assert os.path.join(root, 'etc') in plan.entry_directories()
    assert os.sep in plan.entry_directories()
    assert os.path.join(root, 'etc', 'svc') not in plan.entry_directories()
    assert plan.directories() == {os.path.join(root, 'etc', 'svc')}
