-- pgmq.read with each message's body as text, so that the runtime decodes each message alone
-- with bounds (db/decode.py) instead of psycopg decoding the whole batch at once.
SELECT msg_id, read_ct, enqueued_at, last_read_at, vt, message::text AS message, headers::text AS headers
FROM pgmq.read(queue_name => %(queue)s::text, vt => %(vt)s::integer, qty => %(quantity)s::integer)
