"""Documents: document requests and transcripts with verification links."""
