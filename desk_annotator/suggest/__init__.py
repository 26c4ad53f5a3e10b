"""Model suggestions: engines that propose codings as a reserved model coder."""
