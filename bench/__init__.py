"""Benchmarks, run on demand (`make bench`), never by the tests. Each reports ratios against a
baseline measured in the same run, and the AWS requests a unit of work costs."""
