"""One module per verb: `add_arguments(parser)` declares its arguments and flags (and sets its
`handler`), `run(args, project_dir)` does the work. novactl.cli.registry names them; the parser
imports only the verb that runs. Output every verb shares is in `output`."""
