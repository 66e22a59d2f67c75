-- The one right to learn this fact, until the transaction ends (see db/provider_state.py).
SELECT pg_advisory_xact_lock(
  hashtextextended('api_facts ' || %(api)s || ' ' || %(account)s || ' ' || %(fact)s, 0))
