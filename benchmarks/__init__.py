"""Load and scale benchmarks (`make bench`); figures recorded in benchmarks/README.md."""
