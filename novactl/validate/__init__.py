"""`novactl check`: the policies and the real validators over a render (check), the CRD schema
check (crd_schemas), the validators' pass cache (passcache), and what the cluster must offer
before `pulumi up` (preflight, for check --live)."""
