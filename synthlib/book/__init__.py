"""Execute notebooks and build the Jupyter Book."""
