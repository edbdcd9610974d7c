"""The cluster: live reads for `status --live` and `check --live` (live), and Kubernetes
NetworkPolicy semantics, which the tests use to prove who can reach whom (netpol)."""
