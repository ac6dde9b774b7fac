package main

// Typed mirrors of the custom resources the Sluice chart can render. Only the fields of
// their published CRD schemas are declared, so that strict decoding rejects a misspelt or
// misplaced field the same way it does for built-in kinds. Subtrees the chart never renders
// (TLS and auth settings of a scrape endpoint) are kept as raw JSON: present is fine, their
// inside is not checked.

import (
	"encoding/json"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// ServiceMonitor is monitoring.coreos.com/v1 ServiceMonitor (prometheus-operator).
type ServiceMonitor struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec              ServiceMonitorSpec `json:"spec"`
}

type ServiceMonitorSpec struct {
	JobLabel               string               `json:"jobLabel,omitempty"`
	TargetLabels           []string             `json:"targetLabels,omitempty"`
	PodTargetLabels        []string             `json:"podTargetLabels,omitempty"`
	Endpoints              []ScrapeEndpoint     `json:"endpoints"`
	Selector               metav1.LabelSelector `json:"selector"`
	SelectorMechanism      string               `json:"selectorMechanism,omitempty"`
	NamespaceSelector      *NamespaceSelector   `json:"namespaceSelector,omitempty"`
	SampleLimit            *uint64              `json:"sampleLimit,omitempty"`
	ScrapeProtocols        []string             `json:"scrapeProtocols,omitempty"`
	FallbackScrapeProtocol string               `json:"fallbackScrapeProtocol,omitempty"`
	TargetLimit            *uint64              `json:"targetLimit,omitempty"`
	LabelLimit             *uint64              `json:"labelLimit,omitempty"`
	LabelNameLengthLimit   *uint64              `json:"labelNameLengthLimit,omitempty"`
	LabelValueLengthLimit  *uint64              `json:"labelValueLengthLimit,omitempty"`
	KeepDroppedTargets     *uint64              `json:"keepDroppedTargets,omitempty"`
	AttachMetadata         *struct {
		Node *bool `json:"node,omitempty"`
	} `json:"attachMetadata,omitempty"`
	ScrapeClass              string  `json:"scrapeClass,omitempty"`
	BodySizeLimit            string  `json:"bodySizeLimit,omitempty"`
	ScrapeClassicHistograms  *bool   `json:"scrapeClassicHistograms,omitempty"`
	NativeHistogramBucketLim *uint64 `json:"nativeHistogramBucketLimit,omitempty"`
}

type NamespaceSelector struct {
	Any        bool     `json:"any,omitempty"`
	MatchNames []string `json:"matchNames,omitempty"`
}

type ScrapeEndpoint struct {
	Port                     string              `json:"port,omitempty"`
	TargetPort               *intstr.IntOrString `json:"targetPort,omitempty"`
	Path                     string              `json:"path,omitempty"`
	Scheme                   string              `json:"scheme,omitempty"`
	Params                   map[string][]string `json:"params,omitempty"`
	Interval                 string              `json:"interval,omitempty"`
	ScrapeTimeout            string              `json:"scrapeTimeout,omitempty"`
	HonorLabels              bool                `json:"honorLabels,omitempty"`
	HonorTimestamps          *bool               `json:"honorTimestamps,omitempty"`
	TrackTimestampsStaleness *bool               `json:"trackTimestampsStaleness,omitempty"`
	FilterRunning            *bool               `json:"filterRunning,omitempty"`
	FollowRedirects          *bool               `json:"followRedirects,omitempty"`
	EnableHTTP2              *bool               `json:"enableHttp2,omitempty"`
	MetricRelabelings        []RelabelConfig     `json:"metricRelabelings,omitempty"`
	Relabelings              []RelabelConfig     `json:"relabelings,omitempty"`
	TLSConfig                json.RawMessage     `json:"tlsConfig,omitempty"`
	BearerTokenSecret        json.RawMessage     `json:"bearerTokenSecret,omitempty"`
	Authorization            json.RawMessage     `json:"authorization,omitempty"`
	BasicAuth                json.RawMessage     `json:"basicAuth,omitempty"`
	OAuth2                   json.RawMessage     `json:"oauth2,omitempty"`
	ProxyURL                 string              `json:"proxyUrl,omitempty"`
	NoProxy                  string              `json:"noProxy,omitempty"`
}

type RelabelConfig struct {
	SourceLabels []string `json:"sourceLabels,omitempty"`
	Separator    *string  `json:"separator,omitempty"`
	TargetLabel  string   `json:"targetLabel,omitempty"`
	Regex        string   `json:"regex,omitempty"`
	Modulus      uint64   `json:"modulus,omitempty"`
	Replacement  *string  `json:"replacement,omitempty"`
	Action       string   `json:"action,omitempty"`
}

// ScaledObject is keda.sh/v1alpha1 ScaledObject (KEDA 2.x).
type ScaledObject struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec              ScaledObjectSpec `json:"spec"`
}

type ScaledObjectSpec struct {
	ScaleTargetRef        *ScaleTarget     `json:"scaleTargetRef"`
	PollingInterval       *int32           `json:"pollingInterval,omitempty"`
	InitialCooldownPeriod *int32           `json:"initialCooldownPeriod,omitempty"`
	CooldownPeriod        *int32           `json:"cooldownPeriod,omitempty"`
	IdleReplicaCount      *int32           `json:"idleReplicaCount,omitempty"`
	MinReplicaCount       *int32           `json:"minReplicaCount,omitempty"`
	MaxReplicaCount       *int32           `json:"maxReplicaCount,omitempty"`
	Advanced              *AdvancedConfig  `json:"advanced,omitempty"`
	Triggers              []ScaleTrigger   `json:"triggers"`
	Fallback              *ScalingFallback `json:"fallback,omitempty"`
}

type ScaleTarget struct {
	APIVersion             string `json:"apiVersion,omitempty"`
	Kind                   string `json:"kind,omitempty"`
	Name                   string `json:"name"`
	EnvSourceContainerName string `json:"envSourceContainerName,omitempty"`
}

type AdvancedConfig struct {
	HorizontalPodAutoscalerConfig *struct {
		Name     string                                         `json:"name,omitempty"`
		Behavior *autoscalingv2.HorizontalPodAutoscalerBehavior `json:"behavior,omitempty"`
	} `json:"horizontalPodAutoscalerConfig,omitempty"`
	RestoreToOriginalReplicaCount bool `json:"restoreToOriginalReplicaCount,omitempty"`
	ScalingModifiers              *struct {
		Formula          string `json:"formula,omitempty"`
		Target           string `json:"target,omitempty"`
		ActivationTarget string `json:"activationTarget,omitempty"`
		MetricType       string `json:"metricType,omitempty"`
	} `json:"scalingModifiers,omitempty"`
}

type ScaleTrigger struct {
	Type              string            `json:"type"`
	Name              string            `json:"name,omitempty"`
	UseCachedMetrics  bool              `json:"useCachedMetrics,omitempty"`
	Metadata          map[string]string `json:"metadata"`
	AuthenticationRef *struct {
		Name string `json:"name"`
		Kind string `json:"kind,omitempty"`
	} `json:"authenticationRef,omitempty"`
	MetricType string `json:"metricType,omitempty"`
}

type ScalingFallback struct {
	FailureThreshold int32  `json:"failureThreshold"`
	Replicas         int32  `json:"replicas"`
	Behavior         string `json:"behavior,omitempty"`
}

// kafkaTriggerKeys are the metadata keys KEDA's `kafka` scaler reads (its docs, 2.x).
var kafkaTriggerKeys = map[string]bool{
	"bootstrapServers": true, "bootstrapServersFromEnv": true,
	"consumerGroup": true, "consumerGroupFromEnv": true,
	"topic": true, "topicFromEnv": true,
	"lagThreshold": true, "activationLagThreshold": true, "offsetResetPolicy": true,
	"allowIdleConsumers": true, "excludePersistentLag": true, "scaleToZeroOnInvalidOffset": true,
	"limitToPartitionsWithLag": true, "ensureEvenDistributionOfPartitions": true,
	"partitionLimitation": true, "version": true, "sasl": true, "tls": true, "unsafeSsl": true,
}

// PrometheusRule is monitoring.coreos.com/v1 PrometheusRule (prometheus-operator).
type PrometheusRule struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec              PrometheusRuleSpec `json:"spec"`
}

type PrometheusRuleSpec struct {
	Groups []RuleGroup `json:"groups,omitempty"`
}

type RuleGroup struct {
	Name                    string            `json:"name"`
	Labels                  map[string]string `json:"labels,omitempty"`
	Interval                string            `json:"interval,omitempty"`
	QueryOffset             string            `json:"query_offset,omitempty"`
	Rules                   []Rule            `json:"rules,omitempty"`
	PartialResponseStrategy string            `json:"partial_response_strategy,omitempty"`
	Limit                   *int32            `json:"limit,omitempty"`
}

type Rule struct {
	Record        string             `json:"record,omitempty"`
	Alert         string             `json:"alert,omitempty"`
	Expr          intstr.IntOrString `json:"expr"`
	For           string             `json:"for,omitempty"`
	KeepFiringFor string             `json:"keep_firing_for,omitempty"`
	Labels        map[string]string  `json:"labels,omitempty"`
	Annotations   map[string]string  `json:"annotations,omitempty"`
}
