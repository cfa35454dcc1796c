# tests/: unit tests, fuzz targets, scripts, benchmarks of the foundation.
