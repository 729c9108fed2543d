"""The shared PostgreSQL + PostGIS platform of Art. 24: store, accounts by level, history."""
