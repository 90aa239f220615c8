# reports: filled in by its owner
