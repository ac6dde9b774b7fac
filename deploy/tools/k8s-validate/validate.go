// Validation of each document on its own: names, labels, Helm hooks, selectors, ports, pod specs and CRD fields.
package main

import (
	"fmt"
	"regexp"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// promDuration is a Prometheus duration as the operator's CRD accepts it (e.g. 30s, 1h30m).
var promDuration = regexp.MustCompile(`^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$`)

// promLabelName and promMetricName are Prometheus's label and metric (recording rule) names.
var (
	promLabelName  = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)
	promMetricName = regexp.MustCompile(`^[a-zA-Z_:][a-zA-Z0-9_:]*$`)
)

// Kinds whose names must be DNS-1035 labels rather than DNS-1123 subdomains.
var dns1035Kinds = map[string]bool{"Service": true}

var helmHooks = map[string]bool{
	"pre-install": true, "post-install": true, "pre-delete": true, "post-delete": true,
	"pre-upgrade": true, "post-upgrade": true, "pre-rollback": true, "post-rollback": true, "test": true, "test-success": true,
}
var helmHookDeletePolicies = map[string]bool{"before-hook-creation": true, "hook-succeeded": true, "hook-failed": true}

func validateDocument(d *document, rep *report) {
	meta := field.NewPath("metadata")
	if d.meta.Name == "" {
		rep.add(d, "metadata.name is required")
	} else {
		nameRule := validation.IsDNS1123Subdomain
		if dns1035Kinds[d.Kind] {
			nameRule = validation.IsDNS1035Label
		}
		for _, msg := range nameRule(d.meta.Name) {
			rep.add(d, "metadata.name %q: %s", d.meta.Name, msg)
		}
	}
	rep.addList(d, metav1validation.ValidateLabels(d.meta.Labels, meta.Child("labels")))
	rep.addList(d, apivalidation.ValidateAnnotations(d.meta.Annotations, meta.Child("annotations")))
	for _, hook := range d.hooks() {
		if !helmHooks[hook] {
			rep.add(d, "unknown helm.sh/hook %q", hook)
		}
	}
	if policies := d.meta.Annotations["helm.sh/hook-delete-policy"]; policies != "" {
		for _, p := range splitList(policies) {
			if !helmHookDeletePolicies[p] {
				rep.add(d, "unknown helm.sh/hook-delete-policy %q", p)
			}
		}
	}

	switch o := d.typed.(type) {
	case *appsv1.Deployment:
		spec := field.NewPath("spec")
		validateSelector(d, o.Spec.Selector, o.Spec.Template.Labels, spec, rep)
		validatePodSpec(d, &o.Spec.Template.Spec, spec.Child("template", "spec"), rep)
		if o.Spec.Replicas != nil && *o.Spec.Replicas < 0 {
			rep.add(d, "spec.replicas must not be negative")
		}
	case *appsv1.StatefulSet:
		spec := field.NewPath("spec")
		validateSelector(d, o.Spec.Selector, o.Spec.Template.Labels, spec, rep)
		validatePodSpec(d, &o.Spec.Template.Spec, spec.Child("template", "spec"), rep)
	case *batchv1.Job:
		ps := &o.Spec.Template.Spec
		validatePodSpec(d, ps, field.NewPath("spec", "template", "spec"), rep)
		if ps.RestartPolicy != corev1.RestartPolicyNever && ps.RestartPolicy != corev1.RestartPolicyOnFailure {
			rep.add(d, "spec.template.spec.restartPolicy must be Never or OnFailure for a Job, not %q", ps.RestartPolicy)
		}
	case *batchv1.CronJob:
		validatePodSpec(d, &o.Spec.JobTemplate.Spec.Template.Spec, field.NewPath("spec", "jobTemplate", "spec", "template", "spec"), rep)
	case *corev1.Pod:
		validatePodSpec(d, &o.Spec, field.NewPath("spec"), rep)
	case *corev1.Service:
		if len(o.Spec.Ports) == 0 && o.Spec.Type != corev1.ServiceTypeExternalName {
			rep.add(d, "spec.ports must not be empty")
		}
		seen := map[string]bool{}
		for i, p := range o.Spec.Ports {
			if len(o.Spec.Ports) > 1 && p.Name == "" {
				rep.add(d, "spec.ports[%d].name is required when a Service has several ports", i)
			}
			if seen[p.Name] {
				rep.add(d, "spec.ports[%d].name %q is duplicated", i, p.Name)
			}
			seen[p.Name] = true
			for _, msg := range validation.IsValidPortNum(int(p.Port)) {
				rep.add(d, "spec.ports[%d].port: %s", i, msg)
			}
			validateIntOrStringPort(d, p.TargetPort, fmt.Sprintf("spec.ports[%d].targetPort", i), rep)
		}
	case *corev1.ConfigMap:
		for k := range o.Data {
			for _, msg := range validation.IsConfigMapKey(k) {
				rep.add(d, "data key %q: %s", k, msg)
			}
		}
	case *corev1.Secret:
		for k := range o.StringData {
			for _, msg := range validation.IsConfigMapKey(k) {
				rep.add(d, "stringData key %q: %s", k, msg)
			}
		}
		for k := range o.Data {
			for _, msg := range validation.IsConfigMapKey(k) {
				rep.add(d, "data key %q: %s", k, msg)
			}
		}
	case *autoscalingv2.HorizontalPodAutoscaler:
		minR := int32(1)
		if o.Spec.MinReplicas != nil {
			minR = *o.Spec.MinReplicas
		}
		if minR < 1 {
			rep.add(d, "spec.minReplicas must be at least 1")
		}
		if o.Spec.MaxReplicas < minR {
			rep.add(d, "spec.maxReplicas (%d) is below spec.minReplicas (%d)", o.Spec.MaxReplicas, minR)
		}
		if len(o.Spec.Metrics) == 0 {
			rep.add(d, "spec.metrics is empty")
		}
		for i, m := range o.Spec.Metrics {
			if m.Type == autoscalingv2.ResourceMetricSourceType && (m.Resource == nil || m.Resource.Target.Type == "") {
				rep.add(d, "spec.metrics[%d]: a Resource metric needs resource.name and target", i)
			}
		}
	case *policyv1.PodDisruptionBudget:
		if (o.Spec.MinAvailable == nil) == (o.Spec.MaxUnavailable == nil) {
			rep.add(d, "exactly one of spec.minAvailable and spec.maxUnavailable must be set")
		}
		if o.Spec.Selector == nil {
			rep.add(d, "spec.selector is required")
		} else {
			rep.addList(d, metav1validation.ValidateLabelSelector(o.Spec.Selector, metav1validation.LabelSelectorValidationOptions{}, field.NewPath("spec", "selector")))
		}
	case *networkingv1.NetworkPolicy:
		rep.addList(d, metav1validation.ValidateLabelSelector(&o.Spec.PodSelector, metav1validation.LabelSelectorValidationOptions{}, field.NewPath("spec", "podSelector")))
		for i, rule := range o.Spec.Ingress {
			for j, p := range rule.Ports {
				if p.Port != nil {
					validateIntOrStringPort(d, *p.Port, fmt.Sprintf("spec.ingress[%d].ports[%d].port", i, j), rep)
				}
			}
		}
		for i, rule := range o.Spec.Egress {
			for j, p := range rule.Ports {
				if p.Port != nil {
					validateIntOrStringPort(d, *p.Port, fmt.Sprintf("spec.egress[%d].ports[%d].port", i, j), rep)
				}
			}
			for j, peer := range rule.To {
				if peer.IPBlock != nil && !strings.Contains(peer.IPBlock.CIDR, "/") {
					rep.add(d, "spec.egress[%d].to[%d].ipBlock.cidr %q is not a CIDR", i, j, peer.IPBlock.CIDR)
				}
			}
		}
	case *networkingv1.Ingress:
		for i, r := range o.Spec.Rules {
			if r.Host != "" {
				rule := validation.IsDNS1123Subdomain
				if strings.HasPrefix(r.Host, "*.") {
					rule = validation.IsWildcardDNS1123Subdomain
				}
				for _, msg := range rule(r.Host) {
					rep.add(d, "spec.rules[%d].host %q: %s", i, r.Host, msg)
				}
			}
			if r.HTTP == nil {
				continue
			}
			for j, p := range r.HTTP.Paths {
				if p.PathType == nil {
					rep.add(d, "spec.rules[%d].http.paths[%d].pathType is required", i, j)
				}
				if !strings.HasPrefix(p.Path, "/") {
					rep.add(d, "spec.rules[%d].http.paths[%d].path must start with /", i, j)
				}
			}
		}
	case *ScaledObject:
		if o.Spec.ScaleTargetRef == nil || o.Spec.ScaleTargetRef.Name == "" {
			rep.add(d, "spec.scaleTargetRef.name is required")
		}
		if o.Spec.MinReplicaCount != nil && o.Spec.MaxReplicaCount != nil && *o.Spec.MaxReplicaCount < *o.Spec.MinReplicaCount {
			rep.add(d, "spec.maxReplicaCount is below spec.minReplicaCount")
		}
		if len(o.Spec.Triggers) == 0 {
			rep.add(d, "spec.triggers is empty")
		}
		for i, t := range o.Spec.Triggers {
			if t.Type != "kafka" {
				continue
			}
			for k := range t.Metadata {
				if !kafkaTriggerKeys[k] {
					rep.add(d, "spec.triggers[%d].metadata.%s is not a setting of KEDA's kafka scaler", i, k)
				}
			}
			for _, k := range []string{"bootstrapServers", "consumerGroup", "topic"} {
				if t.Metadata[k] == "" && t.Metadata[k+"FromEnv"] == "" {
					rep.add(d, "spec.triggers[%d].metadata.%s is required", i, k)
				}
			}
		}
	case *PrometheusRule:
		validatePrometheusRule(d, o, rep)
	case *ServiceMonitor:
		if len(o.Spec.Endpoints) == 0 {
			rep.add(d, "spec.endpoints is empty")
		}
		rep.addList(d, metav1validation.ValidateLabelSelector(&o.Spec.Selector, metav1validation.LabelSelectorValidationOptions{}, field.NewPath("spec", "selector")))
	}
}

// validatePrometheusRule checks what Prometheus refuses when it loads a rule file: group names
// unique and present, each rule an alert or a recording rule with an expression, durations and
// label names it can parse.
func validatePrometheusRule(d *document, o *PrometheusRule, rep *report) {
	if len(o.Spec.Groups) == 0 {
		rep.add(d, "spec.groups is empty")
	}
	names := map[string]bool{}
	for i, g := range o.Spec.Groups {
		group := fmt.Sprintf("spec.groups[%d]", i)
		if g.Name == "" {
			rep.add(d, "%s.name is required", group)
		} else if names[g.Name] {
			rep.add(d, "%s.name %q is used by another group", group, g.Name)
		}
		names[g.Name] = true
		if g.Interval != "" && !promDuration.MatchString(g.Interval) {
			rep.add(d, "%s.interval %q is not a Prometheus duration", group, g.Interval)
		}
		if len(g.Rules) == 0 {
			rep.add(d, "%s.rules is empty", group)
		}
		for j, r := range g.Rules {
			rule := fmt.Sprintf("%s.rules[%d]", group, j)
			switch {
			case (r.Alert == "") == (r.Record == ""):
				rep.add(d, "%s: exactly one of alert and record is required", rule)
			case r.Record != "" && !promMetricName.MatchString(r.Record):
				rep.add(d, "%s.record %q is not a metric name", rule, r.Record)
			case r.Record != "" && (r.For != "" || len(r.Annotations) > 0):
				rep.add(d, "%s: a recording rule has no for or annotations", rule)
			}
			if strings.TrimSpace(r.Expr.String()) == "" {
				rep.add(d, "%s.expr is required", rule)
			}
			for _, f := range [][2]string{{"for", r.For}, {"keep_firing_for", r.KeepFiringFor}} {
				if f[1] != "" && !promDuration.MatchString(f[1]) {
					rep.add(d, "%s.%s %q is not a Prometheus duration", rule, f[0], f[1])
				}
			}
			for _, m := range []map[string]string{r.Labels, r.Annotations} {
				for k := range m {
					if !promLabelName.MatchString(k) {
						rep.add(d, "%s: %q is not a label name", rule, k)
					}
				}
			}
		}
	}
}

func validateIntOrStringPort(d *document, p intstr.IntOrString, path string, rep *report) {
	if p.Type == intstr.String {
		for _, msg := range validation.IsValidPortName(p.StrVal) {
			rep.add(d, "%s %q: %s", path, p.StrVal, msg)
		}
	} else {
		for _, msg := range validation.IsValidPortNum(int(p.IntVal)) {
			rep.add(d, "%s: %s", path, msg)
		}
	}
}

func validateSelector(d *document, sel *metav1.LabelSelector, podLabels map[string]string, spec *field.Path, rep *report) {
	if sel == nil || (len(sel.MatchLabels) == 0 && len(sel.MatchExpressions) == 0) {
		rep.add(d, "spec.selector must not be empty")
		return
	}
	errs := metav1validation.ValidateLabelSelector(sel, metav1validation.LabelSelectorValidationOptions{}, spec.Child("selector"))
	rep.addList(d, errs)
	if len(errs) > 0 {
		return
	}
	selector, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil {
		rep.add(d, "spec.selector: %v", err)
		return
	}
	if !selector.Matches(labels.Set(podLabels)) {
		rep.add(d, "spec.selector does not match the pod template's labels %v", podLabels)
	}
}

func validatePodSpec(d *document, ps *corev1.PodSpec, path *field.Path, rep *report) {
	volumes := map[string]bool{}
	for i, v := range ps.Volumes {
		for _, msg := range validation.IsDNS1123Label(v.Name) {
			rep.add(d, "%s: %s", path.Child("volumes").Index(i).Child("name"), msg)
		}
		if volumes[v.Name] {
			rep.add(d, "%s: volume %q is duplicated", path.Child("volumes").Index(i), v.Name)
		}
		volumes[v.Name] = true
	}
	names := map[string]bool{}
	check := func(c *corev1.Container, cp *field.Path, regular bool) {
		for _, msg := range validation.IsDNS1123Label(c.Name) {
			rep.add(d, "%s: %s", cp.Child("name"), msg)
		}
		if names[c.Name] {
			rep.add(d, "%s: container name %q is duplicated", cp.Child("name"), c.Name)
		}
		names[c.Name] = true
		if c.Image == "" {
			rep.add(d, "%s is required", cp.Child("image"))
		}
		ports := map[string]bool{}
		for j, p := range c.Ports {
			pp := cp.Child("ports").Index(j)
			for _, msg := range validation.IsValidPortNum(int(p.ContainerPort)) {
				rep.add(d, "%s: %s", pp.Child("containerPort"), msg)
			}
			if p.Name != "" {
				for _, msg := range validation.IsValidPortName(p.Name) {
					rep.add(d, "%s %q: %s", pp.Child("name"), p.Name, msg)
				}
				if ports[p.Name] {
					rep.add(d, "%s: port name %q is duplicated", pp.Child("name"), p.Name)
				}
				ports[p.Name] = true
			}
		}
		for name, probe := range map[string]*corev1.Probe{"livenessProbe": c.LivenessProbe, "readinessProbe": c.ReadinessProbe, "startupProbe": c.StartupProbe} {
			if probe == nil {
				continue
			}
			if !regular {
				rep.add(d, "%s: an init container may not have a %s", cp, name)
			}
			handlers := 0
			if probe.HTTPGet != nil {
				handlers++
				if probe.HTTPGet.Port.Type == intstr.String && !ports[probe.HTTPGet.Port.StrVal] {
					rep.add(d, "%s.httpGet.port %q names no port of the container", cp.Child(name), probe.HTTPGet.Port.StrVal)
				}
				if !strings.HasPrefix(probe.HTTPGet.Path, "/") {
					rep.add(d, "%s.httpGet.path must start with /", cp.Child(name))
				}
			}
			if probe.TCPSocket != nil {
				handlers++
			}
			if probe.Exec != nil {
				handlers++
			}
			if probe.GRPC != nil {
				handlers++
			}
			if handlers != 1 {
				rep.add(d, "%s must have exactly one handler (httpGet, tcpSocket, exec or grpc), has %d", cp.Child(name), handlers)
			}
			if name == "livenessProbe" || name == "startupProbe" {
				if probe.SuccessThreshold > 1 {
					rep.add(d, "%s.successThreshold must be 1", cp.Child(name))
				}
			}
		}
		envNames := map[string]bool{}
		for j, e := range c.Env {
			for _, msg := range validation.IsEnvVarName(e.Name) {
				rep.add(d, "%s %q: %s", cp.Child("env").Index(j).Child("name"), e.Name, msg)
			}
			if envNames[e.Name] {
				rep.add(d, "%s: env var %q is set twice", cp.Child("env").Index(j), e.Name)
			}
			envNames[e.Name] = true
			if e.ValueFrom != nil && e.Value != "" {
				rep.add(d, "%s: value and valueFrom are exclusive", cp.Child("env").Index(j))
			}
		}
		for j, m := range c.VolumeMounts {
			if !volumes[m.Name] {
				rep.add(d, "%s: volume %q is not defined in the pod", cp.Child("volumeMounts").Index(j), m.Name)
			}
			if !strings.HasPrefix(m.MountPath, "/") {
				rep.add(d, "%s.mountPath must be absolute", cp.Child("volumeMounts").Index(j))
			}
		}
		for res, limit := range c.Resources.Limits {
			if req, ok := c.Resources.Requests[res]; ok && req.Cmp(limit) > 0 {
				rep.add(d, "%s: request %s exceeds limit %s for %s", cp.Child("resources"), req.String(), limit.String(), res)
			}
		}
	}
	for i := range ps.InitContainers {
		check(&ps.InitContainers[i], path.Child("initContainers").Index(i), false)
	}
	for i := range ps.Containers {
		check(&ps.Containers[i], path.Child("containers").Index(i), true)
	}
	if len(ps.Containers) == 0 {
		rep.add(d, "%s must not be empty", path.Child("containers"))
	}
	for i, t := range ps.TopologySpreadConstraints {
		tp := path.Child("topologySpreadConstraints").Index(i)
		if t.MaxSkew < 1 {
			rep.add(d, "%s.maxSkew must be at least 1", tp)
		}
		if t.TopologyKey == "" {
			rep.add(d, "%s.topologyKey is required", tp)
		}
		if t.WhenUnsatisfiable != corev1.DoNotSchedule && t.WhenUnsatisfiable != corev1.ScheduleAnyway {
			rep.add(d, "%s.whenUnsatisfiable must be DoNotSchedule or ScheduleAnyway", tp)
		}
		if t.LabelSelector != nil {
			rep.addList(d, metav1validation.ValidateLabelSelector(t.LabelSelector, metav1validation.LabelSelectorValidationOptions{}, tp.Child("labelSelector")))
		}
	}
}
