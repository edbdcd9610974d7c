"""Every guardrail of the pack, in one list: the pack and `novactl check` both run these."""

from __future__ import annotations

from policies.rules import Policy, aws, kubernetes, platform, production

POLICIES: tuple[Policy, ...] = (*kubernetes.POLICIES, *aws.POLICIES, *platform.POLICIES, *production.POLICIES)
