"""`novactl perf`: benchmark results in (results), into and out of InfluxDB (influx), and a run
against its baseline (compare)."""
