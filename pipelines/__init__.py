"""Builds: configs, sharding on Ray, Parquet, manifests, the command line."""
