"""Diversity subsampling, SoftSRV's recipe: TF-IDF -> SVD(100) -> MiniBatch k-means -> round robin."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

from synthlib.filters.base import FilterReport, Sample, sample_text


@dataclass
class Diversify:
    """Keep ``target`` samples spread over ``n_clusters`` clusters of their TF-IDF/SVD embeddings.

    Clusters are visited round robin, taking each time the cluster's next sample closest to its
    centroid, until ``target`` samples are kept (one per cluster while clusters last, the default
    ``n_clusters = target`` gives exactly one per cluster). Kept samples stay in input order.
    """

    target: int
    n_clusters: int | None = None
    svd_dims: int = 100
    seed: int = 0
    fields: tuple[str, ...] | None = ("text",)
    name: str = "diversify"

    def select(self, texts: list[str]) -> np.ndarray:
        """Indices of the kept texts, sorted."""
        from sklearn.cluster import MiniBatchKMeans
        from sklearn.decomposition import TruncatedSVD
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.preprocessing import normalize

        n = len(texts)
        if n <= self.target:
            return np.arange(n)
        features = TfidfVectorizer(sublinear_tf=True).fit_transform(texts)
        dims = min(self.svd_dims, features.shape[1] - 1, n - 1)
        points = TruncatedSVD(dims, random_state=self.seed).fit_transform(features) if dims >= 2 else features.toarray()
        points = normalize(points)
        k = min(self.n_clusters or self.target, n)
        kmeans = MiniBatchKMeans(n_clusters=k, random_state=self.seed, n_init=3, batch_size=2048).fit(points)
        distance = np.linalg.norm(points - kmeans.cluster_centers_[kmeans.labels_], axis=1)
        queues = [list(members[np.argsort(distance[members], kind="stable")])
                  for members in (np.flatnonzero(kmeans.labels_ == c) for c in range(k)) if len(members)]
        chosen: list[int] = []
        depth = 0
        while len(chosen) < self.target:
            for queue in queues:
                if depth < len(queue) and len(chosen) < self.target:
                    chosen.append(int(queue[depth]))
            depth += 1
        return np.sort(np.asarray(chosen))

    def apply(self, samples: list[Sample]) -> tuple[list[Sample], FilterReport]:
        """Reason ``diversity_subsampled`` for every sample not selected."""
        if self.target < 1:
            raise ValueError(f"target must be >= 1, got {self.target}")
        keep = self.select([sample_text(s, self.fields) for s in samples])
        kept = [samples[i] for i in keep]
        reasons = Counter({"diversity_subsampled": len(samples) - len(kept)})
        return kept, FilterReport(self.name, len(samples), len(kept), +reasons)
