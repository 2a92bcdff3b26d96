"""Adapters for the outside world besides storage: payment, e-tickets, e-mail, signing keys."""
