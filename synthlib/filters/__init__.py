"""Filters for teacher-written samples, each counting why it rejected what it rejected.

Every filter has ``apply(samples) -> (kept, FilterReport)``; :class:`FilterPipeline` chains them and
merges the reports into the tables the papers print (CRAFT Tables 5-9). Samples are dicts (or plain
strings); a filter reads the text of the ``fields`` it is given. Heavy libraries (rapidfuzz, scipy,
scikit-learn) load inside the filters that use them.
"""

from synthlib.filters.base import FilterPipeline, FilterReport, PipelineReport, sample_text
from synthlib.filters.basic import ExactDedup, LengthFilter
from synthlib.filters.decontaminate import NgramDecontaminator
from synthlib.filters.diversify import Diversify
from synthlib.filters.fuzzy import FuzzyDedup, similar_pairs
from synthlib.filters.schema import SchemaFilter

__all__ = ["Diversify", "ExactDedup", "FilterPipeline", "FilterReport", "FuzzyDedup", "LengthFilter",
           "NgramDecontaminator", "PipelineReport", "SchemaFilter", "sample_text", "similar_pairs"]
