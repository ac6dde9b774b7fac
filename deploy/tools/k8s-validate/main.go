// k8s-validate checks rendered Kubernetes manifests offline, with no cluster and no network:
// every document is decoded strictly into its typed Kubernetes object (the Go types of
// k8s.io/api, the same ones the API server decodes into), so an unknown, misspelt, duplicated
// or mistyped field is an error; then the rules an API server or Helm would enforce at
// install time are checked (names, labels, selectors that match their pods, ports that
// exist, references between the documents, hooks that only use what exists before them).
//
//	helm template ... | k8s-validate [--json] [-]      # or: k8s-validate file.yaml...
//	k8s-validate --yaml-to-json < values.yaml          # plain conversion, no validation
//
// Exit status 0 when every document is valid, 1 otherwise (each problem on stderr, one line).
// With --json the documents are printed on stdout as a JSON array of
// {source, apiVersion, kind, name, namespace, object}, for tests written in other languages.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	kjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"
)

// kinds maps apiVersion/kind to a constructor of its typed object. A kind that is not here is
// an error: the validator must know every kind the chart renders.
var kinds = map[string]func() any{
	"v1/ConfigMap":                             func() any { return &corev1.ConfigMap{} },
	"v1/Secret":                                func() any { return &corev1.Secret{} },
	"v1/Service":                               func() any { return &corev1.Service{} },
	"v1/ServiceAccount":                        func() any { return &corev1.ServiceAccount{} },
	"v1/Pod":                                   func() any { return &corev1.Pod{} },
	"apps/v1/Deployment":                       func() any { return &appsv1.Deployment{} },
	"apps/v1/StatefulSet":                      func() any { return &appsv1.StatefulSet{} },
	"batch/v1/Job":                             func() any { return &batchv1.Job{} },
	"batch/v1/CronJob":                         func() any { return &batchv1.CronJob{} },
	"autoscaling/v2/HorizontalPodAutoscaler":   func() any { return &autoscalingv2.HorizontalPodAutoscaler{} },
	"policy/v1/PodDisruptionBudget":            func() any { return &policyv1.PodDisruptionBudget{} },
	"networking.k8s.io/v1/NetworkPolicy":       func() any { return &networkingv1.NetworkPolicy{} },
	"networking.k8s.io/v1/Ingress":             func() any { return &networkingv1.Ingress{} },
	"rbac.authorization.k8s.io/v1/Role":        func() any { return &rbacv1.Role{} },
	"rbac.authorization.k8s.io/v1/RoleBinding": func() any { return &rbacv1.RoleBinding{} },
	"monitoring.coreos.com/v1/ServiceMonitor":  func() any { return &ServiceMonitor{} },
	"keda.sh/v1alpha1/ScaledObject":            func() any { return &ScaledObject{} },
	"monitoring.coreos.com/v1/PrometheusRule":  func() any { return &PrometheusRule{} },
}

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

type document struct {
	Source     string         `json:"source"`
	APIVersion string         `json:"apiVersion"`
	Kind       string         `json:"kind"`
	Name       string         `json:"name"`
	Namespace  string         `json:"namespace,omitempty"`
	Object     map[string]any `json:"object"`
	typed      any
	meta       *metav1.ObjectMeta
}

func (d *document) String() string {
	return fmt.Sprintf("%s (%s %s)", d.Source, d.Kind, d.Name)
}

func (d *document) hooks() []string {
	if d.meta == nil || d.meta.Annotations["helm.sh/hook"] == "" {
		return nil
	}
	return splitList(d.meta.Annotations["helm.sh/hook"])
}

type report struct{ problems []string }

func (r *report) add(where fmt.Stringer, format string, args ...any) {
	r.problems = append(r.problems, fmt.Sprintf("%s: %s", where, fmt.Sprintf(format, args...)))
}

func (r *report) addList(where fmt.Stringer, errs field.ErrorList) {
	for _, e := range errs {
		r.add(where, "%s", e.Error())
	}
}

type label string

func (l label) String() string { return string(l) }

func main() {
	asJSON := flag.Bool("json", false, "print the decoded documents as a JSON array on stdout")
	toJSON := flag.Bool("yaml-to-json", false, "only convert one YAML document on stdin to JSON (for tests that read values.yaml)")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: k8s-validate [--json] [file.yaml ...]   (no file or '-': standard input)")
		fmt.Fprintln(os.Stderr, "       k8s-validate --yaml-to-json < file.yaml")
	}
	flag.Parse()
	if *toJSON {
		os.Exit(yamlToJSON(os.Stdin, os.Stdout))
	}

	inputs := flag.Args()
	if len(inputs) == 0 {
		inputs = []string{"-"}
	}
	var docs []*document
	rep := &report{}
	for _, input := range inputs {
		var r io.Reader = os.Stdin
		name := "<stdin>"
		if input != "-" {
			f, err := os.Open(input)
			if err != nil {
				fmt.Fprintf(os.Stderr, "k8s-validate: %v\n", err)
				os.Exit(2)
			}
			defer f.Close()
			r, name = f, input
		}
		docs = append(docs, decodeAll(r, name, rep)...)
	}
	for _, d := range docs {
		validateDocument(d, rep)
	}
	validateReferences(docs, rep)

	if *asJSON {
		out := docs
		if out == nil {
			out = []*document{}
		}
		enc := json.NewEncoder(os.Stdout)
		if err := enc.Encode(out); err != nil {
			fmt.Fprintf(os.Stderr, "k8s-validate: %v\n", err)
			os.Exit(2)
		}
	}
	for _, p := range rep.problems {
		fmt.Fprintf(os.Stderr, "k8s-validate: %s\n", p)
	}
	if len(rep.problems) > 0 {
		fmt.Fprintf(os.Stderr, "k8s-validate: %d documents, %d problems\n", len(docs), len(rep.problems))
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "k8s-validate: %d documents valid\n", len(docs))
}

var sourceComment = regexp.MustCompile(`(?m)^# Source: (.+)$`)

// decodeAll splits a multi-document YAML stream and strictly decodes each document.
func decodeAll(r io.Reader, input string, rep *report) []*document {
	reader := utilyaml.NewYAMLReader(bufio.NewReader(r))
	var docs []*document
	for index := 0; ; index++ {
		raw, err := reader.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		where := label(fmt.Sprintf("%s#%d", input, index))
		if err != nil {
			rep.add(where, "cannot split the YAML stream: %v", err)
			break
		}
		source := string(where)
		if m := sourceComment.FindSubmatch(raw); m != nil {
			source = strings.TrimSpace(string(m[1]))
		}
		// Strict: a key given twice in one mapping is an error, as with kubectl --validate=strict.
		data, err := yaml.YAMLToJSONStrict(raw)
		if err != nil {
			rep.add(label(source), "invalid YAML: %v", err)
			continue
		}
		if bytes.Equal(bytes.TrimSpace(data), []byte("null")) {
			continue // only comments, or an empty document
		}
		var object map[string]any
		if err := json.Unmarshal(data, &object); err != nil {
			rep.add(label(source), "a manifest must be a mapping: %v", err)
			continue
		}
		d := &document{Source: source, Object: object}
		d.APIVersion, _ = object["apiVersion"].(string)
		d.Kind, _ = object["kind"].(string)
		if d.APIVersion == "" || d.Kind == "" {
			rep.add(d, "apiVersion and kind are required")
			continue
		}
		newObject, known := kinds[d.APIVersion+"/"+d.Kind]
		if !known {
			rep.add(d, "unknown apiVersion/kind %s/%s (k8s-validate knows: %s)", d.APIVersion, d.Kind, strings.Join(knownKinds(), ", "))
			continue
		}
		typed := newObject()
		strictErrs, err := kjson.UnmarshalStrict(data, typed, kjson.DisallowDuplicateFields, kjson.DisallowUnknownFields)
		if err != nil {
			rep.add(d, "does not decode as %s/%s: %v", d.APIVersion, d.Kind, err)
			continue
		}
		d.typed = typed
		if accessor, ok := typed.(interface{ GetObjectMeta() metav1.Object }); ok {
			if om, ok := accessor.GetObjectMeta().(*metav1.ObjectMeta); ok {
				d.meta = om
			}
		}
		if d.meta == nil {
			rep.add(d, "has no metadata")
			continue
		}
		d.Name, d.Namespace = d.meta.Name, d.meta.Namespace
		for _, e := range strictErrs {
			rep.add(d, "strict decoding: %v", e)
		}
		docs = append(docs, d)
	}
	return docs
}

func knownKinds() []string {
	out := make([]string, 0, len(kinds))
	for k := range kinds {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

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

// workload is a pod template found in the documents, with what other documents may point at.
type workload struct {
	doc    *document
	labels labels.Set
	ports  map[string]bool // named container ports
	nums   map[int32]bool  // container port numbers
}

func validateReferences(docs []*document, rep *report) {
	byKey := map[string]*document{}
	for _, d := range docs {
		key := d.Kind + "/" + d.Namespace + "/" + d.Name
		if other, dup := byKey[key]; dup {
			rep.add(d, "%s %q is also defined in %s", d.Kind, d.Name, other.Source)
		}
		byKey[key] = d
	}
	find := func(kind, name string) *document {
		for _, d := range docs {
			if d.Kind == kind && d.Name == name {
				return d
			}
		}
		return nil
	}

	var workloads []workload
	for _, d := range docs {
		var tpl *corev1.PodTemplateSpec
		switch o := d.typed.(type) {
		case *appsv1.Deployment:
			tpl = &o.Spec.Template
		case *appsv1.StatefulSet:
			tpl = &o.Spec.Template
		}
		if tpl == nil {
			continue
		}
		w := workload{doc: d, labels: labels.Set(tpl.Labels), ports: map[string]bool{}, nums: map[int32]bool{}}
		for _, c := range tpl.Spec.Containers {
			for _, p := range c.Ports {
				if p.Name != "" {
					w.ports[p.Name] = true
				}
				w.nums[p.ContainerPort] = true
			}
		}
		workloads = append(workloads, w)
	}
	matching := func(sel labels.Selector) []workload {
		var out []workload
		for _, w := range workloads {
			if sel.Matches(w.labels) {
				out = append(out, w)
			}
		}
		return out
	}

	for _, d := range docs {
		switch o := d.typed.(type) {
		case *corev1.Service:
			if len(o.Spec.Selector) == 0 {
				continue
			}
			targets := matching(labels.SelectorFromSet(o.Spec.Selector))
			if len(targets) == 0 {
				rep.add(d, "spec.selector %v matches no pod template in the manifests", o.Spec.Selector)
				continue
			}
			for i, p := range o.Spec.Ports {
				for _, w := range targets {
					if p.TargetPort.Type == intstr.String && !w.ports[p.TargetPort.StrVal] {
						rep.add(d, "spec.ports[%d].targetPort %q is not a named port of %s", i, p.TargetPort.StrVal, w.doc.Name)
					}
				}
			}
		case *autoscalingv2.HorizontalPodAutoscaler:
			ref := o.Spec.ScaleTargetRef
			if find(ref.Kind, ref.Name) == nil {
				rep.add(d, "spec.scaleTargetRef %s %q is not in the manifests", ref.Kind, ref.Name)
			}
		case *ScaledObject:
			if ref := o.Spec.ScaleTargetRef; ref != nil {
				kind := ref.Kind
				if kind == "" {
					kind = "Deployment"
				}
				if find(kind, ref.Name) == nil {
					rep.add(d, "spec.scaleTargetRef %s %q is not in the manifests", kind, ref.Name)
				}
			}
		case *policyv1.PodDisruptionBudget:
			if o.Spec.Selector == nil {
				continue
			}
			if sel, err := metav1.LabelSelectorAsSelector(o.Spec.Selector); err == nil && len(matching(sel)) == 0 {
				rep.add(d, "spec.selector matches no pod template in the manifests")
			}
		case *networkingv1.NetworkPolicy:
			if sel, err := metav1.LabelSelectorAsSelector(&o.Spec.PodSelector); err == nil && len(matching(sel)) == 0 {
				rep.add(d, "spec.podSelector matches no pod template in the manifests")
			}
		case *networkingv1.Ingress:
			for i, r := range o.Spec.Rules {
				if r.HTTP == nil {
					continue
				}
				for j, p := range r.HTTP.Paths {
					if p.Backend.Service == nil {
						continue
					}
					svcDoc := find("Service", p.Backend.Service.Name)
					if svcDoc == nil {
						rep.add(d, "spec.rules[%d].http.paths[%d] points at Service %q, which is not in the manifests", i, j, p.Backend.Service.Name)
						continue
					}
					if !servicePortExists(svcDoc.typed.(*corev1.Service), p.Backend.Service.Port) {
						rep.add(d, "spec.rules[%d].http.paths[%d]: Service %q has no such port", i, j, p.Backend.Service.Name)
					}
				}
			}
		case *ServiceMonitor:
			sel, err := metav1.LabelSelectorAsSelector(&o.Spec.Selector)
			if err != nil {
				continue
			}
			var services []*corev1.Service
			for _, other := range docs {
				if s, ok := other.typed.(*corev1.Service); ok && sel.Matches(labels.Set(s.Labels)) {
					services = append(services, s)
				}
			}
			if len(services) == 0 {
				rep.add(d, "spec.selector matches no Service in the manifests")
			}
			for i, e := range o.Spec.Endpoints {
				for _, s := range services {
					if e.Port != "" && !servicePortExists(s, networkingv1.ServiceBackendPort{Name: e.Port}) {
						rep.add(d, "spec.endpoints[%d].port %q is not a port of Service %s", i, e.Port, s.Name)
					}
				}
			}
		}
		validatePodReferences(d, docs, find, rep)
	}
}

func servicePortExists(s *corev1.Service, p networkingv1.ServiceBackendPort) bool {
	for _, sp := range s.Spec.Ports {
		if (p.Name != "" && sp.Name == p.Name) || (p.Name == "" && sp.Port == p.Number) {
			return true
		}
	}
	return false
}

// validatePodReferences checks what a pod template takes from other documents: keys of a
// ConfigMap or Secret rendered alongside must exist, and a Helm hook must not depend on an
// ordinary resource of the same release, which does not exist yet when a pre-install hook runs.
func validatePodReferences(d *document, docs []*document, find func(kind, name string) *document, rep *report) {
	var ps *corev1.PodSpec
	switch o := d.typed.(type) {
	case *appsv1.Deployment:
		ps = &o.Spec.Template.Spec
	case *appsv1.StatefulSet:
		ps = &o.Spec.Template.Spec
	case *batchv1.Job:
		ps = &o.Spec.Template.Spec
	case *batchv1.CronJob:
		ps = &o.Spec.JobTemplate.Spec.Template.Spec
	case *corev1.Pod:
		ps = &o.Spec
	default:
		return
	}
	preHook := false
	for _, h := range d.hooks() {
		if strings.HasPrefix(h, "pre-") {
			preHook = true
		}
	}
	uses := func(kind, name, key string, optional bool, where string) {
		target := find(kind, name)
		if target == nil {
			return // an object that exists outside the chart (an existing Secret, say)
		}
		if preHook && len(target.hooks()) == 0 {
			rep.add(d, "%s: this %s hook uses %s %q, which Helm creates only after the hook has run", where, strings.Join(d.hooks(), ","), kind, name)
		}
		if key == "" || optional {
			return
		}
		switch o := target.typed.(type) {
		case *corev1.ConfigMap:
			if _, ok := o.Data[key]; !ok {
				if _, ok := o.BinaryData[key]; !ok {
					rep.add(d, "%s: ConfigMap %q has no key %q", where, name, key)
				}
			}
		case *corev1.Secret:
			_, inData := o.Data[key]
			_, inString := o.StringData[key]
			if !inData && !inString {
				rep.add(d, "%s: Secret %q has no key %q", where, name, key)
			}
		}
	}
	all := append(append([]corev1.Container{}, ps.InitContainers...), ps.Containers...)
	for _, c := range all {
		for _, e := range c.Env {
			if e.ValueFrom == nil {
				continue
			}
			where := fmt.Sprintf("container %s env %s", c.Name, e.Name)
			if r := e.ValueFrom.SecretKeyRef; r != nil {
				uses("Secret", r.Name, r.Key, r.Optional != nil && *r.Optional, where)
			}
			if r := e.ValueFrom.ConfigMapKeyRef; r != nil {
				uses("ConfigMap", r.Name, r.Key, r.Optional != nil && *r.Optional, where)
			}
		}
		for _, e := range c.EnvFrom {
			where := fmt.Sprintf("container %s envFrom", c.Name)
			if e.SecretRef != nil {
				uses("Secret", e.SecretRef.Name, "", true, where)
			}
			if e.ConfigMapRef != nil {
				uses("ConfigMap", e.ConfigMapRef.Name, "", true, where)
			}
		}
	}
	for _, v := range ps.Volumes {
		where := "volume " + v.Name
		if v.Secret != nil {
			uses("Secret", v.Secret.SecretName, "", true, where)
		}
		if v.ConfigMap != nil {
			uses("ConfigMap", v.ConfigMap.Name, "", true, where)
		}
	}
	if ps.ServiceAccountName != "" {
		uses("ServiceAccount", ps.ServiceAccountName, "", true, "serviceAccountName")
	}
}

func splitList(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

// yamlToJSON converts one YAML document (duplicate keys rejected) to JSON.
func yamlToJSON(in io.Reader, out io.Writer) int {
	raw, err := io.ReadAll(in)
	if err == nil {
		var data []byte
		if data, err = yaml.YAMLToJSONStrict(raw); err == nil {
			_, err = fmt.Fprintln(out, string(data))
		}
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "k8s-validate: %v\n", err)
		return 1
	}
	return 0
}
