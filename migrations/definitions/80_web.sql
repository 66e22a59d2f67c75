-- What the web app, the CLI and psql read: search, artists, producers (contact details only
-- for operators) and the pipeline's overview and history.

-- Artists whose name matches the query: best match first (exact, then prefix, then
-- containing, then trigram similarity, which forgives a typo or two). A query of one or two
-- characters matches exact names only (a substring that short would scan every row).
CREATE OR REPLACE FUNCTION public.search_artists(p_query TEXT, p_limit INTEGER DEFAULT 20)
RETURNS TABLE(id UUID, name TEXT, image_url TEXT, albums BIGINT, tracks BIGINT, score REAL)
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
  WITH q AS (SELECT public.search_key(p_query) AS key),
  hits AS (
    SELECT a.id, a.name, a.image_url,
           CASE WHEN public.search_key(a.name) = q.key THEN 3.0
                WHEN public.search_key(a.name) LIKE q.key || '%' THEN 2.0
                WHEN public.search_key(a.name) LIKE '%' || q.key || '%' THEN 1.5
                ELSE 0 END
           + greatest(similarity(public.search_key(a.name), q.key),
                      word_similarity(q.key, public.search_key(a.name)))::REAL AS score
    FROM public.artists a, q
    WHERE q.key <> ''
      AND CASE WHEN length(q.key) < 3 THEN public.search_key(a.name) = q.key
               ELSE (public.search_key(a.name) LIKE '%' || q.key || '%'
                     OR public.search_key(a.name) % q.key
                     OR q.key <% public.search_key(a.name)) END
    ORDER BY score DESC, a.name
    LIMIT greatest(1, least(coalesce(p_limit, 20), 100))
  )
  SELECT h.id, h.name, h.image_url,
         (SELECT count(*) FROM public.albums al WHERE al.artist_id = h.id),
         (SELECT count(*) FROM public.normalized_tracks nt WHERE nt.artist_id = h.id),
         h.score::REAL
  FROM hits h
  ORDER BY h.score DESC, h.name;
$$;
GRANT EXECUTE ON FUNCTION public.search_artists(text,integer) TO discovery_operator, discovery_reader;

-- Producers whose name matches the query (the original system's search_producers RPC):
-- best match first, with how many songs and artists they are credited on.
CREATE OR REPLACE FUNCTION public.search_producers(p_query TEXT, p_limit INTEGER DEFAULT 20)
RETURNS TABLE(id UUID, name TEXT, image_url TEXT, instagram_handle TEXT, tracks BIGINT,
              artists BIGINT, score REAL)
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
  WITH q AS (SELECT public.search_key(p_query) AS key),
  hits AS (
    SELECT p.id, p.name, p.image_url, p.instagram_handle,
           CASE WHEN public.search_key(p.name) = q.key THEN 3.0
                WHEN public.search_key(p.name) LIKE q.key || '%' THEN 2.0
                WHEN public.search_key(p.name) LIKE '%' || q.key || '%' THEN 1.5
                ELSE 0 END
           + greatest(similarity(public.search_key(p.name), q.key),
                      word_similarity(q.key, public.search_key(p.name)))::REAL AS score
    FROM public.producers p, q
    WHERE q.key <> ''
      AND CASE WHEN length(q.key) < 3 THEN public.search_key(p.name) = q.key
               ELSE (public.search_key(p.name) LIKE '%' || q.key || '%'
                     OR public.search_key(p.name) % q.key
                     OR q.key <% public.search_key(p.name)) END
    ORDER BY score DESC, p.name
    LIMIT greatest(1, least(coalesce(p_limit, 20), 100))
  )
  SELECT h.id, h.name, h.image_url, h.instagram_handle,
         (SELECT count(DISTINCT tp.track_id) FROM public.track_producers tp
          WHERE tp.producer_id = h.id),
         (SELECT count(DISTINCT al.artist_id)
          FROM public.track_producers tp
          JOIN public.tracks t ON t.id = tp.track_id
          JOIN public.albums al ON al.id = t.album_id
          WHERE tp.producer_id = h.id),
         h.score::REAL
  FROM hits h
  ORDER BY h.score DESC, h.name;
$$;
GRANT EXECUTE ON FUNCTION public.search_producers(text,integer) TO discovery_operator, discovery_reader;

-- An artist's producers: songs credited, best and average confidence, roles and sources.
CREATE OR REPLACE FUNCTION public.get_artist_producers(p_artist_id UUID)
RETURNS TABLE(id UUID, name TEXT, image_url TEXT, tracks BIGINT, confidence NUMERIC,
              average_confidence NUMERIC, roles TEXT[], sources TEXT[])
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
  SELECT p.id, p.name, p.image_url,
         count(DISTINCT tp.track_id),
         round(max(tp.confidence), 2),
         round(avg(tp.confidence), 2),
         (SELECT array_agg(DISTINCT r ORDER BY r)
          FROM public.track_producers tp2
          JOIN public.tracks t2 ON t2.id = tp2.track_id
          JOIN public.albums al2 ON al2.id = t2.album_id,
          unnest(tp2.roles) AS r
          WHERE tp2.producer_id = p.id AND al2.artist_id = p_artist_id),
         (SELECT array_agg(DISTINCT s ORDER BY s)
          FROM public.track_producers tp2
          JOIN public.tracks t2 ON t2.id = tp2.track_id
          JOIN public.albums al2 ON al2.id = t2.album_id,
          unnest(string_to_array(tp2.source, '+')) AS s
          WHERE tp2.producer_id = p.id AND al2.artist_id = p_artist_id)
  FROM public.albums al
  JOIN public.tracks t ON t.album_id = al.id
  JOIN public.track_producers tp ON tp.track_id = t.id
  JOIN public.producers p ON p.id = tp.producer_id
  WHERE al.artist_id = p_artist_id
  GROUP BY p.id
  ORDER BY count(DISTINCT tp.track_id) DESC, max(tp.confidence) DESC, p.name;
$$;
GRANT EXECUTE ON FUNCTION public.get_artist_producers(uuid) TO discovery_operator, discovery_reader;

-- What the evidence of one credit says, shown beside it: the role qualifier (co, additional,
-- executive, vocal…; NULL for a plain producer) of the production role most sources give,
-- how many independent sources assert a production role (`confirmed_by`) and which
-- (`sources`; the credit's own `source` when no evidence row was kept), and what the other
-- sources say instead (`disagreements`: a source that names another production role, or
-- only a role that is not production, such as writer).
CREATE OR REPLACE FUNCTION public.get_credit_evidence(p_track_id UUID, p_producer_id UUID,
                                                      p_source TEXT)
RETURNS JSONB
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
  WITH e AS (
    SELECT ev.source, ev.role, ev.role_label, ev.role LIKE '%producer' AS production
    FROM public.track_producer_evidence ev
    WHERE ev.track_id = p_track_id AND ev.producer_id = p_producer_id
  ), main AS (
    SELECT e.role FROM e WHERE e.production
    GROUP BY e.role
    ORDER BY count(DISTINCT e.source) DESC,
             array_position(ARRAY['producer', 'co-producer', 'additional producer',
                                  'assistant producer', 'associate producer', 'vocal producer',
                                  'executive producer'], e.role) NULLS LAST, e.role
    LIMIT 1
  ), asserting AS (
    SELECT COALESCE(
             (SELECT array_agg(DISTINCT e.source ORDER BY e.source) FROM e WHERE e.production),
             string_to_array(NULLIF(p_source, ''), '+'), '{}'::TEXT[]) AS sources
  )
  SELECT jsonb_build_object(
    'role_qualifier', NULLIF(regexp_replace((SELECT m.role FROM main m), '-?\s*producer$', ''), ''),
    'confirmed_by', (SELECT cardinality(a.sources) FROM asserting a),
    'sources', (SELECT to_jsonb(a.sources) FROM asserting a),
    'disagreements', COALESCE((
      SELECT jsonb_agg(jsonb_build_object('source', e.source, 'says', e.role,
                                          'label', e.role_label)
                       ORDER BY e.source, e.role)
      FROM e
      WHERE e.role IS DISTINCT FROM (SELECT m.role FROM main m)
        AND NOT EXISTS (SELECT 1 FROM e same
                        WHERE same.source = e.source AND same.role = (SELECT m.role FROM main m))
        AND (e.production OR NOT EXISTS (SELECT 1 FROM e other
                                         WHERE other.source = e.source AND other.production))),
      '[]'::JSONB));
$$;
GRANT EXECUTE ON FUNCTION public.get_credit_evidence(uuid,uuid,text) TO discovery_operator, discovery_reader;

-- One artist as a document: its albums (newest first) with their tracks and who produced
-- each, and its producers. NULL when there is no such artist. A song's credits live on its
-- representative (the edition it was identified from); every other edition of the song (the
-- album version, a remaster, the single) shows them too, marked "credited_via": "song" with
-- the edition they were identified on ("identified_on": track id); the representative itself,
-- or a track linked to no song, says "credited_via": "track".
CREATE OR REPLACE FUNCTION public.get_artist(p_artist_id UUID)
RETURNS JSONB
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
  SELECT jsonb_build_object(
    'id', a.id, 'name', a.name, 'image_url', a.image_url, 'spotify_id', a.spotify_id,
    'genres', COALESCE(a.metadata -> 'genres', '[]'::JSONB),
    'albums', COALESCE((
      SELECT jsonb_agg(jsonb_build_object(
               'id', al.id, 'name', al.name, 'release_date', al.release_date,
               'cover_url', al.cover_url, 'album_type', al.metadata ->> 'album_type',
               'tracks', COALESCE((
                 SELECT jsonb_agg(jsonb_build_object(
                          'id', t.id, 'name', t.name,
                          'track_number', (t.metadata ->> 'track_number')::INTEGER,
                          'credited_via', CASE WHEN credited.track_id = t.id THEN 'track'
                                               ELSE 'song' END,
                          'identified_on', credited.track_id,
                          'producers', COALESCE((
                            SELECT jsonb_agg(jsonb_build_object(
                                     'id', p.id, 'name', p.name,
                                     'confidence', round(tp.confidence, 2),
                                     'roles', tp.roles, 'source', tp.source)
                                   || public.get_credit_evidence(tp.track_id, tp.producer_id,
                                                                 tp.source)
                                   ORDER BY tp.confidence DESC, p.name)
                            FROM public.track_producers tp
                            JOIN public.producers p ON p.id = tp.producer_id
                            WHERE tp.track_id = credited.track_id), '[]'::JSONB))
                        ORDER BY (t.metadata ->> 'disc_number')::INTEGER NULLS LAST,
                                 (t.metadata ->> 'track_number')::INTEGER NULLS LAST, t.name)
                 FROM public.tracks t
                 LEFT JOIN public.normalized_tracks nt ON nt.id = t.normalized_track_id
                 CROSS JOIN LATERAL (
                   SELECT COALESCE(nt.representative_track_id, t.id) AS track_id) credited
                 WHERE t.album_id = al.id), '[]'::JSONB))
             ORDER BY al.release_date DESC NULLS LAST, al.name)
      FROM public.albums al WHERE al.artist_id = a.id), '[]'::JSONB),
    'producers', COALESCE((
      SELECT jsonb_agg(to_jsonb(ap)) FROM public.get_artist_producers(a.id) ap), '[]'::JSONB))
  FROM public.artists a
  WHERE a.id = p_artist_id;
$$;
GRANT EXECUTE ON FUNCTION public.get_artist(uuid) TO discovery_operator, discovery_reader;

-- Every credit of a producer: the track, its album and artist, the fused roles, sources and
-- confidence, and the evidence (one entry per source that credited it).
CREATE OR REPLACE FUNCTION public.get_producer_credits(p_producer_id UUID)
RETURNS TABLE(track_id UUID, track TEXT, album_id UUID, album TEXT, release_date DATE,
              artist_id UUID, artist TEXT, roles TEXT[], sources TEXT[], confidence NUMERIC,
              evidence JSONB)
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
  SELECT t.id, t.name, al.id, al.name, al.release_date, ar.id, ar.name, tp.roles,
         string_to_array(tp.source, '+'), round(tp.confidence, 2),
         COALESCE((SELECT jsonb_agg(jsonb_build_object(
                            'source', e.source, 'source_id', e.source_id, 'role', e.role,
                            'role_label', e.role_label, 'attributes', e.attributes,
                            'confidence', round(e.confidence, 2))
                          ORDER BY e.confidence DESC, e.source)
                   FROM public.track_producer_evidence e
                   WHERE e.track_id = tp.track_id AND e.producer_id = tp.producer_id),
                  '[]'::JSONB)
  FROM public.track_producers tp
  JOIN public.tracks t ON t.id = tp.track_id
  JOIN public.albums al ON al.id = t.album_id
  JOIN public.artists ar ON ar.id = al.artist_id
  WHERE tp.producer_id = p_producer_id
  ORDER BY ar.name, al.release_date DESC NULLS LAST, al.name,
           (t.metadata ->> 'disc_number')::INTEGER NULLS LAST,
           (t.metadata ->> 'track_number')::INTEGER NULLS LAST, t.name;
$$;
GRANT EXECUTE ON FUNCTION public.get_producer_credits(uuid) TO discovery_operator, discovery_reader;

-- Who a producer worked with: the producers credited on the same tracks and the artists of
-- the tracks, with how many tracks they share.
CREATE OR REPLACE FUNCTION public.get_producer_collaborations(p_producer_id UUID)
RETURNS TABLE(kind TEXT, id UUID, name TEXT, shared_tracks BIGINT)
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
  (SELECT 'producer'::TEXT, p.id, p.name, count(DISTINCT other.track_id)
   FROM public.track_producers mine
   JOIN public.track_producers other
     ON other.track_id = mine.track_id AND other.producer_id <> mine.producer_id
   JOIN public.producers p ON p.id = other.producer_id
   WHERE mine.producer_id = p_producer_id
   GROUP BY p.id
   ORDER BY count(DISTINCT other.track_id) DESC, p.name)
  UNION ALL
  (SELECT 'artist'::TEXT, ar.id, ar.name, count(DISTINCT mine.track_id)
   FROM public.track_producers mine
   JOIN public.tracks t ON t.id = mine.track_id
   JOIN public.albums al ON al.id = t.album_id
   JOIN public.artists ar ON ar.id = al.artist_id
   WHERE mine.producer_id = p_producer_id
   GROUP BY ar.id
   ORDER BY count(DISTINCT mine.track_id) DESC, ar.name);
$$;
GRANT EXECUTE ON FUNCTION public.get_producer_collaborations(uuid) TO discovery_operator, discovery_reader;

-- True when a text holds an e-mail address or a mailto: link (they are contact details,
-- only for operators).
CREATE OR REPLACE FUNCTION public.mentions_email_address(p_text TEXT)
RETURNS BOOLEAN
LANGUAGE sql
IMMUTABLE
SET search_path = pg_catalog, public, pg_temp
AS $$
  SELECT COALESCE(p_text ~* '(mailto:|[a-z0-9._%+-]@([a-z0-9-]+\.)+[a-z]{2,})', FALSE);
$$;

-- The allow-list of what visitors see of metadata.social: handles as handles, the profile
-- links and the website only as http(s) links; nothing that holds an e-mail address.
CREATE OR REPLACE FUNCTION public.is_public_social_link(p_field TEXT, p_value TEXT)
RETURNS BOOLEAN
LANGUAGE sql
IMMUTABLE
SET search_path = pg_catalog, public, pg_temp
AS $$
  SELECT COALESCE(
    NOT public.mentions_email_address(p_value)
    AND CASE
      WHEN p_field IN ('instagram_handle', 'twitter_handle', 'twitter', 'tiktok_handle')
        THEN p_value ~ '^@?[A-Za-z0-9._]{1,30}$'
      WHEN p_field IN ('facebook', 'tiktok')
        THEN p_value ~ '^[A-Za-z0-9._-]{1,100}$' OR p_value ~* '^https?://[^[:space:]"<>]+$'
      WHEN p_field IN ('website', 'soundcloud', 'youtube', 'bandcamp')
        THEN p_value ~* '^https?://[^[:space:]"<>]+$'
      ELSE FALSE
    END, FALSE);
$$;

-- One producer as a document, without contact details: aliases, public social links (only
-- the allowed fields of metadata.social, each an http(s) link or a handle, never one that
-- holds an e-mail address), credits and collaborators. NULL when unknown.
CREATE OR REPLACE FUNCTION public.get_producer(p_producer_id UUID)
RETURNS JSONB
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
  SELECT jsonb_build_object(
    'id', p.id, 'name', p.name, 'image_url', p.image_url,
    'instagram_handle', p.instagram_handle,
    'aliases', COALESCE((
      SELECT jsonb_agg(a.value ORDER BY a.position)
      FROM jsonb_array_elements_text(
             CASE WHEN jsonb_typeof(p.metadata -> 'social' -> 'aliases') = 'array'
                  THEN p.metadata -> 'social' -> 'aliases' ELSE '[]'::JSONB END)
             WITH ORDINALITY AS a(value, position)
      WHERE NOT public.mentions_email_address(a.value)), '[]'::JSONB),
    'socials', COALESCE((
      SELECT jsonb_object_agg(s.key, s.value ->> 'value')
      FROM jsonb_each(CASE WHEN jsonb_typeof(p.metadata -> 'social') = 'object'
                           THEN p.metadata -> 'social' ELSE '{}'::JSONB END) s
      WHERE jsonb_typeof(s.value) = 'object' AND jsonb_typeof(s.value -> 'value') = 'string'
        AND public.is_public_social_link(s.key, s.value ->> 'value')), '{}'::JSONB),
    'source_ids', COALESCE((
      SELECT jsonb_object_agg(ids.source, ids.source_ids)
      FROM (SELECT si.source, jsonb_agg(si.source_id ORDER BY si.source_id) AS source_ids
            FROM public.producer_source_ids si WHERE si.producer_id = p.id
            GROUP BY si.source) ids), '{}'::JSONB),
    'enriched_at', p.enriched_at,
    'credits', COALESCE((
      SELECT jsonb_agg(to_jsonb(c)
                       || public.get_credit_evidence(c.track_id, p.id, array_to_string(c.sources, '+')))
      FROM public.get_producer_credits(p.id) c), '[]'::JSONB),
    'collaborators', COALESCE((
      SELECT jsonb_agg(to_jsonb(c)) FROM public.get_producer_collaborations(p.id) c),
      '[]'::JSONB))
  FROM public.producers p
  WHERE p.id = p_producer_id;
$$;
GRANT EXECUTE ON FUNCTION public.get_producer(uuid) TO discovery_operator, discovery_reader;

-- A producer's contact details, only for operators: the e-mail, the Instagram bio, every
-- address any source showed (`emails`, from the e-mail, the bio and metadata.social, links
-- written as mailto: included) and the social values visitors do not see (`private_socials`).
CREATE OR REPLACE FUNCTION public.get_producer_contact(p_producer_id UUID)
RETURNS JSONB
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
  SELECT jsonb_build_object(
    'email', p.email, 'instagram_bio', p.instagram_bio,
    'emails', COALESCE((
      SELECT jsonb_agg(DISTINCT lower(m[1]) ORDER BY lower(m[1]))
      FROM regexp_matches(concat_ws(' ', p.email, p.instagram_bio, p.metadata -> 'social'),
                          '([a-z0-9][a-z0-9._%+-]*@(?:[a-z0-9-]+\.)+[a-z]{2,24})', 'gi') m),
      '[]'::JSONB),
    'private_socials', COALESCE((
      SELECT jsonb_object_agg(s.key, s.value ->> 'value')
      FROM jsonb_each(CASE WHEN jsonb_typeof(p.metadata -> 'social') = 'object'
                           THEN p.metadata -> 'social' ELSE '{}'::JSONB END) s
      WHERE jsonb_typeof(s.value) = 'object' AND jsonb_typeof(s.value -> 'value') = 'string'
        AND NOT public.is_public_social_link(s.key, s.value ->> 'value')), '{}'::JSONB))
  FROM public.producers p
  WHERE p.id = p_producer_id;
$$;
GRANT EXECUTE ON FUNCTION public.get_producer_contact(uuid) TO discovery_operator;

-- The leaderboard: most credited songs first, optionally only on one artist's tracks
-- (case-insensitive name). Shared by the web, `producer-discovery producers` and psql.
CREATE OR REPLACE FUNCTION public.producer_leaderboard(
  p_limit INTEGER DEFAULT NULL,
  p_artist TEXT DEFAULT NULL
)
RETURNS TABLE(id UUID, name TEXT, tracks BIGINT, artists BIGINT, artist_names TEXT,
              best_confidence NUMERIC, instagram_handle TEXT, image_url TEXT)
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
  SELECT p.id, p.name,
         count(DISTINCT tp.track_id),
         count(DISTINCT ar.id),
         string_agg(DISTINCT ar.name, ', ' ORDER BY ar.name),
         round(max(tp.confidence), 2),
         p.instagram_handle,
         p.image_url
  FROM public.producers p
  JOIN public.track_producers tp ON tp.producer_id = p.id
  JOIN public.tracks t ON t.id = tp.track_id
  JOIN public.albums al ON al.id = t.album_id
  JOIN public.artists ar ON ar.id = al.artist_id
  WHERE p_artist IS NULL OR lower(ar.name) = lower(p_artist)
  GROUP BY p.id
  ORDER BY count(DISTINCT tp.track_id) DESC, p.name
  LIMIT p_limit;
$$;
GRANT EXECUTE ON FUNCTION public.producer_leaderboard(integer,text) TO discovery_operator, discovery_reader;

-- Everything the dashboard shows everyone now, in one call: queue depths (pgmq's metrics of
-- the registered queues), processing states, how many dead letters (in all and per queue),
-- worker issue statistics (counts only: bodies and messages are the operator's, in
-- get_pipeline_details()), the last
-- 15 minutes' throughput, the catalogue's size with how many track editions were folded into
-- one song (deduplication), the sources' outages (get_source_gaps(): songs waiting for a
-- source, gaps pending per source) and get_system_health().
CREATE OR REPLACE FUNCTION public.get_pipeline_overview()
RETURNS JSONB
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
  SELECT jsonb_build_object(
    'queues', COALESCE((
      SELECT jsonb_agg(jsonb_build_object(
               'queue_name', m.queue_name, 'display_name', r.display_name,
               'queue_length', m.queue_length, 'queue_visible_length', m.queue_visible_length,
               'oldest_msg_age_sec', m.oldest_msg_age_sec, 'total_messages', m.total_messages)
             ORDER BY m.queue_name LIKE '%\_dlq', r.id)
      FROM pgmq.metrics_all() m
      JOIN public.queue_registry r ON r.queue_name = m.queue_name), '[]'::JSONB),
    'processing', COALESCE((
      SELECT jsonb_agg(to_jsonb(s)) FROM public.get_processing_stats() s), '[]'::JSONB),
    'dead_letter_count', (SELECT count(*) FROM public.dlq_messages),
    'dead_letters_by_queue', COALESCE((
      SELECT jsonb_object_agg(d.queue_name, d.n)
      FROM (SELECT queue_name, count(*) AS n FROM public.dlq_messages GROUP BY queue_name) d),
      '{}'::JSONB),
    'worker_issue_stats', COALESCE((
      SELECT jsonb_agg(to_jsonb(w)) FROM public.get_worker_issue_stats() w), '[]'::JSONB),
    'throughput_last_15_minutes', COALESCE((
      SELECT jsonb_agg(jsonb_build_object('queue_name', o.queue_name, 'finished', o.finished,
                                          'per_minute', round(o.finished / 15.0, 2))
             ORDER BY o.queue_name)
      FROM (SELECT p.queue_name, count(*) AS finished
            FROM idempotency.processed_operations p
            WHERE p.processed_at > now() - interval '15 minutes'
            GROUP BY p.queue_name) o), '[]'::JSONB),
    'catalogue', (
      SELECT jsonb_build_object(
        'artists', (SELECT count(*) FROM public.artists),
        'albums', (SELECT count(*) FROM public.albums),
        'tracks', (SELECT count(*) FROM public.tracks),
        'songs', (SELECT count(*) FROM public.normalized_tracks),
        'producers', (SELECT count(*) FROM public.producers),
        'credits', (SELECT count(*) FROM public.track_producers),
        'editions_folded', (SELECT count(*) FROM public.tracks)
                           - (SELECT count(*) FROM public.normalized_tracks),
        'credits_from_several_sources', (
          SELECT count(*) FROM public.track_producers WHERE source LIKE '%+%'))),
    'sources', COALESCE((
      SELECT jsonb_agg(jsonb_build_object(
               'source', g.source, 'out_since', g.out_since,
               'blocked_seconds', round(g.blocked_seconds::NUMERIC, 0),
               'songs_waiting', g.songs_waiting, 'gaps_pending', g.gaps_pending,
               'refill_due', g.refill_due) ORDER BY g.source)
      FROM public.get_source_gaps() g), '[]'::JSONB),
    'health', public.get_system_health());
$$;
GRANT EXECUTE ON FUNCTION public.get_pipeline_overview() TO discovery_operator, discovery_reader;

-- What only the operator sees on the dashboard: the dead letters (newest first, at most 100,
-- their payload without metadata, and why they failed) and the latest open worker issues
-- with their messages (which may quote a provider's refusal of a credential).
CREATE OR REPLACE FUNCTION public.get_pipeline_details()
RETURNS JSONB
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
  SELECT jsonb_build_object(
    'dead_letters', COALESCE((
      SELECT jsonb_agg(jsonb_build_object(
               'queue_name', d.queue_name, 'message_id', d.message_id,
               'source_queue', d.source_queue, 'original_msg_id', d.original_msg_id,
               'moved_to_dlq_at', d.moved_to_dlq_at, 'failure_reason', d.failure_reason,
               'message', d.full_message - '_dlq_metadata')
             ORDER BY d.moved_to_dlq_at DESC NULLS LAST, d.message_id DESC)
      FROM (SELECT * FROM public.dlq_messages
            ORDER BY moved_to_dlq_at DESC NULLS LAST, message_id DESC LIMIT 100) d),
      '[]'::JSONB),
    'open_worker_issues', COALESCE((
      SELECT jsonb_agg(jsonb_build_object(
               'worker_name', i.worker_name, 'issue_type', i.issue_type,
               'severity', i.severity, 'message', i.message, 'created_at', i.created_at)
             ORDER BY i.created_at DESC)
      FROM (SELECT * FROM monitoring.worker_issues WHERE NOT COALESCE(resolved, FALSE)
            ORDER BY created_at DESC LIMIT 20) i), '[]'::JSONB));
$$;
GRANT EXECUTE ON FUNCTION public.get_pipeline_details() TO discovery_operator;

-- Per hour over the last p_hours (the current hour included), for the dashboard's charts:
-- messages finished per stage (idempotency ledger), errors (worker issues and failed API
-- calls), API calls and their mean duration, and the latest depth of each queue the queue
-- monitor recorded in that hour. API calls come from the hourly roll-up
-- (monitoring.aggregate_hourly_metrics, run by pg_cron) for the hours it covers and from the
-- raw monitoring.pipeline_metrics after them, so the cost stays small however busy the APIs.
CREATE OR REPLACE FUNCTION public.get_pipeline_history(p_hours INTEGER DEFAULT 24)
RETURNS JSONB
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
  WITH bounds AS (
    SELECT date_trunc('hour', now()) - make_interval(hours => greatest(1, least(p_hours, 168)) - 1)
           AS since
  ), hours AS (
    SELECT generate_series((SELECT since FROM bounds), date_trunc('hour', now()),
                           interval '1 hour') AS hour
  ), rolled AS (
    SELECT COALESCE(max(a.period_start) + interval '1 hour', (SELECT since FROM bounds)) AS until
    FROM monitoring.aggregated_metrics a
    WHERE a.metric_name = 'api_call' AND a.period = 'hour'
      AND a.period_start >= (SELECT since FROM bounds)
  ), api AS (
    SELECT a.period_start AS hour, a.dimensions ->> 'api' AS api, sum(a.count_value) AS calls,
           COALESCE(sum(a.count_value) FILTER (WHERE a.dimensions ->> 'success' = 'false'), 0) AS errors,
           sum(a.sum_value) AS total_ms
    FROM monitoring.aggregated_metrics a
    WHERE a.metric_name = 'api_call' AND a.period = 'hour'
      AND a.period_start >= (SELECT since FROM bounds) AND a.period_start < (SELECT until FROM rolled)
    GROUP BY 1, 2
    UNION ALL
    SELECT date_trunc('hour', m.timestamp), m.tags ->> 'api', count(*),
           count(*) FILTER (WHERE m.tags ->> 'success' = 'false'), sum(m.metric_value)
    FROM monitoring.pipeline_metrics m
    WHERE m.metric_name = 'api_call'
      AND m.timestamp >= greatest((SELECT since FROM bounds), (SELECT until FROM rolled))
    GROUP BY 1, 2
  )
  SELECT jsonb_build_object(
    'hours', (SELECT jsonb_agg(h.hour ORDER BY h.hour) FROM hours h),
    'finished', COALESCE((
      SELECT jsonb_agg(jsonb_build_object('hour', x.hour, 'queue_name', x.queue_name, 'count', x.n)
                       ORDER BY x.hour, x.queue_name)
      FROM (SELECT date_trunc('hour', p.processed_at) AS hour, p.queue_name, count(*) AS n
            FROM idempotency.processed_operations p
            WHERE p.processed_at >= (SELECT since FROM bounds)
            GROUP BY 1, 2) x), '[]'::JSONB),
    'errors', COALESCE((
      SELECT jsonb_agg(jsonb_build_object('hour', x.hour, 'kind', x.kind, 'count', x.n)
                       ORDER BY x.hour, x.kind)
      FROM (SELECT date_trunc('hour', i.created_at) AS hour, 'worker_issue' AS kind, count(*) AS n
            FROM monitoring.worker_issues i
            WHERE i.created_at >= (SELECT since FROM bounds)
            GROUP BY 1
            UNION ALL
            SELECT api.hour, 'api_error', sum(api.errors)
            FROM api
            GROUP BY 1
            HAVING sum(api.errors) > 0) x), '[]'::JSONB),
    'api_calls', COALESCE((
      SELECT jsonb_agg(jsonb_build_object('hour', x.hour, 'api', x.api, 'count', x.calls,
                                          'avg_ms', round((x.total_ms / x.calls)::NUMERIC, 1))
                       ORDER BY x.hour, x.api)
      FROM (SELECT api.hour, api.api, sum(api.calls) AS calls, sum(api.total_ms) AS total_ms
            FROM api GROUP BY 1, 2) x), '[]'::JSONB),
    'depths', COALESCE((
      SELECT jsonb_agg(jsonb_build_object('hour', x.hour, 'queue_name', x.queue_name,
                                          'depth', x.depth)
                       ORDER BY x.hour, x.queue_name)
      FROM (SELECT DISTINCT ON (date_trunc('hour', e.created_at), e.details ->> 'queue_name')
                   date_trunc('hour', e.created_at) AS hour, e.details ->> 'queue_name' AS queue_name,
                   (e.details ->> 'totalMessagesInQueues')::BIGINT AS depth
            FROM public.monitoring_events e
            WHERE e.event_type = 'queue_monitor' AND e.created_at >= (SELECT since FROM bounds)
            ORDER BY date_trunc('hour', e.created_at), e.details ->> 'queue_name',
                     e.created_at DESC) x), '[]'::JSONB));
$$;
GRANT EXECUTE ON FUNCTION public.get_pipeline_history(integer) TO discovery_operator, discovery_reader;

-- The web app's operator sessions (migration 0110): opened at sign-in for a random id whose
-- SHA-256 (hex) is stored, valid until they expire or are revoked at sign-out. Opening one
-- also drops the expired ones.
CREATE OR REPLACE FUNCTION public.web_session_open(p_id_hash TEXT, p_seconds INTEGER)
RETURNS VOID
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
  IF p_id_hash IS NULL OR p_id_hash !~ '^[0-9a-f]{64}$' THEN
    RAISE EXCEPTION 'a session id hash is 64 hexadecimal digits' USING ERRCODE = '22023';
  END IF;
  IF p_seconds IS NULL OR p_seconds < 1 OR p_seconds > 60 * 60 * 24 * 30 THEN
    RAISE EXCEPTION 'a session lasts 1 second to 30 days' USING ERRCODE = '22023';
  END IF;
  DELETE FROM public.web_sessions WHERE expires_at < now();
  INSERT INTO public.web_sessions (id_hash, expires_at)
  VALUES (p_id_hash, now() + make_interval(secs => p_seconds));
END;
$$;
GRANT EXECUTE ON FUNCTION public.web_session_open(text,integer) TO discovery_operator;

CREATE OR REPLACE FUNCTION public.web_session_valid(p_id_hash TEXT)
RETURNS BOOLEAN
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
  SELECT EXISTS (SELECT 1 FROM public.web_sessions s
                 WHERE s.id_hash = p_id_hash AND s.expires_at > now());
$$;
GRANT EXECUTE ON FUNCTION public.web_session_valid(text) TO discovery_operator;

-- Sign-out: the session stops working everywhere. True when there was one.
CREATE OR REPLACE FUNCTION public.web_session_revoke(p_id_hash TEXT)
RETURNS BOOLEAN
LANGUAGE sql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
  WITH gone AS (DELETE FROM public.web_sessions s WHERE s.id_hash = p_id_hash RETURNING 1)
  SELECT EXISTS (SELECT 1 FROM gone);
$$;
GRANT EXECUTE ON FUNCTION public.web_session_revoke(text) TO discovery_operator;
