"""The admin API: the resolver and its error table (:mod:`kring.api.app`), one module per route group."""
