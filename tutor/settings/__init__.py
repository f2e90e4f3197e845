"""Settings split: base (shared), local (embedded demo defaults), production (environment), test (PostgreSQL + Redis)."""
