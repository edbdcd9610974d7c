"""Stack files: read and merge them as the Pulumi CLI does, edit them keeping comments, and
their git history. No Pulumi SDK here."""
