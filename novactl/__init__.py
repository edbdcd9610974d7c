"""novactl: the nova-platform command line and its offline engine."""
