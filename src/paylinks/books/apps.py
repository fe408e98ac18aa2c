from django.apps import AppConfig


class BooksConfig(AppConfig):
    """Fees, payouts, CSV exports and period totals, over the receipts' and payments'
    tables (the models live in ``receipts`` and ``checkout``; this app owns none)."""

    name = "paylinks.books"
    label = "books"
