"""Start strategies: random, spectral, warm, and the default cold start (lift)."""
