"""The rules engine: dated parameters, criteria as Ibis expressions, runs and explanations."""
