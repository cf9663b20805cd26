"""Domain entities and the API's input/output models, one module per aggregate."""
