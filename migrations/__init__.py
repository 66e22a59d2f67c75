"""The database's migrations, shipped in the wheel as package data (this file only makes the
folder an importable package, so `importlib.resources` finds the SQL in a checkout and in an
installed wheel alike). See `producer_discovery.db.migrate` for how they are applied."""
