"""The project's own prompt templates, one module per method (plain ``str.format`` templates)."""
