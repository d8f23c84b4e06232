#!/bin/sh
# Container entrypoint (Dockerfile). The first argument picks what runs:
#   serve          webserver + daemon, supervised (a single-host deployment)
#   webserver      the Dagster UI on $CLEANSLATE_HOST:3000
#   daemon         sensors, schedules, the run queue, run retries
#   code-server    the code location on :4000 (a workspace.yaml `grpc_server` entry)
#   anything else  run as given: the Helm chart starts `dagster api grpc -m ...`, the Kubernetes
#                  run launcher `dagster api execute_run ...`
set -e
mode="${1:-serve}"
[ "$#" -gt 0 ] && shift
case "$mode" in
  serve) exec python -m orchestration.service.serve all "$@" ;;
  webserver | daemon | code-server) exec python -m orchestration.service.serve "$mode" "$@" ;;
  *) exec "$mode" "$@" ;;
esac
