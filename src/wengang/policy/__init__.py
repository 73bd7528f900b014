"""Policy packs: data only, one folder per pack."""
