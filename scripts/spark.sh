#!/usr/bin/env bash
# The local Spark for the engine tests and single-machine runs (dbt target `spark`): pyspark
# comes with the dev extra (dbt-spark[session]); it needs a Java runtime, which this installs
# from Debian when missing. There is no server to start or stop: dbt runs Spark in its own
# process (method: session), with its warehouse and Derby metastore under CLEANSLATE_SPARK_DIR.
#
#   scripts/spark.sh check   Java (installing openjdk-17-jre-headless if missing) and pyspark
#   scripts/spark.sh env     print the variables for a throwaway Spark directory (eval them)
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
PYTHON="${PYTHON:-$HERE/../.venv/bin/python}"

check() {
    if ! command -v java >/dev/null 2>&1; then
        echo "spark.sh: installing a Java runtime (apt-get install openjdk-17-jre-headless)" >&2
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq >&2
        apt-get install -y -qq openjdk-17-jre-headless >&2
    fi
    java -version 2>&1 | head -n 1 >&2
    "$PYTHON" -c "import pyspark; print('pyspark', pyspark.__version__)" >&2
}

case "${1:-}" in
    check) check ;;
    env)
        echo "export DBT_TARGET=spark"
        echo "export CLEANSLATE_SPARK_DIR=${CLEANSLATE_SPARK_DIR:-${TMPDIR:-/tmp}/cleanslate-spark}"
        ;;
    *) echo "usage: $0 check|env" >&2; exit 2 ;;
esac
