-- Serialises identity resolution on one name or source id until the transaction ends, so two
-- workers crediting the same new person create one producer. Taken in sorted key order.
SELECT pg_advisory_xact_lock(hashtextextended(%(key)s, 0))
