"""The metric suite shared by the five methods.

Each submodule holds one family; import from them directly (``from synthlib.metrics.qa import
squad_f1``). Nothing heavy is imported here.
"""
