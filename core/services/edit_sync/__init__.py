"""What an edited or deleted post does to its draft or product: diffs, conflicts, the change log."""
