// Checks across documents: duplicates, selectors that match pods, ports and objects that are referred to, hook ordering.
package main

import (
	"fmt"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
)

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
