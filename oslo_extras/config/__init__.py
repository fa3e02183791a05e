"""Configuration capabilities built on oslo.config.

* :mod:`.catalog`: every option a service knows (shared by all below)
* :mod:`.validate`, :mod:`.checks`, :mod:`.strict`: strict validation
* :mod:`.sources`: config source drivers for secret backends
* :mod:`.migrate`: deprecated option auto-migration
* :mod:`.reload`: transactional mutable config reload

Private oslo.config internals are used only in :mod:`._upstream`.
"""
