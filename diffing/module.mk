# diffing: filled in by its owner
