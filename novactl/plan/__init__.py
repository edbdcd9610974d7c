"""What the next `pulumi up` changes: the comparison of two renders (diff), the replacements the
provider makes (replacements), and field-level changes of Kubernetes objects (changes)."""
