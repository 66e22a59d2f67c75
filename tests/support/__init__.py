"""Helpers shared by the tests and the benchmarks, one module each:

- sandboxes: the provider sandboxes held together (`Sandboxes`; the `sandboxes` fixture).
- settings: Settings pointed at them (`sandbox_settings`), as environment variables
  (`environment_of`) for a process.
- stages: a stage's Worker run in-process until its queue is empty (`drain_stage`).
- database: typed rows (`Database`, `one`, `rows`).
- limiters: rate limiters for client tests.
- runtime_stage: a stage for testing the runtime, run as a process.
"""
