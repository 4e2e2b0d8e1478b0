"""``orgconn`` subcommands: one module each, listed in `orgconn.cli.COMMANDS`."""
