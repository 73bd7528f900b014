"""Documents a person prints: PDF notices (the renderer; their words come from the caller)."""
