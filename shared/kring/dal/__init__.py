"""Data access: every DynamoDB key is built in :mod:`kring.dal.keys`; one repository per aggregate."""
