"""Build-time tools: training data from content/, training, and the held-out evaluation."""
