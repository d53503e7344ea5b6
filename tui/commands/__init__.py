"""One module per `newsdeck` subcommand: add_arguments(parser) and run(args) -> int."""
