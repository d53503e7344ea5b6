"""newsdeck people side: the Textual dashboard and the command line."""
