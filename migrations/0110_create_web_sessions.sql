-- The web app's operator sessions, kept on the server so that signing out revokes a session
-- everywhere (a copied pd_session cookie stops working) and survives restarts and several
-- processes. The cookie carries a random session id; only its SHA-256 is stored. Nobody
-- reads the table directly: the web_session_* functions (definitions/80_web.sql), granted to
-- discovery_operator, open, check and revoke sessions.
CREATE TABLE public.web_sessions (
    id_hash TEXT PRIMARY KEY CHECK (id_hash ~ '^[0-9a-f]{64}$'),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX web_sessions_expires_idx ON public.web_sessions (expires_at);
REVOKE ALL ON public.web_sessions FROM PUBLIC;
