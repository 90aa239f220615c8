# hv: filled in by its owner
