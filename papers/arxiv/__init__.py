"""arXiv as a source of many papers at once: the record every arXiv path produces and the one upsert that stores it."""
