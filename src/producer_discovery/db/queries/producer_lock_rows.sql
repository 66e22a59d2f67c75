-- Producer rows locked (in id order, so two transactions never deadlock on them) before a
-- statement that must see what a concurrent enrichment committed: READ COMMITTED gives each
-- statement the snapshot of its start, so the lock must be waited for in a statement of its own.
SELECT id FROM public.producers
WHERE id = ANY(%(producer_ids)s::UUID[])
ORDER BY id
FOR UPDATE
