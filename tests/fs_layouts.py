"""How real tools put a config file in place, step by step.

Each function performs the exact file-system operations of one tool, so a
watch is tested against what it meets in production:

* :func:`editor_save`: write a temp file, rename it over the original
  (most editors, ``sed -i``).
* :func:`vim_save`: rename the original to ``name~``, write a new file,
  delete the backup (vim with ``backupcopy=no``).
* :func:`ansible_copy`: Ansible's ``copy``/``template`` (``atomic_move``): a
  ``.ansible_tmp`` file in the destination directory, ``fsync``, rename.
* :class:`ConfigMapVolume`: kubelet's atomic writer for ConfigMap and
  Secret volumes (``pkg/volume/util/atomic_writer.go``): payload in
  ``..<timestamp>``, ``..data -> ..<timestamp>``, ``name -> ..data/name``;
  an update writes a new timestamp dir, links ``..data_tmp`` to it, renames
  ``..data_tmp`` over ``..data``, adds or removes the visible links, then
  deletes the old dir.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time


def editor_save(path, text: str) -> None:
    path = str(path)
    tmp = f'{path}.swp-{os.getpid()}'
    with open(tmp, 'w') as stream:
        stream.write(text)
    os.replace(tmp, path)


def vim_save(path, text: str) -> None:
    path = str(path)
    os.rename(path, path + '~')
    with open(path, 'w') as stream:
        stream.write(text)
    os.unlink(path + '~')


def ansible_copy(path, text: str) -> None:
    path = str(path)
    fd, tmp = tempfile.mkstemp(
        prefix='.ansible_tmp', dir=os.path.dirname(path)
    )
    with os.fdopen(fd, 'w') as stream:
        stream.write(text)
        stream.flush()
        os.fsync(stream.fileno())
    os.chmod(tmp, 0o644)
    os.rename(tmp, path)


class ConfigMapVolume:
    """A ConfigMap mounted at ``mount``, updated as kubelet does."""

    def __init__(self, mount, files: dict[str, str]) -> None:
        self.mount = str(mount)
        os.makedirs(self.mount, exist_ok=True)
        self._counter = 0
        self.update(files)

    def path(self, name: str) -> str:
        return os.path.join(self.mount, name)

    def update(self, files: dict[str, str]) -> None:
        data = os.path.join(self.mount, '..data')
        old_dir = (
            os.path.join(self.mount, os.readlink(data))
            if os.path.islink(data)
            else None
        )
        old_names = set(os.listdir(old_dir)) if old_dir else set()
        # 1. the new payload in a fresh timestamped dir
        self._counter += 1
        stamp = time.strftime('..%Y_%m_%d_%H_%M_%S.') + f'{self._counter:09d}'
        new_dir = os.path.join(self.mount, stamp)
        os.mkdir(new_dir)
        for name, text in files.items():
            with open(os.path.join(new_dir, name), 'w') as stream:
                stream.write(text)
        # 2-3. ..data_tmp -> new dir, renamed over ..data (atomic)
        tmp_link = os.path.join(self.mount, '..data_tmp')
        os.symlink(stamp, tmp_link)
        os.rename(tmp_link, data)
        # 4. visible links for new names
        for name in files:
            visible = os.path.join(self.mount, name)
            if not os.path.lexists(visible):
                os.symlink(os.path.join('..data', name), visible)
        # 5. visible names no longer in the payload
        for name in old_names - set(files):
            os.unlink(os.path.join(self.mount, name))
        # 6. the old payload dir
        if old_dir:
            shutil.rmtree(old_dir)
