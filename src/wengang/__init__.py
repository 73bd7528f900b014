"""wengang: 稳岗返还免申即享 — subsidies delivered without application."""
