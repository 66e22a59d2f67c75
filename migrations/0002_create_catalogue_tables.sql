-- The catalogue: artists → albums → tracks, one normalized row per song, producers and credits.
-- Spotify's development mode no longer returns popularity, followers, genres or preview URLs,
-- so those columns are (and must stay) nullable.

CREATE TABLE public.artists (
    id UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
    name TEXT NOT NULL,
    spotify_id TEXT UNIQUE,
    followers INTEGER,
    popularity INTEGER,
    image_url TEXT,
    metadata JSONB,
    created_at TIMESTAMPTZ DEFAULT NOW(),
    updated_at TIMESTAMPTZ DEFAULT NOW()
);
CREATE INDEX artists_genres_idx ON public.artists USING gin ((metadata -> 'genres'));

CREATE TABLE public.albums (
    id UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
    artist_id UUID NOT NULL REFERENCES artists(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    spotify_id TEXT UNIQUE,
    release_date DATE,
    cover_url TEXT,
    metadata JSONB,
    created_at TIMESTAMPTZ DEFAULT NOW(),
    updated_at TIMESTAMPTZ DEFAULT NOW()
);
CREATE INDEX albums_artist_id_idx ON public.albums (artist_id);

CREATE TABLE public.tracks (
    id UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
    album_id UUID NOT NULL REFERENCES albums(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    spotify_id TEXT UNIQUE,
    duration_ms INTEGER,
    popularity INTEGER,
    spotify_preview_url TEXT,
    metadata JSONB,
    created_at TIMESTAMPTZ DEFAULT NOW(),
    updated_at TIMESTAMPTZ DEFAULT NOW()
);
CREATE INDEX tracks_album_id_idx ON public.tracks (album_id);

CREATE TABLE public.normalized_tracks (
    id UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
    artist_id UUID NOT NULL REFERENCES artists(id) ON DELETE CASCADE,
    normalized_name TEXT NOT NULL,
    representative_track_id UUID REFERENCES tracks(id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ DEFAULT NOW(),
    updated_at TIMESTAMPTZ DEFAULT NOW(),
    UNIQUE(artist_id, normalized_name)
);
CREATE INDEX normalized_tracks_representative_idx ON public.normalized_tracks (representative_track_id);

CREATE TABLE public.producers (
    id UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
    name TEXT NOT NULL,
    normalized_name TEXT NOT NULL UNIQUE,
    email TEXT,
    image_url TEXT,
    instagram_handle TEXT,
    instagram_bio TEXT,
    metadata JSONB,
    enriched_at TIMESTAMPTZ,
    enrichment_failed BOOLEAN DEFAULT FALSE,
    created_at TIMESTAMPTZ DEFAULT NOW(),
    updated_at TIMESTAMPTZ DEFAULT NOW()
);

CREATE TABLE public.track_producers (
    id UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
    track_id UUID NOT NULL REFERENCES tracks(id) ON DELETE CASCADE,
    producer_id UUID NOT NULL REFERENCES producers(id) ON DELETE CASCADE,
    confidence NUMERIC NOT NULL,
    source TEXT NOT NULL,
    created_at TIMESTAMPTZ DEFAULT NOW(),
    UNIQUE(track_id, producer_id)
);
CREATE INDEX track_producers_producer_id_idx ON public.track_producers (producer_id);
