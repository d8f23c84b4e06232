"""Fabricated CA DOJ research-file extracts: see `extract.generate_extract` and `cli.app`."""
