-- The one right to fetch a token for this account, until the transaction ends (see
-- db/provider_state.py): the other processes wait here, then find the new token stored.
SELECT pg_advisory_xact_lock(hashtextextended('api_credentials ' || %(api)s || ' ' || %(account)s, 0))
