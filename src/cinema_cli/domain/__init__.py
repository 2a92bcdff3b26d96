"""The cinema's models, rules and errors: no I/O, and no imports of ours from outside."""
