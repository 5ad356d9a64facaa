"""The analysis: pure functions turning the six layers into coverage, gaps, matrices and scores."""
