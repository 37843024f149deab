"""The replication's training sets: the released rounds, equal sizes, and disjoint IMDb slices."""

from synthlib.methods.s3.replication import ReplicationSettings, beside_paper, conditions, released_rows


def test_released_rounds_and_equal_size_conditions(use_mirror):
    imdb = released_rows("imdb")
    assert len(imdb) == 3291 + 2882 and {r["round"] for r in imdb} == {1, 2}
    assert len(released_rows("rte")) == 883 + 639 and len(released_rows("rte_pkl")) == 873 + 639
    settings = ReplicationSettings(max_train_rows=300, test_rows=200)
    train, test = conditions("rte", settings, seed=0)
    assert set(train) == {"released EES rounds (json)", "released EES rounds (pkl)", "gold"}
    assert {len(rows) for rows in train.values()} == {300} and len(test) == 277
    train, test = conditions("imdb", settings, seed=0)
    assert {len(rows) for rows in train.values()} == {300} and len(test) == 200
    assert not {r["text"] for r in train["gold"]} & {r["text"] for r in test}  # disjoint IMDb slices
    table = beside_paper([{"task": "rte", "condition": "gold", "train_rows": 300, "accuracy": 60.0}])
    assert table.loc[0, "paper (MiniLM): accuracy"] == 71.50
