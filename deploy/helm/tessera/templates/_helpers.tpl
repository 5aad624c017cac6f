{{/* Names and labels ------------------------------------------------------------------------ */}}

{{- define "tessera.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Leaves room for the longest suffix (-create-topics) within the 63 characters of a name. */}}
{{- define "tessera.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 48 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 48 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 48 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "tessera.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "tessera.selectorLabels" -}}
app.kubernetes.io/name: {{ include "tessera.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "tessera.labels" -}}
helm.sh/chart: {{ include "tessera.chart" . }}
{{ include "tessera.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: tessera
{{- end }}

{{- define "tessera.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "tessera.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "tessera.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/* Settings -------------------------------------------------------------------------------- */}}

{{/*
The settings that may come from a Secret: environment variable, its value/existingSecret pair,
and whether a plain value carries credentials (then it goes into the chart's Secret, not the
ConfigMap). Returned as YAML; callers use fromYaml.
*/}}
{{- define "tessera.refSettings" -}}
items:
  - {env: DATABASE_URL, required: true, sensitive: true, setting: {{ .Values.database.url | toJson }}, path: database.url}
  - {env: BUS_URL, required: true, sensitive: false, setting: {{ .Values.bus.url | toJson }}, path: bus.url}
  - {env: BLOB_URL, required: true, sensitive: false, setting: {{ .Values.blob.url | toJson }}, path: blob.url}
  - {env: S3_ACCESS_KEY, required: false, sensitive: true, setting: {{ .Values.blob.accessKey | toJson }}, path: blob.accessKey}
  - {env: S3_SECRET_KEY, required: false, sensitive: true, setting: {{ .Values.blob.secretKey | toJson }}, path: blob.secretKey}
  - {env: DEID_SECRET, required: false, sensitive: true, setting: {{ .Values.research.deidSecret | toJson }}, path: research.deidSecret}
{{- end }}

{{/* Settings with credentials given as plain values: the data of the chart's own Secret. */}}
{{- define "tessera.secretData" -}}
{{- range (include "tessera.refSettings" . | fromYaml).items }}
{{- if and .sensitive .setting.value }}
{{ .env }}: {{ .setting.value | toString | b64enc | quote }}
{{- end }}
{{- end }}
{{- end }}

{{/* Non-secret settings, shared by every role and job (the ConfigMap's data). */}}
{{- define "tessera.configData" -}}
# Containers must listen on all interfaces to be reachable through their Services.
HTTP_HOST: "0.0.0.0"
HTTP_PORT: {{ .Values.service.port | toString | quote }}
DIMSE_HOST: "0.0.0.0"
DIMSE_PORT: "11112"
# The hl7 role's MLLP listener (the Service -mllp); other roles ignore these.
MLLP_HOST: "0.0.0.0"
MLLP_PORT: "2575"
# The plain MLLP port authenticates no sender; Tessera refuses a non-loopback MLLP_HOST unless
# told. Keep the -mllp Service internal, or offer senders MLLP over TLS with client certificates.
TESSERA_ALLOW_INSECURE_REMOTE: "true"
# Every HTTP request carries a bearer token of this OpenID provider (docs/security.md).
OIDC_ISSUER: {{ required "oidc.issuer: the URL of the OpenID provider whose tokens Tessera accepts (e.g. a Keycloak realm)" .Values.oidc.issuer | quote }}
OIDC_AUDIENCE: {{ .Values.oidc.audience | quote }}
OIDC_ROLES_CLAIM: {{ .Values.oidc.rolesClaim | quote }}
OIDC_TENANTS_CLAIM: {{ .Values.oidc.tenantsClaim | quote }}
{{- with .Values.oidc.jwksUrl }}
OIDC_JWKS_URL: {{ . | quote }}
{{- end }}
DIMSE_AE_TITLE: {{ .Values.config.dimseAeTitle | quote }}
TESSERA_DEFAULT_TENANT: {{ .Values.config.defaultTenant | quote }}
TESSERA_TENANTS: {{ join "," .Values.config.tenants | quote }}
{{- with .Values.research.tenants }}
TESSERA_RESEARCH_TENANTS: {{ join "," . | quote }}
{{- end }}
DIMSE_AE_TITLES: {{ include "tessera.aeTitles" . | quote }}
# Requests arrive through the Gateway; its X-Forwarded-* headers give the URLs clients see.
HTTP_TRUST_PROXY: {{ .Values.gateway.enabled | quote }}
LOG_LEVEL: {{ .Values.config.logLevel | quote }}
HTTP_CORS_ORIGINS: {{ join "," .Values.config.corsOrigins | quote }}
HTTP_COMPRESSION: {{ .Values.config.compression | quote }}
# Deleted studies, series and instances keep their objects this long before the purge (docs/operations.md).
DELETION_PURGE_AFTER_S: {{ .Values.config.deletionPurgeAfterSeconds | int64 | toString | quote }}
{{- include "tessera.optionalConfigData" . }}
KAFKA_TOPIC_PARTITIONS: {{ .Values.bus.topicPartitions | toString | quote }}
KAFKA_REPLICATION_FACTOR: {{ .Values.bus.replicationFactor | toString | quote }}
S3_REGION: {{ .Values.blob.region | quote }}
{{- with .Values.config.otelExporterOtlpEndpoint }}
OTEL_EXPORTER_OTLP_ENDPOINT: {{ . | quote }}
{{- end }}
{{- range (include "tessera.refSettings" . | fromYaml).items }}
{{- if and (not .sensitive) .setting.value }}
{{ .env }}: {{ .setting.value | toString | quote }}
{{- end }}
{{- end }}
{{- range $name, $value := .Values.config.extraEnv }}
{{ $name }}: {{ $value | toString | quote }}
{{- end }}
{{- end }}

{{/*
The settings whose values are empty (or null) by default: each is set only when given, so that
Tessera's own default (libs/config) applies otherwise. DIMSE_USER_IDENTITY matters to ingest and
index (the DIMSE listeners), AUDIT_* to every role with a database, HL7_RESULTS_* and
FHIR_SUBSCRIPTION_* to hl7. Numbers go through int64: Helm reads those of values files as floats,
which toString writes as 8.64e+07.
*/}}
{{- define "tessera.optionalConfigData" -}}
{{- $v := .Values }}
{{- $destinations := list }}
{{- range $tenant, $target := $v.hl7Results.destinations }}
{{- $destinations = append $destinations (printf "%s=%s" $tenant $target) }}
{{- end }}
{{- $settings := list
  (list "DIMSE_USER_IDENTITY" $v.config.dimseUserIdentity)
  (list "AUDIT_SOURCE_ID" $v.audit.sourceId)
  (list "AUDIT_SYSLOG_URL" $v.audit.syslog.url)
  (list "AUDIT_SYSLOG_SERVERNAME" $v.audit.syslog.serverName)
  (list "AUDIT_SYSLOG_CONFIRM_MS" $v.audit.syslog.confirmMs)
  (list "HL7_RESULTS_DESTINATIONS" (join "," $destinations))
  (list "HL7_RESULTS_MAX_ATTEMPTS" $v.hl7Results.maxAttempts)
  (list "HL7_RESULTS_RETRY_MS" $v.hl7Results.retryMs)
  (list "HL7_RESULTS_MAX_RETRY_MS" $v.hl7Results.maxRetryMs)
  (list "HL7_RESULTS_ACK_TIMEOUT_MS" $v.hl7Results.ackTimeoutMs)
  (list "FHIR_SUBSCRIPTION_MAX_ATTEMPTS" $v.fhirSubscriptions.maxAttempts)
  (list "FHIR_SUBSCRIPTION_RETRY_MS" $v.fhirSubscriptions.retryMs)
  (list "FHIR_SUBSCRIPTION_MAX_RETRY_MS" $v.fhirSubscriptions.maxRetryMs)
  (list "FHIR_SUBSCRIPTION_TIMEOUT_MS" $v.fhirSubscriptions.timeoutMs)
}}
{{- range $settings }}
{{- $value := index . 1 }}
{{- if kindIs "float64" $value }}{{ $value = int64 $value }}{{ end }}
{{- if and (not (kindIs "invalid" $value)) (ne (toString $value) "") }}
{{ index . 0 }}: {{ toString $value | quote }}
{{- end }}
{{- end }}
{{- end }}

{{/*
EnvVars of the settings read from a Secret: the chart's own (for plain values with credentials)
or an existing one. Fails when a required setting has neither a value nor a Secret.
Argument: dict "root" $ "secretName" <name of the chart's Secret to use>.
*/}}
{{- define "tessera.secretEnv" -}}
{{- $secretName := .secretName }}
{{- range (include "tessera.refSettings" .root | fromYaml).items }}
{{- if .setting.value }}
{{- if .sensitive }}
- name: {{ .env }}
  valueFrom:
    secretKeyRef:
      name: {{ $secretName }}
      key: {{ .env }}
{{- end }}
{{- else if .setting.existingSecret.name }}
- name: {{ .env }}
  valueFrom:
    secretKeyRef:
      name: {{ .setting.existingSecret.name }}
      key: {{ required (printf "%s.existingSecret.key is required" .path) .setting.existingSecret.key }}
{{- else if .required }}
{{- fail (printf "%s: set value or existingSecret.name (%s is required in the distributed mode)" .path .env) }}
{{- end }}
{{- end }}
{{- end }}

{{- define "tessera.hasSecretData" -}}
{{- if trim (include "tessera.secretData" .) }}true{{ end }}
{{- end }}

{{/* Pods ------------------------------------------------------------------------------------ */}}

{{- define "tessera.tmpVolume" -}}
- name: tmp
  emptyDir:
    {{- with .Values.tmpVolume.sizeLimit }}
    sizeLimit: {{ . }}
    {{- end }}
{{- end }}

{{/* DIMSE_AE_TITLES from the aeTitles map (AE title: tenant), in a stable order. */}}
{{- define "tessera.aeTitles" -}}
{{- $pairs := list -}}
{{- range $title, $tenant := .Values.config.aeTitles -}}
{{- $pairs = append $pairs (printf "%s=%s" $title $tenant) -}}
{{- end -}}
{{- join "," $pairs -}}
{{- end -}}

{{/* DICOM TLS ---------------------------------------------------------------------------------- */}}

{{- define "tessera.dimseTlsDir" -}}/etc/tessera/dimse-tls{{- end -}}

{{/* "true" for the roles that run a DIMSE listener, each behind a DIMSE Service of its own: ingest
(storage endpoint, Service -dimse) and index (query/retrieve endpoint, Service -dimse-qr).
Argument: the role. */}}
{{- define "tessera.listensDimse" -}}
{{- if has . (list "ingest" "index") }}true{{ end }}
{{- end }}

{{/* The DIMSE_TLS_* EnvVars of one role: the files for all, the listener's port and client
authentication for the roles that listen. Argument: dict "root" $ "role" <role>. */}}
{{- define "tessera.dimseTlsEnv" -}}
{{- $tls := .root.Values.dimse.tls }}
{{- if $tls.enabled }}
{{- if not $tls.existingSecret }}
{{- fail "dimse.tls.existingSecret: name the Secret with tls.crt and tls.key (dimse.tls.enabled is true)" }}
{{- end }}
{{- if and (ne $tls.clientAuth "none") (not $tls.useCaCert) }}
{{- fail (printf "dimse.tls.clientAuth=%s needs dimse.tls.useCaCert: client certificates are checked against the Secret's ca.crt" $tls.clientAuth) }}
{{- end }}
- name: DIMSE_TLS_CERT
  value: {{ include "tessera.dimseTlsDir" .root }}/tls.crt
- name: DIMSE_TLS_KEY
  value: {{ include "tessera.dimseTlsDir" .root }}/tls.key
{{- if $tls.useCaCert }}
- name: DIMSE_TLS_CA
  value: {{ include "tessera.dimseTlsDir" .root }}/ca.crt
{{- end }}
{{- if include "tessera.listensDimse" .role }}
- name: DIMSE_TLS_PORT
  value: "2762"
- name: DIMSE_TLS_CLIENT_AUTH
  value: {{ $tls.clientAuth | quote }}
{{- end }}
{{- end }}
{{- end }}

{{/*
A DIMSE Service: the plain port unless TLS is on without dimse.tls.keepPlainPort, the TLS port when
TLS is on, and the exposure settings of its values block. Argument: dict "root" $, "suffix" (of the
name), "role" (the pods it selects), "service" (type, port, nodePort, annotations,
loadBalancerSourceRanges, externalTrafficPolicy) and "tls" (port, nodePort: the TLS port's).
*/}}
{{- define "tessera.dimseService" -}}
{{- $root := .root }}
{{- $svc := .service }}
{{- $tls := $root.Values.dimse.tls }}
apiVersion: v1
kind: Service
metadata:
  name: {{ include "tessera.fullname" $root }}-{{ .suffix }}
  labels:
    {{- include "tessera.labels" $root | nindent 4 }}
    app.kubernetes.io/component: {{ .role }}
  {{- with $svc.annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
spec:
  type: {{ $svc.type }}
  selector:
    {{- include "tessera.selectorLabels" $root | nindent 4 }}
    app.kubernetes.io/component: {{ .role }}
  ports:
    {{- if or (not $tls.enabled) $tls.keepPlainPort }}
    - name: dimse
      port: {{ $svc.port }}
      targetPort: dimse
      protocol: TCP
      {{- if and $svc.nodePort (ne $svc.type "ClusterIP") }}
      nodePort: {{ $svc.nodePort }}
      {{- end }}
    {{- end }}
    {{- if $tls.enabled }}
    # DICOM over TLS (PS3.15 B.9).
    - name: dimse-tls
      port: {{ .tls.port }}
      targetPort: dimse-tls
      protocol: TCP
      {{- if and .tls.nodePort (ne $svc.type "ClusterIP") }}
      nodePort: {{ .tls.nodePort }}
      {{- end }}
    {{- end }}
  {{- if eq $svc.type "LoadBalancer" }}
  {{- with $svc.loadBalancerSourceRanges }}
  loadBalancerSourceRanges:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- end }}
  {{- if and $svc.externalTrafficPolicy (ne $svc.type "ClusterIP") }}
  externalTrafficPolicy: {{ $svc.externalTrafficPolicy }}
  {{- end }}
{{- end }}

{{- define "tessera.mllpTlsDir" -}}/etc/tessera/mllp-tls{{- end -}}

{{/* The MLLP_TLS_* EnvVars of the hl7 role, when mllp.tls.enabled. Argument: the root context. */}}
{{- define "tessera.mllpTlsEnv" -}}
{{- $tls := .Values.mllp.tls }}
{{- if $tls.enabled }}
{{- if not $tls.existingSecret }}
{{- fail "mllp.tls.existingSecret: name the Secret with tls.crt and tls.key (mllp.tls.enabled is true)" }}
{{- end }}
- name: MLLP_TLS_PORT
  value: "2576"
- name: MLLP_TLS_CERT
  value: {{ include "tessera.mllpTlsDir" . }}/tls.crt
- name: MLLP_TLS_KEY
  value: {{ include "tessera.mllpTlsDir" . }}/tls.key
{{- if $tls.useCaCert }}
- name: MLLP_TLS_CA
  value: {{ include "tessera.mllpTlsDir" . }}/ca.crt
{{- end }}
{{- end }}
{{- end }}


{{/* Audit trail ---------------------------------------------------------------------------------- */}}

{{- define "tessera.auditTlsDir" -}}/etc/tessera/audit-syslog-tls{{- end -}}
{{- define "tessera.auditSpoolDir" -}}/var/lib/tessera/audit-spool{{- end -}}

{{/* The AUDIT_* EnvVars tied to the pod's volumes (every role): the spool, and the collector's TLS
files. Fails on settings Tessera would refuse at start. Argument: the root context. */}}
{{- define "tessera.auditEnv" -}}
{{- $syslog := .Values.audit.syslog }}
{{- if $syslog.tls.existingSecret }}
{{- if not $syslog.url }}
{{- fail "audit.syslog.tls.existingSecret: the files are for the collector of audit.syslog.url, which is empty" }}
{{- end }}
{{- if not (or $syslog.tls.useCaCert $syslog.tls.useClientCert) }}
{{- fail "audit.syslog.tls.existingSecret: set useCaCert, useClientCert or both (which of the Secret's files to use)" }}
{{- end }}
{{- end }}
{{- if $syslog.url }}
- name: AUDIT_SPOOL_DIR
  value: {{ include "tessera.auditSpoolDir" . }}
{{- if $syslog.tls.existingSecret }}
{{- if $syslog.tls.useCaCert }}
- name: AUDIT_SYSLOG_TLS_CA
  value: {{ include "tessera.auditTlsDir" . }}/ca.crt
{{- end }}
{{- if $syslog.tls.useClientCert }}
- name: AUDIT_SYSLOG_TLS_CERT
  value: {{ include "tessera.auditTlsDir" . }}/tls.crt
- name: AUDIT_SYSLOG_TLS_KEY
  value: {{ include "tessera.auditTlsDir" . }}/tls.key
{{- end }}
{{- end }}
{{- end }}
{{- end }}

{{/* HTTPS ----------------------------------------------------------------------------------------- */}}

{{- define "tessera.httpTlsDir" -}}/etc/tessera/http-tls{{- end -}}

{{/* HTTP_TLS_* of every role, when http.tls.enabled. Argument: the root context. */}}
{{- define "tessera.httpTlsEnv" -}}
{{- if .Values.http.tls.enabled }}
{{- if not .Values.http.tls.existingSecret }}
{{- fail "http.tls.existingSecret: name the Secret with tls.crt and tls.key (http.tls.enabled is true)" }}
{{- end }}
- name: HTTP_TLS_CERT
  value: {{ include "tessera.httpTlsDir" . }}/tls.crt
- name: HTTP_TLS_KEY
  value: {{ include "tessera.httpTlsDir" . }}/tls.key
{{- end }}
{{- end }}

{{/* HL7 results out --------------------------------------------------------------------------- */}}

{{- define "tessera.hl7ResultsTlsDir" -}}/etc/tessera/hl7-results-tls{{- end -}}

{{/* HL7_RESULTS_TLS_CA of the hl7 role. Argument: the root context. */}}
{{- define "tessera.hl7ResultsTlsEnv" -}}
{{- if .Values.hl7Results.tls.existingSecret }}
- name: HL7_RESULTS_TLS_CA
  value: {{ include "tessera.hl7ResultsTlsDir" . }}/ca.crt
{{- end }}
{{- end }}
