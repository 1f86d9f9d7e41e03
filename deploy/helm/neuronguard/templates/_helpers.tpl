{{/*
Every object's name starts with namePrefix (default "": the names of deploy/k8s, so the default rendering equals those
manifests, deploy/helm/expected/default.yaml); set it to run several releases in one namespace (or one podman host).
*/}}
{{- define "neuronguard.secretName" -}}
{{- if .Values.auth.secret.create }}{{ .Values.namePrefix }}{{ end }}{{ .Values.auth.secret.name }}
{{- end }}

{{/* Redis endpoints: config.redis.endpoints, or the chart's own Redis Service when that list is empty. */}}
{{- define "neuronguard.redisEndpoints" -}}
{{- if .Values.config.redis.endpoints }}{{ toJson .Values.config.redis.endpoints }}{{ else }}{{ toJson (list (printf "%sredis:6379" .Values.namePrefix)) }}{{ end }}
{{- end }}
{{- define "neuronguard.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag }}
{{- end }}

{{- define "neuronguard.grpcPort" -}}
{{ splitList ":" .Values.config.listen | last }}
{{- end }}

{{- define "neuronguard.metricsPort" -}}
{{ splitList ":" .Values.config.metricsListen | last }}
{{- end }}

{{/* A token entry's hash: "sha256:" + hex SHA-256 of the trimmed token (as `neuronguard token new` and the daemon's
TokenHasher compute it) for hashFromSecret entries, else the entry's own hash. Arguments: (list $ entry). */}}
{{- define "neuronguard.tokenHash" -}}
{{- $root := index . 0 -}}{{- $t := index . 1 -}}
{{- if $t.hashFromSecret -}}
{{- if not $root.Values.auth.secret.create -}}
{{- fail (printf "auth.tokens %s: hashFromSecret needs auth.secret.create=true (the chart cannot read your Secret): give hash: sha256:... instead" $t.name) -}}
{{- end -}}
{{- $value := required (printf "auth.tokens %s: hashFromSecret names auth.secret.%s, which is not set" $t.name $t.hashFromSecret) (index $root.Values.auth.secret $t.hashFromSecret) -}}
sha256:{{ sha256sum (trim $value) }}
{{- else -}}
{{ required (printf "auth.tokens %s: give hash (sha256:...) or hashFromSecret" $t.name) $t.hash }}
{{- end -}}
{{- end }}

{{/* The daemon's neuronguard.json: standalone listens on every address, a sidecar on pod loopback. */}}
{{- define "neuronguard.config" -}}
{{- $listen := .Values.config.listen -}}
{{- if eq .Values.mode "standalone" }}{{ $listen = printf "0.0.0.0:%s" (include "neuronguard.grpcPort" .) }}{{ end -}}
{{- $ng := dict "Listen" $listen "DataDir" "/var/lib/neuronguard" -}}
{{- if .Values.config.model }}{{ $_ := set $ng "Model" .Values.config.model }}{{ end -}}
{{- $_ := set $ng "Store" (dict "Kind" "Redis" "Redis" (dict "Endpoints" (include "neuronguard.redisEndpoints" . | fromJsonArray) "KeyPrefix" .Values.config.redis.keyPrefix)) -}}
{{- $tokens := list -}}
{{- range .Values.auth.tokens }}{{ $tokens = append $tokens (dict "Name" .name "Hash" (include "neuronguard.tokenHash" (list $ .)) "Roles" .roles) }}{{ end -}}
{{- if $tokens }}{{ $_ := set $ng "Auth" (dict "Tokens" $tokens) }}{{ end -}}
{{- if .Values.tls.enabled }}
{{- $_ := set $ng "TlsCertificate" "/etc/neuronguard-tls/tls.crt" }}
{{- $_ := set $ng "TlsKey" "/etc/neuronguard-tls/tls.key" }}
{{- if .Values.tls.requireClientCertificate }}
{{- $_ := set $ng "TlsClientCa" "/etc/neuronguard-tls/ca.crt" }}
{{- $_ := set $ng "TlsRequireClientCertificate" true }}
{{- end }}
{{- end }}
{{- $_ := set $ng "Metrics" (dict "Listen" .Values.config.metricsListen) -}}
{{ dict "NeuronGuard" $ng | toPrettyJson }}
{{- end }}

{{/* The daemon container, injected beside the model server or alone. */}}
{{- define "neuronguard.container" -}}
- name: neuronguard
  image: {{ include "neuronguard.image" . }}
  imagePullPolicy: {{ .Values.image.pullPolicy }}
  args: ["serve", "--config", "/etc/neuronguard/neuronguard.json"]
  {{- if and .Values.auth.builtinHostTokenFromSecret (ne .Values.config.model "none") }}
  env:
    - name: NEURONGUARD__BUILTINHOSTTOKEN
      valueFrom: {secretKeyRef: {name: {{ include "neuronguard.secretName" . }}, key: ingest-token}}
  {{- end }}
  ports:
    {{- if eq .Values.mode "standalone" }}
    - {name: grpc, containerPort: {{ include "neuronguard.grpcPort" . }}}
    {{- end }}
    - {name: metrics, containerPort: {{ include "neuronguard.metricsPort" . }}}
  {{- /* gRPC probes dial the pod IP, not loopback: exec `neuronguard health` in the pod, HTTP on the metrics port.
  With TLS the health command would need a certificate the listener accepts: the metrics port's /readyz instead. */}}
  startupProbe:
    {{- if .Values.tls.enabled }}
    httpGet: {path: /readyz, port: metrics}
    {{- else }}
    exec: {command: ["/opt/neuronguard/neuronguard", "health", "--target", "127.0.0.1:{{ include "neuronguard.grpcPort" . }}", "--timeout", "2"]}
    {{- end }}
    periodSeconds: 2
    failureThreshold: 60
  readinessProbe:
    httpGet: {path: /readyz, port: metrics}
    periodSeconds: 5
  livenessProbe:
    httpGet: {path: /healthz, port: metrics}
    periodSeconds: 10
    failureThreshold: 3
  resources:
    {{- toYaml .Values.resources | nindent 4 }}
  securityContext:
    allowPrivilegeEscalation: false
    readOnlyRootFilesystem: true
    capabilities: {drop: [ALL]}
  volumeMounts:
    - {name: config, mountPath: /etc/neuronguard, readOnly: true}
    - {name: data, mountPath: /var/lib/neuronguard}
    - {name: tmp, mountPath: /tmp}
    {{- if .Values.tls.enabled }}
    - {name: tls, mountPath: /etc/neuronguard-tls, readOnly: true}
    {{- end }}
{{- end }}

{{- define "neuronguard.volumes" -}}
- name: config
  configMap: {name: {{ .Values.namePrefix }}neuronguard-config}
- name: data
  emptyDir: {}
- name: tmp
  emptyDir: {}
{{- if .Values.tls.enabled }}
- name: tls
  secret: {secretName: {{ .Values.tls.secretName }}}
{{- end }}
{{- end }}

{{- define "neuronguard.podAnnotations" -}}
{{- if .Values.prometheusScrape -}}
# Prometheus' kubernetes_sd_configs (role: pod) keeps pods with these; no ServiceMonitor needed.
prometheus.io/scrape: "true"
prometheus.io/port: "{{ include "neuronguard.metricsPort" . }}"
prometheus.io/path: /metrics
{{- end }}
{{- end }}
