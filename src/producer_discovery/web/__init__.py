"""The web app: search, artists, producers, the pipeline dashboard and the JSON API."""
