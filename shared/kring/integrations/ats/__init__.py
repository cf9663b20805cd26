"""ATS providers: one module per ATS behind the contract in ``base``, the registry in ``registry``."""
