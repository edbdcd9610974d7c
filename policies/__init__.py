"""The nova-guardrails policy pack (`pulumi preview --policy-pack policies`) and its rules."""
