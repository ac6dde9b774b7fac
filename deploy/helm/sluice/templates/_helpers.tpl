{{/* vim: set filetype=mustache: */}}

{{/* The chart name, or nameOverride. */}}
{{- define "sluice.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
Prefix of every resource name: fullnameOverride, else <release>-<chart> (just <release> when
the release name already contains the chart name). 63 characters at most (DNS label).
*/}}
{{- define "sluice.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
Name of one component's resources: <fullname>-<component>, the prefix shortened so that the
component always survives the 63-character limit.
Usage: include "sluice.componentName" (list $ "api-gateway")
*/}}
{{- define "sluice.componentName" -}}
{{- $root := index . 0 -}}
{{- $component := index . 1 -}}
{{- printf "%s-%s" (include "sluice.fullname" $root | trunc (sub 62 (len $component) | int) | trimSuffix "-") $component -}}
{{- end -}}

{{- define "sluice.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
Labels that select one component's pods. Never add to these: a Deployment's selector is
immutable, so a change here would make `helm upgrade` fail.
Usage: include "sluice.selectorLabels" (list $ "api-gateway")
*/}}
{{- define "sluice.selectorLabels" -}}
{{- $root := index . 0 -}}
{{- $component := index . 1 -}}
app.kubernetes.io/name: {{ include "sluice.name" $root }}
app.kubernetes.io/instance: {{ $root.Release.Name }}
{{- with $component }}
app.kubernetes.io/component: {{ . }}
{{- end }}
{{- end -}}

{{/*
Labels of every resource. The component may be "" for release-wide resources.
Usage: include "sluice.labels" (list $ "api-gateway")
*/}}
{{- define "sluice.labels" -}}
{{- $root := index . 0 -}}
{{ include "sluice.selectorLabels" . }}
app.kubernetes.io/part-of: sluice
app.kubernetes.io/version: {{ $root.Chart.AppVersion | replace "+" "_" | trunc 63 | quote }}
app.kubernetes.io/managed-by: {{ $root.Release.Service }}
helm.sh/chart: {{ include "sluice.chart" $root }}
{{- with $root.Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/*
metadata.annotations of a resource (at indent 2), when it has any: commonAnnotations plus the
given ones. Renders nothing otherwise. Usage: {{- include "sluice.annotations" (list $ extraDict) }}
*/}}
{{- define "sluice.annotations" -}}
{{- $root := index . 0 -}}
{{- $all := merge (dict) (index . 1 | default dict) ($root.Values.commonAnnotations | default dict) -}}
{{- with $all -}}
{{- printf "annotations:\n%s" (toYaml . | indent 2) | nindent 2 -}}
{{- end -}}
{{- end -}}

{{/*
Deep merge of two value trees, the second winning: maps are merged key by key, anything
else (lists included) is replaced. Unlike sprig's mergeOverwrite it lets a service set false,
0 or "" over a true, non-zero or non-empty default. Returns YAML (use fromYaml).
Usage: include "sluice.deepMerge" (list $defaults $overrides) | fromYaml
*/}}
{{- define "sluice.deepMerge" -}}
{{- $out := deepCopy (index . 0 | default dict) -}}
{{- range $key, $value := (index . 1 | default dict) -}}
{{- $current := get $out $key -}}
{{- if and (kindIs "map" $value) (kindIs "map" $current) -}}
{{- $_ := set $out $key (include "sluice.deepMerge" (list $current $value) | fromYaml) -}}
{{- else -}}
{{- $_ := set $out $key $value -}}
{{- end -}}
{{- end -}}
{{- toYaml $out -}}
{{- end -}}

{{/*
The effective values of one service: `defaults` overridden by `services.<name>`, plus
`name` and `needs` (what the app connects to, a fact of the app rather than a setting).
Usage: $svc := include "sluice.service" (list $ "rate-governor") | fromYaml
*/}}
{{- define "sluice.service" -}}
{{- $root := index . 0 -}}
{{- $name := index . 1 -}}
{{- $svc := include "sluice.deepMerge" (list $root.Values.defaults (index $root.Values.services $name)) | fromYaml -}}
{{- $_ := set $svc "name" $name -}}
{{- $_ := set $svc "needs" (get (include "sluice.needsTable" . | fromYaml) $name) -}}
{{- toYaml $svc -}}
{{- end -}}

{{/* What each app connects to (see apps/<name>/src/*.config.ts). */}}
{{- define "sluice.needsTable" -}}
api-gateway: [database, kafka]
rate-governor: [database, redis, kafka]
carrier-dispatch: [database, redis, kafka, smpp-client]
callback-service: [database, kafka]
carrier-simulator: [smpp-server]
{{- end -}}

{{/* Names of the services, in a stable order. */}}
{{- define "sluice.serviceNames" -}}
{{- keys .Values.services | sortAlpha | toJson -}}
{{- end -}}

{{/* Names of the enabled services that need one dependency. Usage: include "sluice.servicesNeeding" (list $ "redis") | fromJsonArray */}}
{{- define "sluice.servicesNeeding" -}}
{{- $root := index . 0 -}}
{{- $need := index . 1 -}}
{{- $out := list -}}
{{- range $name := include "sluice.serviceNames" $root | fromJsonArray -}}
{{- $svc := include "sluice.service" (list $root $name) | fromYaml -}}
{{- if and $svc.enabled (has $need $svc.needs) -}}
{{- $out = append $out $name -}}
{{- end -}}
{{- end -}}
{{- toJson $out -}}
{{- end -}}

{{/* repository[:tag][@digest] of an image block; the tag defaults to the chart's appVersion. */}}
{{- define "sluice.image" -}}
{{- $root := index . 0 -}}
{{- $image := index . 1 -}}
{{- $repository := ternary $image.repository (printf "%s/%s" $image.registry $image.repository) (empty $image.registry) -}}
{{- if $image.digest -}}
{{- printf "%s@%s" $repository $image.digest -}}
{{- else -}}
{{- printf "%s:%s" $repository (toString (default $root.Chart.AppVersion $image.tag)) -}}
{{- end -}}
{{- end -}}

{{- define "sluice.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "sluice.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/*
Where one credential comes from, in this order: its own existingSecret, its value (then it
lives in the Secret the chart creates), the shared credentials.existingSecret. Returns YAML
{source: existing|value|shared, secret, keys: {ENV_NAME: key}}; fails with a sentence when
none is set.
Usage: include "sluice.credential" (list $ "database")
*/}}
{{- define "sluice.credential" -}}
{{- $root := index . 0 -}}
{{- $which := index . 1 -}}
{{- $v := index $root.Values $which -}}
{{- $keys := dict -}}
{{- $given := false -}}
{{- $hint := "" -}}
{{- if eq $which "database" -}}
{{- $keys = dict "DATABASE_URL" $v.existingSecretKey -}}
{{- $given = not (empty $v.url) -}}
{{- $hint = "database.url" -}}
{{- else if eq $which "redis" -}}
{{- $keys = dict "REDIS_URL" $v.existingSecretKey -}}
{{- $given = not (empty $v.url) -}}
{{- $hint = "redis.url" -}}
{{- else if eq $which "smpp" -}}
{{- $keys = dict "SMPP_SYSTEM_ID" $v.systemIdKey "SMPP_PASSWORD" $v.passwordKey -}}
{{- if and (empty $v.systemId) (not (empty $v.password)) -}}
{{- fail "smpp: smpp.password is set but smpp.systemId is not; give both, or neither and a Secret" -}}
{{- end -}}
{{- if and (empty $v.password) (not (empty $v.systemId)) -}}
{{- fail "smpp: smpp.systemId is set but smpp.password is not; give both, or neither and a Secret" -}}
{{- end -}}
{{- $given = not (empty $v.systemId) -}}
{{- $hint = "smpp.systemId and smpp.password" -}}
{{- else if eq $which "admin" -}}
{{- $keys = dict "ADMIN_TOKEN" $v.existingSecretKey -}}
{{- $given = not (empty $v.token) -}}
{{- $hint = "admin.token" -}}
{{- end -}}
{{- if $v.existingSecret -}}
{{- dict "source" "existing" "secret" $v.existingSecret "keys" $keys | toYaml -}}
{{- else if $given -}}
{{- $own := dict -}}
{{- range $env, $_ := $keys -}}{{- $_ := set $own $env $env -}}{{- end -}}
{{- dict "source" "value" "secret" (include "sluice.fullname" $root) "keys" $own | toYaml -}}
{{- else if $root.Values.credentials.existingSecret -}}
{{- dict "source" "shared" "secret" $root.Values.credentials.existingSecret "keys" $keys | toYaml -}}
{{- else -}}
{{- fail (printf "%s: no credential; set %s, %s.existingSecret or credentials.existingSecret" $which $hint $which) -}}
{{- end -}}
{{- end -}}

{{/*
env entries (secretKeyRef) for the credentials a pod needs.
Usage: include "sluice.credentialEnv" (list $ (list "database" "redis") $hookSecretName)
With a hook Secret name, credentials given by value come from that Secret instead (a
pre-install hook runs before the chart's own Secret exists).
*/}}
{{- define "sluice.credentialEnv" -}}
{{- $root := index . 0 -}}
{{- $hookSecret := index . 2 -}}
{{- range $which := index . 1 }}
{{- $c := include "sluice.credential" (list $root $which) | fromYaml }}
{{- $secret := $c.secret }}
{{- if and $hookSecret (eq $c.source "value") }}{{ $secret = $hookSecret }}{{ end }}
{{- range $env := keys $c.keys | sortAlpha }}
- name: {{ $env }}
  valueFrom:
    secretKeyRef:
      name: {{ $secret }}
      key: {{ get $c.keys $env }}
{{- end }}
{{- end }}
{{- end -}}

{{/* The credentials (database, redis, smpp) a service reads from Secrets. */}}
{{- define "sluice.credentialsOf" -}}
{{- $out := list -}}
{{- range $need := . -}}
{{- if has $need (list "database" "redis") -}}{{- $out = append $out $need -}}{{- end -}}
{{- if has $need (list "smpp-client" "smpp-server") -}}{{- $out = append $out "smpp" -}}{{- end -}}
{{- end -}}
{{- toJson $out -}}
{{- end -}}

{{/* An env value as a string; whole numbers without an exponent (values arrive as float64). */}}
{{- define "sluice.envValue" -}}
{{- if kindIs "float64" . -}}
{{- if eq (float64 (int64 .)) . -}}{{- int64 . -}}{{- else -}}{{- . -}}{{- end -}}
{{- else -}}
{{- toString . -}}
{{- end -}}
{{- end -}}

{{/*
Release-wide settings of `config` that only some apps read: the value's key, its variable and
the apps that read it (apps/<name>/src/*.config.ts: consumerSupervisionEnv,
loopSupervisionEnv, quotaGuardEnv).
*/}}
{{- define "sluice.scopedConfigTable" -}}
consumerMaxDownMs: {env: CONSUMER_MAX_DOWN_MS, apps: [rate-governor, callback-service]}
loopMaxDownMs: {env: LOOP_MAX_DOWN_MS, apps: [api-gateway, rate-governor, carrier-dispatch, callback-service]}
quotaGuardMs: {env: QUOTA_GUARD_MS, apps: [rate-governor]}
quotaAdmissionGuardMs: {env: QUOTA_ADMISSION_GUARD_MS, apps: [carrier-dispatch]}
{{- end -}}

{{/* Whether the admin API is on: admin.enabled with api-gateway enabled. "true" or "". */}}
{{- define "sluice.adminEnabled" -}}
{{- if and .Values.admin.enabled (index .Values.services "api-gateway").enabled -}}true{{- end -}}
{{- end -}}

{{/*
URL of the gateway's admin API for callback-service (GATEWAY_ADMIN_URL): its Service in this
namespace, on the Service's port; "" when the admin API is off.
*/}}
{{- define "sluice.gatewayAdminUrl" -}}
{{- if include "sluice.adminEnabled" . -}}
{{- $gateway := include "sluice.service" (list . "api-gateway") | fromYaml -}}
{{- printf "http://%s:%d" (include "sluice.componentName" (list . "api-gateway")) ($gateway.service.port | default $gateway.port | int) -}}
{{- end -}}
{{- end -}}

{{/*
env entries (secretKeyRef) of the admin token: ADMIN_TOKEN for api-gateway, the same key as
GATEWAY_ADMIN_TOKEN for callback-service; nothing when the admin API is off.
Usage: include "sluice.adminEnv" (list $ $name)
*/}}
{{- define "sluice.adminEnv" -}}
{{- $root := index . 0 -}}
{{- $name := index . 1 -}}
{{- $env := get (dict "api-gateway" "ADMIN_TOKEN" "callback-service" "GATEWAY_ADMIN_TOKEN") $name -}}
{{- if and $env (include "sluice.adminEnabled" $root) }}
{{- $c := include "sluice.credential" (list $root "admin") | fromYaml }}
- name: {{ $env }}
  valueFrom:
    secretKeyRef:
      name: {{ $c.secret }}
      key: {{ $c.keys.ADMIN_TOKEN }}
{{- end }}
{{- end -}}

{{/*
Checks across values that the schema cannot make: the admin token is not given while the admin
API is off. Renders nothing; fails with a sentence.
*/}}
{{- define "sluice.checkValues" -}}
{{- $v := .Values -}}
{{- if and (not $v.admin.enabled) (or $v.admin.token $v.admin.existingSecret) -}}
{{- fail "admin: admin.token or admin.existingSecret is set but admin.enabled is false; set admin.enabled=true to serve the admin API, or remove the token" -}}
{{- end -}}
{{- end -}}

{{/* SMPP host carrier-dispatch connects to: smpp.host, else the simulator when it is enabled, else "". */}}
{{- define "sluice.smppHost" -}}
{{- if .Values.smpp.host -}}
{{- .Values.smpp.host -}}
{{- else if (index .Values.services "carrier-simulator").enabled -}}
{{- include "sluice.componentName" (list . "carrier-simulator") -}}
{{- end -}}
{{- end -}}

{{/*
Non-secret settings of one service, the data of its ConfigMap (and so of its checksum).
Usage: include "sluice.configData" (list $ $svc)
*/}}
{{- define "sluice.configData" -}}
{{- $root := index . 0 -}}
{{- $svc := index . 1 -}}
{{- $v := $root.Values -}}
{{- $data := dict "HOST" "0.0.0.0" "LOG_LEVEL" $v.config.logLevel "SHUTDOWN_TIMEOUT_MS" (include "sluice.envValue" $v.config.shutdownTimeoutMs) -}}
{{- if has "database" $svc.needs -}}
{{- $_ := set $data "DATABASE_POOL_SIZE" (include "sluice.envValue" $v.database.poolSize) -}}
{{- end -}}
{{- if has "kafka" $svc.needs -}}
{{- $_ := set $data "KAFKA_BROKERS" $v.kafka.brokers -}}
{{- end -}}
{{- with $svc.consumer -}}
{{- $_ := set $data "KAFKA_GROUP_ID" .group -}}
{{- end -}}
{{- range $key, $setting := include "sluice.scopedConfigTable" $root | fromYaml -}}
{{- if has $svc.name $setting.apps -}}
{{- $_ := set $data $setting.env (include "sluice.envValue" (index $v.config $key)) -}}
{{- end -}}
{{- end -}}
{{- if eq $svc.name "callback-service" -}}
{{- with include "sluice.gatewayAdminUrl" $root -}}
{{- $_ := set $data "GATEWAY_ADMIN_URL" . -}}
{{- end -}}
{{- end -}}
{{- if has "smpp-client" $svc.needs -}}
{{- with include "sluice.smppHost" $root -}}
{{- $_ := set $data "SMPP_HOST" . -}}
{{- end -}}
{{- $_ := set $data "SMPP_PORT" (include "sluice.envValue" $v.smpp.port) -}}
{{- end -}}
{{- if has "smpp-server" $svc.needs -}}
{{- $_ := set $data "SMPP_HOST" "0.0.0.0" -}}
{{- $_ := set $data "SMPP_PORT" (include "sluice.envValue" $v.smpp.port) -}}
{{- end -}}
{{- range $key, $value := $svc.env -}}
{{- $_ := set $data $key (include "sluice.envValue" $value) -}}
{{- end -}}
{{- toYaml $data -}}
{{- end -}}

{{/* The credentials this release uses: of its enabled services, and the migrate hook's. JSON list. */}}
{{- define "sluice.neededCredentials" -}}
{{- $root := . -}}
{{- $out := list -}}
{{- range $which := list "database" "redis" "smpp" -}}
{{- $users := list (ternary "smpp-client" $which (eq $which "smpp")) -}}
{{- if eq $which "smpp" }}{{ $users = append $users "smpp-server" }}{{ end -}}
{{- $needed := and (eq $which "database") $root.Values.hooks.migrate.enabled -}}
{{- range $need := $users -}}
{{- if include "sluice.servicesNeeding" (list $root $need) | fromJsonArray -}}{{- $needed = true -}}{{- end -}}
{{- end -}}
{{- if $needed }}{{ $out = append $out $which }}{{ end -}}
{{- end -}}
{{- if include "sluice.adminEnabled" $root }}{{ $out = append $out "admin" }}{{ end -}}
{{- toJson $out -}}
{{- end -}}

{{/* Data of the Secret the chart creates from values (empty when every credential is a reference). */}}
{{- define "sluice.secretData" -}}
{{- $root := . -}}
{{- $data := dict -}}
{{- range $which := include "sluice.neededCredentials" $root | fromJsonArray -}}
{{- $c := include "sluice.credential" (list $root $which) | fromYaml -}}
{{- if eq $c.source "value" -}}
{{- if eq $which "database" }}{{ $_ := set $data "DATABASE_URL" $root.Values.database.url }}{{ end -}}
{{- if eq $which "redis" }}{{ $_ := set $data "REDIS_URL" $root.Values.redis.url }}{{ end -}}
{{- if eq $which "smpp" }}{{ $_ := set $data "SMPP_SYSTEM_ID" $root.Values.smpp.systemId }}{{ $_ := set $data "SMPP_PASSWORD" $root.Values.smpp.password }}{{ end -}}
{{- if eq $which "admin" }}{{ $_ := set $data "ADMIN_TOKEN" $root.Values.admin.token }}{{ end -}}
{{- end -}}
{{- end -}}
{{- toYaml $data -}}
{{- end -}}

{{/*
The pod-level settings every Sluice pod shares (hooks included): service account, security
context, pull secrets, scheduling. Usage: include "sluice.podCommon" (list $ $settings)
where $settings has podSecurityContext, nodeSelector, tolerations, affinity, priorityClassName.
*/}}
{{- define "sluice.podCommon" -}}
{{- $root := index . 0 -}}
{{- $s := index . 1 -}}
automountServiceAccountToken: {{ $root.Values.serviceAccount.automountServiceAccountToken }}
enableServiceLinks: false
{{- with $s.podSecurityContext }}
securityContext:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $root.Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $s.priorityClassName }}
priorityClassName: {{ . }}
{{- end }}
{{- with $s.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $s.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $s.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{/* The writable /tmp every container gets (the root filesystem is read-only). */}}
{{- define "sluice.tmpVolume" -}}
- name: tmp
  emptyDir:
    {{- with .tmpSizeLimit }}
    sizeLimit: {{ . }}
    {{- end }}
{{- end -}}

{{/* A PDB or rollout count: a whole number unquoted, a percentage quoted. */}}
{{- define "sluice.intOrString" -}}
{{- if regexMatch "^[0-9]+$" (toString .) -}}{{- . -}}{{- else -}}{{- . | quote -}}{{- end -}}
{{- end -}}
