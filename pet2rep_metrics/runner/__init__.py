"""Generation support: prompts and templates (the generation runner itself is not built yet)."""
