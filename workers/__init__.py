"""The pipeline, one module per stage, in order. Each exposes `build(resources) -> Stage`;
`producer_discovery.runtime.supervisor.STAGES` names them (looked up by name, so no import points back).

    artist_discovery         Spotify search + artist        → artists   → album_discovery
    album_discovery          artist albums, pages of 10     → albums    → track_discovery
    track_discovery          album + its tracks             → tracks, normalized_tracks → producer_identification
    producer_identification  Genius + MusicBrainz + Discogs + titles → producers, credits → social_enrichment
    social_enrichment        public profiles                → producers
"""
