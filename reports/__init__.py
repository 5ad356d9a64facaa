"""The briefing report officials hand in: a Word document with maps, tables and summaries."""
