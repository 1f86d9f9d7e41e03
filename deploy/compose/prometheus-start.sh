#!/bin/sh
# Entry point of the compose stack's Prometheus: writes the scrape job name and the verdict-latency budget into its
# copies of prometheus.yml and alerts.yml (Prometheus expands no variables in either), then runs Prometheus.
# usage: prometheus-start.sh JOB LATENCY_BUDGET_SECONDS PROMETHEUS-ARGS...   (compose.yml passes NEURONGUARD_JOB and
# NEURONGUARD_LATENCY_BUDGET; the rendered files land in /run/prometheus, a tmpfs, and --config.file points there).
set -eu
job=$1
budget=$2
shift 2
case $job in *[!A-Za-z0-9_.:-]*|'') echo "prometheus-start: job name '$job' must be letters, digits, _ . : -" >&2; exit 2 ;; esac
case $budget in *[!0-9.eE+-]*|'') echo "prometheus-start: latency budget '$budget' must be a number of seconds" >&2; exit 2 ;; esac
mkdir -p /run/prometheus
sed "s/job_name: neuronguard\$/job_name: $job/" /etc/prometheus/prometheus.yml >/run/prometheus/prometheus.yml
sed -e "s/job=\"neuronguard\"/job=\"$job\"/g" -e "s/expr: vector(0.025)\$/expr: vector($budget)/" /etc/prometheus/alerts.yml >/run/prometheus/alerts.yml
exec prometheus "$@"
