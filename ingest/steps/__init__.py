"""Pure transform steps, each doing one thing; the pipeline strings them together."""
