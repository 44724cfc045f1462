"""A plugin module that cannot be imported: the kit must show this error, not its own."""

from oar_conformance_samples import this_module_does_not_exist  # noqa: F401


def find(itvs_avail, hy_res_rqts, hy, beginning):  # pragma: no cover - never importable
    return itvs_avail
