"""One module per `secondear` sub-command: add_arguments(parser) and run(args) -> int."""
