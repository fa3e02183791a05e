"""oslo_extras: capabilities on top of the oslo libraries.

Sub-packages, one per area, which import each other only through small
named interfaces:

* :mod:`oslo_extras.config`: option catalog, strict validation, secret
  config sources, option migration, transactional reload
* :mod:`oslo_extras.policy`: policy-in-code defaults, the operator's delta,
  a safe and fast enforcer
* :mod:`oslo_extras.messaging`: heartbeats and message TTL chosen by the
  application
* :mod:`oslo_extras.cmd`: the command lines (``oslo-config-check``,
  ``oslo-config-migrate``, ``oslo-policy-delta``)
"""
