"""Development tooling for botanalytics-lambda. Never shipped in the layer."""
