-- Test and benchmark seeding (sandbox.web_catalogue): an album's release date.
UPDATE public.albums SET release_date = %(release_date)s::DATE WHERE id = %(album_id)s::UUID
