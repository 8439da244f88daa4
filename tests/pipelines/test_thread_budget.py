"""Each Ray worker sizes its libraries' thread pools to its CPU share."""

from spatialqa.pipelines.build import THREAD_VARIABLES, thread_budget


def test_every_pool_gets_the_share(monkeypatch):
    for name in THREAD_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    assert thread_budget(1) == {name: "1" for name in THREAD_VARIABLES}
    assert thread_budget(3)["LP_NUM_THREADS"] == "3"
    assert set(THREAD_VARIABLES) >= {"OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "LP_NUM_THREADS"}


def test_a_variable_the_user_exported_is_kept(monkeypatch):
    monkeypatch.setenv("LP_NUM_THREADS", "7")
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    budget = thread_budget(1)
    assert budget["LP_NUM_THREADS"] == "7"
    assert budget["OMP_NUM_THREADS"] == "1"
