"""The starter corpus: synthesised and recorded clips with captions and ground truth."""
