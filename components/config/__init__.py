"""The stack config: one parsing module per block, each turning raw `nova-platform:*` values
into frozen dataclasses or a ConfigError (fields.py) naming the key.

stack.py parses the whole stack into a PlatformConfig; services.py, monitoring.py, slo.py,
observability.py, gitops.py, aws.py and network.py parse their blocks. Nothing here imports
the builders or the components.
"""
