"""Adapters to the world outside storage: payments, ticket codes, e-ticket files, e-mail.

Each module keeps its heavy libraries (qrcode, reportlab) inside the functions that
use them, so importing an adapter costs nothing until it does work.
"""
