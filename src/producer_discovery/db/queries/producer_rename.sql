-- The display name follows the most trusted source that credited the producer (%(ranking)s:
-- most trusted first); a name from a less trusted source never replaces it.
UPDATE public.producers
SET name = %(name)s,
    metadata = COALESCE(metadata, '{}'::JSONB) || jsonb_build_object('name_source', %(source)s::TEXT),
    updated_at = NOW()
WHERE id = %(producer_id)s::UUID
  AND name IS DISTINCT FROM %(name)s
  AND COALESCE(array_position(%(ranking)s::TEXT[], metadata ->> 'name_source'), 1000)
      > array_position(%(ranking)s::TEXT[], %(source)s::TEXT)
