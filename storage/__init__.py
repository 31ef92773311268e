"""Storage: the engine and sessions, the typed models, and the migrations that build them."""
