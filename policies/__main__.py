"""The nova-guardrails policy pack: `pulumi preview --policy-pack policies`.

Building the PolicyPack starts the analyzer server the Pulumi CLI talks to, so only this
file does it; the rules (policies/rules) stay importable by `novactl check` and the tests.
"""

import sys
from pathlib import Path

# The pack lives in the project: its rules share components/conventions.py with the program.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pulumi_policy import EnforcementLevel, PolicyPack

from policies.adapter import to_pulumi_policy
from policies.rules.registry import POLICIES

PolicyPack(
    name="nova-guardrails",
    enforcement_level=EnforcementLevel.MANDATORY,
    policies=[to_pulumi_policy(policy) for policy in POLICIES],
)
