"""The tests of redes: one folder per project, `core` for the shared modules, `pipeline` for the whole DAG."""
