// Reading manifests: splitting a YAML stream into documents and strictly decoding each into its typed object.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
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
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
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
