"""Fake API servers that behave like the real providers, plus a fictional sample catalogue.

Used by the tests, the benchmarks and `producer-discovery demo`. Each server is a real HTTP
server on 127.0.0.1, speaking the provider's JSON, status codes, paging and limits.
"""
