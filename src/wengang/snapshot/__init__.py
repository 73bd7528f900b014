"""DATA.md made real: schemas, readers, validation, quarantine and the synthetic-city generator."""
