"""Clients of the external APIs. Each returns plain models, never raw HTTP."""
