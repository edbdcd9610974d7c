"""argv to one verb: the registry of verbs (registry), the parser and the one place errors
become exit codes (main), and how novactl meets the shell (shell)."""
