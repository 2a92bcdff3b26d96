"""cinema-cli: book movie-theater seats from the shell, from cron and from CI."""

__version__ = "0.1.0"
