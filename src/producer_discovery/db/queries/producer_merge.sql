-- One fused credit carries source ids of two producers: they are one person. Merges %(gone)s
-- into %(keep)s (migration 0041) and returns the source ids ("source:id") %(keep)s learned.
SELECT merge_producers(%(keep)s::UUID, %(gone)s::UUID)
