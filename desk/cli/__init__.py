"""The `desk` command line: thin Typer commands over the services in `desk`."""
