#!/usr/bin/env node
// Assertions on what the Sluice chart renders: hardening, probes and resources on every
// container, each service can be switched off, replicas / HPA / KEDA follow values, pods roll
// when their settings change, credentials never land in a ConfigMap, hooks are wired right, and
// values.yaml documents every value. Run by deploy/helm/test-chart.sh, which passes:
//   HELM      the pinned helm binary          VALIDATE  the k8s-validate binary
//   RESULTS   a file to write "<passed> <failed>" to
//   KUBE_VERSION  the Kubernetes version to render for (default: helm's own)
// Every `helm template` here goes through k8s-validate --json, so each scenario is also checked
// against the Kubernetes types; a render that fails validation fails its test.
'use strict';

const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');

const HELM = mustEnv('HELM');
const VALIDATE = mustEnv('VALIDATE');
const CHART = path.join(__dirname, 'sluice');
const ROOT = path.resolve(__dirname, '..', '..');
const KUBE = process.env.KUBE_VERSION ? ['--kube-version', process.env.KUBE_VERSION] : [];
const RELEASE = 'sluice';
const NAMESPACE = 'sms';
const SERVICES = ['api-gateway', 'rate-governor', 'carrier-dispatch', 'callback-service', 'carrier-simulator'];
const ON_BY_DEFAULT = SERVICES.filter((s) => s !== 'carrier-simulator');
const CONSUMERS = { 'rate-governor': ['rate-governor', 'sms.submitted.v1'], 'callback-service': ['callback-service', 'sms.status.v1'] };
const SECRET_KEYS = ['DATABASE_URL', 'REDIS_URL', 'SMPP_SYSTEM_ID', 'SMPP_PASSWORD', 'ADMIN_TOKEN', 'GATEWAY_ADMIN_TOKEN'];
const EXAMPLES = fs.readdirSync(path.join(CHART, 'examples')).filter((f) => f.endsWith('.yaml')).sort();

let passed = 0;
let failed = 0;

function mustEnv(name) {
  const value = process.env[name];
  if (!value) {
    console.error(`assert-manifests: ${name} is not set (run deploy/helm/test-chart.sh)`);
    process.exit(2);
  }
  return value;
}

function test(name, fn) {
  try {
    fn();
    passed++;
    console.log(`  ok    ${name}`);
  } catch (error) {
    failed++;
    console.log(`  FAIL  ${name}`);
    for (const line of String(error && error.message ? error.message : error).split('\n').slice(0, 12)) console.log(`        ${line}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Rendering

const renders = new Map();

/** helm template with the given arguments, validated; returns the documents (cached). */
function render(...args) {
  const key = JSON.stringify(args);
  if (!renders.has(key)) {
    const helm = spawnSync(HELM, ['template', RELEASE, CHART, '--namespace', NAMESPACE, ...KUBE, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
    if (helm.status !== 0) throw new Error(`helm template ${args.join(' ')} failed:\n${helm.stderr.trim()}`);
    const validate = spawnSync(VALIDATE, ['--json'], { input: helm.stdout, encoding: 'utf8', maxBuffer: 64 << 20 });
    if (validate.status !== 0) throw new Error(`k8s-validate rejected helm template ${args.join(' ')}:\n${validate.stderr.trim()}`);
    renders.set(key, JSON.parse(validate.stdout));
  }
  return renders.get(key);
}

/** helm template that must fail; returns its error text. */
function renderError(...args) {
  const helm = spawnSync(HELM, ['template', RELEASE, CHART, '--namespace', NAMESPACE, ...KUBE, ...args], { encoding: 'utf8' });
  assert.notEqual(helm.status, 0, `helm template ${args.join(' ')} should have failed`);
  return helm.stderr;
}

const set = (...pairs) => pairs.flatMap((p) => ['--set', p]);
const example = (file) => ['-f', path.join(CHART, 'examples', file)];

const objects = (docs, kind) => docs.filter((d) => d.kind === kind).map((d) => d.object);
const component = (o) => o.metadata.labels && o.metadata.labels['app.kubernetes.io/component'];
const byComponent = (docs, kind, name) => objects(docs, kind).find((o) => component(o) === name);
const fullName = (name) => `${RELEASE}-${name}`;
const podSpec = (o) => (o.kind === 'Job' ? o.spec.template.spec : o.spec.template.spec);
const envOf = (container) => Object.fromEntries((container.env || []).map((e) => [e.name, e]));
const checksums = (docs) => Object.fromEntries(objects(docs, 'Deployment').map((d) => [component(d), d.spec.template.metadata.annotations['checksum/config']]));

function enabledIn(docs) {
  return objects(docs, 'Deployment').map(component).sort();
}

// ---------------------------------------------------------------------------------------------
// What must hold in every render: the default values and each example file.

const cases = [['default values', []], ...EXAMPLES.map((f) => [`examples/${f}`, example(f)])];

for (const [label, args] of cases) {
  test(`${label}: renders and passes k8s-validate`, () => {
    assert.ok(render(...args).length > 0);
  });

  test(`${label}: every container is hardened and has resources`, () => {
    const problems = [];
    for (const o of [...objects(render(...args), 'Deployment'), ...objects(render(...args), 'Job')]) {
      const spec = podSpec(o);
      const psc = spec.securityContext || {};
      if (psc.runAsNonRoot !== true || psc.runAsUser !== 10001) problems.push(`${o.metadata.name}: pod securityContext must run as non-root uid 10001`);
      if (spec.automountServiceAccountToken !== false) problems.push(`${o.metadata.name}: automountServiceAccountToken must be false`);
      const tmp = (spec.volumes || []).find((v) => v.name === 'tmp');
      if (!tmp || !tmp.emptyDir) problems.push(`${o.metadata.name}: no emptyDir volume for /tmp`);
      for (const c of [...(spec.initContainers || []), ...spec.containers]) {
        const where = `${o.metadata.name}/${c.name}`;
        const sc = c.securityContext || {};
        if (sc.runAsNonRoot !== true) problems.push(`${where}: runAsNonRoot`);
        if (sc.readOnlyRootFilesystem !== true) problems.push(`${where}: readOnlyRootFilesystem`);
        if (sc.allowPrivilegeEscalation !== false) problems.push(`${where}: allowPrivilegeEscalation`);
        if (!(sc.capabilities && (sc.capabilities.drop || []).includes('ALL'))) problems.push(`${where}: capabilities.drop ALL`);
        const seccomp = (sc.seccompProfile || psc.seccompProfile || {}).type;
        if (seccomp !== 'RuntimeDefault') problems.push(`${where}: seccompProfile RuntimeDefault`);
        if (!c.resources || !c.resources.requests || !c.resources.requests.cpu || !c.resources.requests.memory) problems.push(`${where}: cpu and memory requests`);
        if (!c.resources || !c.resources.limits || !c.resources.limits.memory) problems.push(`${where}: a memory limit`);
        if (!(c.volumeMounts || []).some((m) => m.name === 'tmp' && m.mountPath === '/tmp')) problems.push(`${where}: /tmp mount`);
      }
    }
    assert.deepEqual(problems, []);
  });

  test(`${label}: every service container has liveness, readiness and startup probes on /health`, () => {
    const problems = [];
    for (const d of objects(render(...args), 'Deployment')) {
      for (const c of d.spec.template.spec.containers) {
        const where = `${d.metadata.name}/${c.name}`;
        const live = c.livenessProbe && c.livenessProbe.httpGet;
        const ready = c.readinessProbe && c.readinessProbe.httpGet;
        if (!live || live.path !== '/health/live' || live.port !== 'http') problems.push(`${where}: livenessProbe GET /health/live on port http`);
        if (!ready || ready.path !== '/health/ready' || ready.port !== 'http') problems.push(`${where}: readinessProbe GET /health/ready on port http`);
        if (!c.startupProbe) problems.push(`${where}: startupProbe`);
        if (!(c.ports || []).some((p) => p.name === 'http')) problems.push(`${where}: a port named http`);
      }
    }
    assert.deepEqual(problems, []);
  });

  test(`${label}: each service runs the one image with APP=<service>, serve, and its own Service, ConfigMap and checksum`, () => {
    const docs = render(...args);
    for (const d of objects(docs, 'Deployment')) {
      const name = component(d);
      const c = d.spec.template.spec.containers[0];
      assert.equal(d.metadata.name, fullName(name));
      assert.equal(envOf(c).APP.value, name, `${name}: APP`);
      assert.ok(/^\d+$/.test(envOf(c).PORT.value), `${name}: PORT`);
      assert.deepEqual(c.args, ['serve'], `${name}: args`);
      assert.ok(byComponent(docs, 'Service', name), `${name}: Service`);
      assert.ok(byComponent(docs, 'ConfigMap', name), `${name}: ConfigMap`);
      assert.ok(c.envFrom.some((e) => e.configMapRef && e.configMapRef.name === fullName(name)), `${name}: envFrom its ConfigMap`);
      assert.match(d.spec.template.metadata.annotations['checksum/config'] || '', /^[0-9a-f]{64}$/, `${name}: checksum/config`);
    }
  });

  test(`${label}: no credential is in a ConfigMap; credentials come from secretKeyRef`, () => {
    const docs = render(...args);
    for (const cm of objects(docs, 'ConfigMap')) {
      for (const key of SECRET_KEYS) {
        assert.ok(!(key in (cm.data || {})), `${cm.metadata.name} holds ${key}`);
      }
      for (const value of Object.values(cm.data || {})) assert.doesNotMatch(value, /:\/\/[^/]*:[^/]*@/, `${cm.metadata.name} holds a URL with a password`);
    }
    for (const d of objects(docs, 'Deployment')) {
      for (const e of d.spec.template.spec.containers[0].env) {
        if (SECRET_KEYS.includes(e.name)) {
          assert.ok(e.valueFrom && e.valueFrom.secretKeyRef, `${d.metadata.name}: ${e.name} must come from a Secret`);
        }
      }
    }
  });

  test(`${label}: migrations and topics run as pre-install/pre-upgrade hooks that wait first`, () => {
    const docs = render(...args);
    const jobs = Object.fromEntries(objects(docs, 'Job').map((j) => [component(j), j]));
    for (const [name, waitFor] of [['migrate', 'postgres'], ['topics', 'kafka']]) {
      const job = jobs[name];
      assert.ok(job, `no ${name} Job`);
      assert.equal(job.metadata.annotations['helm.sh/hook'], 'pre-install,pre-upgrade');
      const spec = job.spec.template.spec;
      assert.deepEqual(spec.containers[0].args, [name]);
      assert.equal(spec.initContainers[0].name, `wait-for-${waitFor}`);
      assert.equal(spec.restartPolicy, 'Never');
      // The script travels inside the manifest: it must still be valid JavaScript there.
      new vm.Script(spec.initContainers[0].args[2], { filename: `${name}-wait.js` });
    }
    assert.ok(Number(jobs.migrate.metadata.annotations['helm.sh/hook-weight']) < Number(jobs.topics.metadata.annotations['helm.sh/hook-weight']), 'migrate runs before topics');
    assert.ok(envOf(jobs.migrate.spec.template.spec.containers[0]).DATABASE_URL.valueFrom.secretKeyRef);
    assert.ok(envOf(jobs.topics.spec.template.spec.containers[0]).KAFKA_BROKERS.value);
    assert.ok(envOf(jobs.topics.spec.template.spec.containers[0]).KAFKA_REPLICATION_FACTOR.value);
  });
}

// ---------------------------------------------------------------------------------------------
// k8s-validate itself: a validator that accepts everything would make the checks above hollow.

const deployment = (extra = '') => `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, labels: {app: web}}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: web
          image: nginx:1
          ports: [{name: http, containerPort: 80}]
${extra}`;

for (const [what, manifest, pattern] of [
  ['an unknown field', deployment('          readinessProbe: {httpGet: {path: /, port: http}, periodSecond: 5}\n'), /unknown field "spec.template.spec.containers\[0\].readinessProbe.periodSecond"/],
  ['a field in the wrong case', deployment('          imagepullpolicy: Always\n'), /unknown field|imagepullpolicy/],
  ['a duplicated key', deployment('          image: nginx:2\n'), /duplicate|already set/],
  ['a mistyped value', deployment('          ports: [{name: http, containerPort: "eighty"}]\n').replace('          ports: [{name: http, containerPort: 80}]\n', ''), /does not decode|cannot unmarshal/],
  ['a probe on a port that does not exist', deployment('          livenessProbe: {httpGet: {path: /, port: web}}\n'), /names no port/],
  ['a Service selecting no pods', `${deployment()}---\napiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec: {selector: {app: other}, ports: [{name: http, port: 80, targetPort: http}]}\n`, /matches no pod template/],
  ['an HPA aimed at a missing Deployment', 'apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: x}\nspec: {scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: nope}, maxReplicas: 2, metrics: [{type: Resource, resource: {name: cpu, target: {type: Utilization, averageUtilization: 50}}}]}\n', /is not in the manifests/],
  ['a pre-install hook that uses a release Secret', `apiVersion: v1\nkind: Secret\nmetadata: {name: creds}\nstringData: {URL: x}\n---\napiVersion: batch/v1\nkind: Job\nmetadata: {name: j, annotations: {helm.sh/hook: pre-install}}\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers: [{name: j, image: busybox, env: [{name: URL, valueFrom: {secretKeyRef: {name: creds, key: URL}}}]}]\n`, /Helm creates only after the hook has run/],
  ['a KEDA kafka trigger with an unknown setting', 'apiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata: {name: s}\nspec: {scaleTargetRef: {name: web}, triggers: [{type: kafka, metadata: {bootstrapServers: "k:9092", consumerGroup: g, topic: t, lagThreshhold: "5"}}]}\n', /lagThreshhold is not a setting/],
  ['a kind it does not know', 'apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n', /unknown apiVersion\/kind/],
  ['a PrometheusRule rule that is neither an alert nor a recording rule', 'apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata: {name: r}\nspec: {groups: [{name: g, rules: [{expr: up == 0}]}]}\n', /exactly one of alert and record/],
  ['a PrometheusRule duration Prometheus cannot parse', 'apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata: {name: r}\nspec: {groups: [{name: g, rules: [{alert: A, expr: up == 0, for: 2 minutes}]}]}\n', /"2 minutes" is not a Prometheus duration/],
  ['a PrometheusRule with two groups of one name', 'apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata: {name: r}\nspec: {groups: [{name: g, rules: [{alert: A, expr: "1"}]}, {name: g, rules: [{alert: B, expr: "1"}]}]}\n', /used by another group/],
]) {
  test(`k8s-validate rejects ${what}`, () => {
    const run = spawnSync(VALIDATE, [], { input: manifest, encoding: 'utf8' });
    assert.equal(run.status, 1, `accepted:\n${manifest}`);
    assert.match(run.stderr, pattern);
  });
}

test('k8s-validate accepts a well-formed manifest', () => {
  const run = spawnSync(VALIDATE, [], { input: deployment('          readinessProbe: {httpGet: {path: /, port: http}}\n'), encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
});

// ---------------------------------------------------------------------------------------------
// The chart agrees with the code it deploys.

const readSource = (...parts) => fs.readFileSync(path.join(ROOT, ...parts), 'utf8');
const configSource = (name) => {
  const dir = path.join(ROOT, 'apps', name, 'src');
  const own = fs.readdirSync(dir).filter((f) => f.endsWith('.config.ts')).map((f) => fs.readFileSync(path.join(dir, f), 'utf8'));
  return [...own, readSource('libs', 'config', 'src', 'env-schemas.ts')].join('\n');
};

for (const [label, args] of cases) {
  test(`${label}: every variable a service is given is one its app reads (apps/<name>/src/*.config.ts)`, () => {
    const docs = render(...args);
    const unknown = [];
    for (const d of objects(docs, 'Deployment')) {
      const name = component(d);
      const source = configSource(name);
      const keys = [...d.spec.template.spec.containers[0].env.map((e) => e.name), ...Object.keys(byComponent(docs, 'ConfigMap', name).data)];
      for (const key of keys) {
        if (key === 'APP') continue; // read by the image's entrypoint
        if (!new RegExp(`\\b${key}:`).test(source)) unknown.push(`${name}: ${key}`);
      }
    }
    assert.deepEqual(unknown, []);
  });
}

test('consumer groups, topics and the KEDA ceiling agree with libs/contracts and the apps', () => {
  const topics = readSource('libs', 'contracts', 'src', 'topics.ts');
  const names = Object.fromEntries([...topics.matchAll(/(\w+): '([\w.]+)'/g)].map((m) => [m[1], m[2]]));
  const partitions = Object.fromEntries([...topics.matchAll(/name: Topic\.(\w+), partitions: (\d+)/g)].map((m) => [names[m[1]], Number(m[2])]));
  const docs = render(...set('defaults.keda.enabled=true', 'services.api-gateway.keda.enabled=false', 'services.carrier-dispatch.keda.enabled=false'));
  for (const [name, [group, topic]] of Object.entries(CONSUMERS)) {
    assert.ok(partitions[topic], `${topic} is not in libs/contracts/src/topics.ts`);
    assert.match(configSource(name), new RegExp(`KAFKA_GROUP_ID:.*default\\('${group}'\\)`), `${name}'s default group`);
    const so = byComponent(docs, 'ScaledObject', name);
    assert.ok(so.spec.maxReplicaCount <= partitions[topic], `${name}: maxReplicaCount ${so.spec.maxReplicaCount} > ${partitions[topic]} partitions`);
  }
});

// ---------------------------------------------------------------------------------------------
// Defaults

test('default values: the four platform services run, carrier-simulator does not', () => {
  const docs = render();
  assert.deepEqual(enabledIn(docs), [...ON_BY_DEFAULT].sort());
  const leftovers = docs.filter((d) => d.name.includes('carrier-simulator') || component(d.object) === 'carrier-simulator');
  assert.deepEqual(leftovers.map((d) => `${d.kind}/${d.name}`), []);
});

test('default values: two replicas, a PDB and zone + node spread per service, no HPA', () => {
  const docs = render();
  for (const d of objects(docs, 'Deployment')) {
    assert.equal(d.spec.replicas, 2, d.metadata.name);
    const keys = d.spec.template.spec.topologySpreadConstraints.map((t) => t.topologyKey).sort();
    assert.deepEqual(keys, ['kubernetes.io/hostname', 'topology.kubernetes.io/zone']);
    for (const t of d.spec.template.spec.topologySpreadConstraints) assert.deepEqual(t.labelSelector.matchLabels, d.spec.selector.matchLabels);
    assert.ok(byComponent(docs, 'PodDisruptionBudget', component(d)), `${d.metadata.name}: PDB`);
  }
  assert.equal(objects(docs, 'HorizontalPodAutoscaler').length, 0);
  assert.equal(objects(docs, 'ScaledObject').length, 0);
});

test('default values: credentials come from the shared Secret sluice-credentials; the chart makes none', () => {
  const docs = render();
  assert.equal(objects(docs, 'Secret').length, 0);
  const governor = envOf(byComponent(docs, 'Deployment', 'rate-governor').spec.template.spec.containers[0]);
  assert.deepEqual(governor.DATABASE_URL.valueFrom.secretKeyRef, { name: 'sluice-credentials', key: 'DATABASE_URL' });
  assert.deepEqual(governor.REDIS_URL.valueFrom.secretKeyRef, { name: 'sluice-credentials', key: 'REDIS_URL' });
  const dispatch = envOf(byComponent(docs, 'Deployment', 'carrier-dispatch').spec.template.spec.containers[0]);
  assert.deepEqual(dispatch.SMPP_PASSWORD.valueFrom.secretKeyRef, { name: 'sluice-credentials', key: 'SMPP_PASSWORD' });
  assert.ok(!('REDIS_URL' in envOf(byComponent(docs, 'Deployment', 'api-gateway').spec.template.spec.containers[0])), 'the gateway does not use Redis');
});

test('default values: consumers get their Kafka group; settings match the apps', () => {
  const docs = render();
  for (const [name, [group]] of Object.entries(CONSUMERS)) assert.equal(byComponent(docs, 'ConfigMap', name).data.KAFKA_GROUP_ID, group);
  const gateway = byComponent(docs, 'ConfigMap', 'api-gateway').data;
  assert.equal(gateway.HOST, '0.0.0.0');
  assert.equal(gateway.KAFKA_BROKERS, 'kafka:9092');
  assert.equal(gateway.SHUTDOWN_TIMEOUT_MS, '10000');
});

// ---------------------------------------------------------------------------------------------
// Each service can be switched off, and then renders nothing.

for (const name of ON_BY_DEFAULT) {
  test(`services.${name}.enabled=false renders nothing for ${name} and keeps the others`, () => {
    const docs = render(...set(`services.${name}.enabled=false`, 'networkPolicy.enabled=true', 'defaults.serviceMonitor.enabled=true', 'defaults.autoscaling.enabled=true', 'ingress.enabled=true'));
    const leftovers = docs.filter((d) => d.name === fullName(name) || component(d.object) === name);
    assert.deepEqual(leftovers.map((d) => `${d.kind}/${d.name}`), []);
    assert.deepEqual(enabledIn(docs), ON_BY_DEFAULT.filter((s) => s !== name).sort());
  });
}

test('services.carrier-simulator.enabled=true renders it with its SMPP port, and carrier-dispatch binds to it', () => {
  const docs = render(...set('services.carrier-simulator.enabled=true', 'networkPolicy.enabled=true', 'networkPolicy.egress.enabled=true'));
  const sim = byComponent(docs, 'Deployment', 'carrier-simulator');
  assert.equal(sim.spec.replicas, 1);
  assert.ok(sim.spec.template.spec.containers[0].ports.some((p) => p.name === 'smpp' && p.containerPort === 2775));
  assert.ok(byComponent(docs, 'Service', 'carrier-simulator').spec.ports.some((p) => p.name === 'smpp'));
  assert.equal(byComponent(docs, 'ConfigMap', 'carrier-dispatch').data.SMPP_HOST, fullName('carrier-simulator'));
  assert.equal(byComponent(docs, 'ConfigMap', 'carrier-simulator').data.SMPP_HOST, '0.0.0.0');
  const np = byComponent(docs, 'NetworkPolicy', 'carrier-simulator');
  assert.ok(np.spec.ingress.some((r) => r.ports[0].port === 'smpp' && r.from[0].podSelector.matchLabels['app.kubernetes.io/component'] === 'carrier-dispatch'));
});

test('every service disabled: no workload and no Service, still valid', () => {
  const docs = render(...set(...ON_BY_DEFAULT.map((s) => `services.${s}.enabled=false`)));
  assert.equal(objects(docs, 'Deployment').length, 0);
  assert.equal(objects(docs, 'Service').length, 0);
});

// ---------------------------------------------------------------------------------------------
// Replicas, HPA and KEDA follow values.

test('replicas: defaults.replicaCount applies to every service, services.<name>.replicaCount overrides it', () => {
  const docs = render(...set('defaults.replicaCount=4', 'services.rate-governor.replicaCount=7'));
  const replicas = Object.fromEntries(objects(docs, 'Deployment').map((d) => [component(d), d.spec.replicas]));
  assert.deepEqual(replicas, { 'api-gateway': 4, 'callback-service': 4, 'carrier-dispatch': 4, 'rate-governor': 7 });
});

test('HPA: min, max and CPU target follow values; the Deployment leaves replicas to it', () => {
  const docs = render(...set('services.api-gateway.autoscaling.enabled=true', 'services.api-gateway.autoscaling.minReplicas=3', 'services.api-gateway.autoscaling.maxReplicas=9', 'services.api-gateway.autoscaling.targetCPUUtilizationPercentage=55'));
  const hpas = objects(docs, 'HorizontalPodAutoscaler');
  assert.equal(hpas.length, 1);
  const [hpa] = hpas;
  assert.equal(hpa.spec.scaleTargetRef.name, fullName('api-gateway'));
  assert.equal(hpa.spec.minReplicas, 3);
  assert.equal(hpa.spec.maxReplicas, 9);
  assert.deepEqual(hpa.spec.metrics, [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 55 } } }]);
  assert.ok(!('replicas' in byComponent(docs, 'Deployment', 'api-gateway').spec), 'an autoscaled Deployment must not set replicas');
  assert.equal(byComponent(docs, 'Deployment', 'rate-governor').spec.replicas, 2);
});

test('HPA: defaults.autoscaling applies to all, a service can turn it off, memory target is optional', () => {
  const docs = render(...set('defaults.autoscaling.enabled=true', 'defaults.autoscaling.maxReplicas=8', 'defaults.autoscaling.targetMemoryUtilizationPercentage=80', 'services.callback-service.autoscaling.enabled=false'));
  const hpas = objects(docs, 'HorizontalPodAutoscaler');
  assert.deepEqual(hpas.map(component).sort(), ['api-gateway', 'carrier-dispatch', 'rate-governor']);
  for (const hpa of hpas) {
    assert.equal(hpa.spec.maxReplicas, 8);
    assert.deepEqual(hpa.spec.metrics.map((m) => m.resource.name), ['cpu', 'memory']);
  }
  assert.equal(byComponent(docs, 'Deployment', 'callback-service').spec.replicas, 2);
});

test('KEDA: ScaledObjects on consumer lag (group and topic per consumer), replacing the HPA', () => {
  const docs = render(...set('defaults.autoscaling.enabled=true', 'services.rate-governor.keda.enabled=true', 'services.callback-service.keda.enabled=true', 'services.callback-service.keda.maxReplicaCount=6', 'kafka.brokers=k1:9092\\,k2:9092'));
  const scaled = objects(docs, 'ScaledObject');
  assert.deepEqual(scaled.map(component).sort(), Object.keys(CONSUMERS).sort());
  for (const so of scaled) {
    const [group, topic] = CONSUMERS[component(so)];
    const trigger = so.spec.triggers.find((t) => t.type === 'kafka');
    assert.equal(trigger.metadata.consumerGroup, group);
    assert.equal(trigger.metadata.topic, topic);
    assert.equal(trigger.metadata.bootstrapServers, 'k1:9092,k2:9092');
    assert.equal(so.spec.scaleTargetRef.name, so.metadata.name);
    assert.ok(!('replicas' in byComponent(docs, 'Deployment', component(so)).spec));
  }
  assert.equal(scaled.find((s) => component(s) === 'callback-service').spec.maxReplicaCount, 6);
  assert.deepEqual(objects(docs, 'HorizontalPodAutoscaler').map(component).sort(), ['api-gateway', 'carrier-dispatch']);
});

test('KEDA on a service that consumes nothing is refused with a sentence', () => {
  assert.match(renderError(...set('services.api-gateway.keda.enabled=true')), /api-gateway consumes no Kafka topic/);
});

test('a service can set false over a true default (PDB off for one service only)', () => {
  const docs = render(...set('services.api-gateway.pdb.enabled=false', 'services.rate-governor.topologySpread.enabled=false'));
  assert.deepEqual(objects(docs, 'PodDisruptionBudget').map(component).sort(), ['callback-service', 'carrier-dispatch', 'rate-governor']);
  assert.ok(!byComponent(docs, 'Deployment', 'rate-governor').spec.template.spec.topologySpreadConstraints);
  assert.ok(byComponent(docs, 'Deployment', 'api-gateway').spec.template.spec.topologySpreadConstraints);
});

test('PDB: minAvailable replaces maxUnavailable; percentages stay strings', () => {
  const docs = render(...set('defaults.pdb.minAvailable=50%', 'services.rate-governor.pdb.minAvailable=1'));
  const pdbs = Object.fromEntries(objects(docs, 'PodDisruptionBudget').map((p) => [component(p), p.spec]));
  assert.deepEqual(pdbs['api-gateway'].minAvailable, '50%');
  assert.equal(pdbs['rate-governor'].minAvailable, 1);
  assert.ok(!('maxUnavailable' in pdbs['rate-governor']));
});

// ---------------------------------------------------------------------------------------------
// Pods roll when their settings change.

test('checksum/config: a shared setting changes every service checksum', () => {
  const before = checksums(render());
  const after = checksums(render(...set('config.logLevel=debug')));
  for (const name of ON_BY_DEFAULT) assert.notEqual(after[name], before[name], name);
});

test('checksum/config: one service env change rolls that service only, and reaches its ConfigMap', () => {
  const before = checksums(render());
  const docs = render(...set('services.rate-governor.env.QUOTA_CACHE_TTL_MS=2500', 'services.rate-governor.env.UNCOMMITTED_GRACE_MS=1048576'));
  const after = checksums(docs);
  assert.notEqual(after['rate-governor'], before['rate-governor']);
  for (const name of ON_BY_DEFAULT.filter((s) => s !== 'rate-governor')) assert.equal(after[name], before[name], name);
  const data = byComponent(docs, 'ConfigMap', 'rate-governor').data;
  assert.equal(data.QUOTA_CACHE_TTL_MS, '2500');
  assert.equal(data.UNCOMMITTED_GRACE_MS, '1048576', 'large numbers keep their digits');
});

test('checksum/config: unchanged values give unchanged checksums (no needless rollouts)', () => {
  assert.deepEqual(checksums(render(...set('defaults.podAnnotations.x=y'))), checksums(render()));
});

test('checksum/secret: credentials given as values roll the pods when they change', () => {
  const one = render(...set('database.url=postgres://a:b@db:5432/s'));
  const two = render(...set('database.url=postgres://a:c@db:5432/s'));
  const sum = (docs) => byComponent(docs, 'Deployment', 'api-gateway').spec.template.metadata.annotations['checksum/secret'];
  assert.match(sum(one), /^[0-9a-f]{64}$/);
  assert.notEqual(sum(one), sum(two));
});

// ---------------------------------------------------------------------------------------------
// Credentials: by reference or from values.

test('credentials: an existing Secret per credential, with its own key', () => {
  const docs = render(...set('database.existingSecret=pg', 'database.existingSecretKey=url', 'redis.existingSecret=rd', 'smpp.existingSecret=smsc', 'smpp.passwordKey=pw'));
  const env = envOf(byComponent(docs, 'Deployment', 'carrier-dispatch').spec.template.spec.containers[0]);
  assert.deepEqual(env.DATABASE_URL.valueFrom.secretKeyRef, { name: 'pg', key: 'url' });
  assert.deepEqual(env.REDIS_URL.valueFrom.secretKeyRef, { name: 'rd', key: 'REDIS_URL' });
  assert.deepEqual(env.SMPP_PASSWORD.valueFrom.secretKeyRef, { name: 'smsc', key: 'pw' });
  const migrate = envOf(byComponent(docs, 'Job', 'migrate').spec.template.spec.containers[0]);
  assert.deepEqual(migrate.DATABASE_URL.valueFrom.secretKeyRef, { name: 'pg', key: 'url' });
  assert.equal(objects(docs, 'Secret').length, 0);
});

test('credentials: values go into the chart Secret; the migrate hook reads a hook Secret that exists before it', () => {
  const docs = render(...set('credentials.existingSecret=', 'database.url=postgres://u:p@db:5432/s', 'redis.url=redis://r:6379', 'smpp.systemId=sys', 'smpp.password=pw'));
  const secrets = Object.fromEntries(objects(docs, 'Secret').map((s) => [s.metadata.name, s]));
  const main = secrets[RELEASE];
  assert.ok(main, 'chart Secret');
  const decoded = Object.fromEntries(Object.entries(main.data).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]));
  assert.deepEqual(decoded, { DATABASE_URL: 'postgres://u:p@db:5432/s', REDIS_URL: 'redis://r:6379', SMPP_PASSWORD: 'pw', SMPP_SYSTEM_ID: 'sys' });
  assert.ok(!main.metadata.annotations || !main.metadata.annotations['helm.sh/hook'], 'the chart Secret is an ordinary release resource');
  const hookSecret = secrets[`${RELEASE}-hooks`];
  assert.ok(hookSecret && hookSecret.metadata.annotations['helm.sh/hook'].includes('pre-install'));
  assert.ok(Number(hookSecret.metadata.annotations['helm.sh/hook-weight']) < Number(byComponent(docs, 'Job', 'migrate').metadata.annotations['helm.sh/hook-weight']));
  const migrate = envOf(byComponent(docs, 'Job', 'migrate').spec.template.spec.containers[0]);
  assert.deepEqual(migrate.DATABASE_URL.valueFrom.secretKeyRef, { name: `${RELEASE}-hooks`, key: 'DATABASE_URL' });
  const gateway = envOf(byComponent(docs, 'Deployment', 'api-gateway').spec.template.spec.containers[0]);
  assert.deepEqual(gateway.DATABASE_URL.valueFrom.secretKeyRef, { name: RELEASE, key: 'DATABASE_URL' });
});

test('credentials: only those of enabled services are required (no Redis without governor and dispatch)', () => {
  const only = set('credentials.existingSecret=', 'database.url=postgres://u:p@db:5432/s', 'services.rate-governor.enabled=false', 'services.carrier-dispatch.enabled=false');
  const docs = render(...only);
  assert.deepEqual(enabledIn(docs), ['api-gateway', 'callback-service']);
  assert.doesNotMatch(renderNotes(...only), /redis|smpp/);
});

test('credentials: none at all is refused with a sentence naming what to set', () => {
  assert.match(renderError(...set('credentials.existingSecret=')), /database: no credential; set database\.url, database\.existingSecret or credentials\.existingSecret/);
  assert.match(renderError(...set('smpp.systemId=only')), /smpp\.systemId is set but smpp\.password is not/);
});

// ---------------------------------------------------------------------------------------------
// Admin API: the gateway's ADMIN_TOKEN, and callback-service's GATEWAY_ADMIN_URL + _TOKEN.

const ADMIN_ENV = ['ADMIN_TOKEN', 'GATEWAY_ADMIN_URL', 'GATEWAY_ADMIN_TOKEN'];
const TOKEN = 'an-admin-token-of-32-characters!';
/** Every variable a service is given, from its container env and its ConfigMap. */
const settingsOf = (docs, name) => ({ ...byComponent(docs, 'ConfigMap', name).data, ...envOf(byComponent(docs, 'Deployment', name).spec.template.spec.containers[0]) });

test('admin: off by default; no service gets ADMIN_TOKEN, GATEWAY_ADMIN_URL or GATEWAY_ADMIN_TOKEN', () => {
  const docs = render();
  for (const name of ON_BY_DEFAULT) {
    const keys = Object.keys(settingsOf(docs, name));
    assert.deepEqual(keys.filter((k) => ADMIN_ENV.includes(k)), [], name);
  }
  assert.match(renderNotes(), /Admin API: off/);
});

test('admin.enabled: the gateway reads ADMIN_TOKEN from the shared Secret, callback-service the same key as GATEWAY_ADMIN_TOKEN with GATEWAY_ADMIN_URL on the gateway Service', () => {
  const docs = render(...set('admin.enabled=true'));
  const ref = { name: 'sluice-credentials', key: 'ADMIN_TOKEN' };
  const gateway = envOf(byComponent(docs, 'Deployment', 'api-gateway').spec.template.spec.containers[0]);
  assert.deepEqual(gateway.ADMIN_TOKEN.valueFrom.secretKeyRef, ref);
  const callback = envOf(byComponent(docs, 'Deployment', 'callback-service').spec.template.spec.containers[0]);
  assert.deepEqual(callback.GATEWAY_ADMIN_TOKEN.valueFrom.secretKeyRef, ref);
  assert.ok(!('ADMIN_TOKEN' in callback), 'callback-service gets the token as GATEWAY_ADMIN_TOKEN only');
  const service = byComponent(docs, 'Service', 'api-gateway');
  assert.equal(byComponent(docs, 'ConfigMap', 'callback-service').data.GATEWAY_ADMIN_URL, `http://${service.metadata.name}:${service.spec.ports.find((p) => p.name === 'http').port}`);
  assert.equal(byComponent(docs, 'ConfigMap', 'callback-service').data.GATEWAY_ADMIN_URL, 'http://sluice-api-gateway:8080');
  for (const name of ['rate-governor', 'carrier-dispatch']) {
    assert.deepEqual(Object.keys(settingsOf(docs, name)).filter((k) => ADMIN_ENV.includes(k)), [], name);
  }
  assert.equal(objects(docs, 'Secret').length, 0);
  const notes = renderNotes(...set('admin.enabled=true'));
  assert.match(notes, /admin: Secret sluice-credentials, keys ADMIN_TOKEN/);
  assert.match(notes, /Message XML replies through it\s+\(http:\/\/sluice-api-gateway:8080\)/);
});

test('admin.token: stored in the chart Secret (not the hook Secret, not a ConfigMap) and rolls the pods', () => {
  const values = ['credentials.existingSecret=', 'database.url=postgres://u:p@db:5432/s', 'redis.url=redis://r:6379', 'smpp.systemId=s', 'smpp.password=p', 'admin.enabled=true'];
  const docs = render(...set(...values, `admin.token=${TOKEN}`));
  const secrets = Object.fromEntries(objects(docs, 'Secret').map((x) => [x.metadata.name, x]));
  assert.equal(Buffer.from(secrets[RELEASE].data.ADMIN_TOKEN, 'base64').toString(), TOKEN);
  assert.ok(!('ADMIN_TOKEN' in secrets[`${RELEASE}-hooks`].data), 'the hooks do not need the admin token');
  const gateway = envOf(byComponent(docs, 'Deployment', 'api-gateway').spec.template.spec.containers[0]);
  assert.deepEqual(gateway.ADMIN_TOKEN.valueFrom.secretKeyRef, { name: RELEASE, key: 'ADMIN_TOKEN' });
  const callback = envOf(byComponent(docs, 'Deployment', 'callback-service').spec.template.spec.containers[0]);
  assert.deepEqual(callback.GATEWAY_ADMIN_TOKEN.valueFrom.secretKeyRef, { name: RELEASE, key: 'ADMIN_TOKEN' });
  for (const cm of objects(docs, 'ConfigMap')) assert.ok(!Object.values(cm.data || {}).some((v) => v.includes(TOKEN)), `${cm.metadata.name} holds the token`);
  const other = render(...set(...values, `admin.token=${TOKEN.replace('32', '33')}`));
  const sum = (d) => byComponent(d, 'Deployment', 'callback-service').spec.template.metadata.annotations['checksum/secret'];
  assert.notEqual(sum(docs), sum(other));
});

test('admin.existingSecret: its own Secret and key win over the value and the shared Secret', () => {
  const docs = render(...set('admin.enabled=true', 'admin.existingSecret=sluice-admin', 'admin.existingSecretKey=token', `admin.token=${TOKEN}`));
  const ref = { name: 'sluice-admin', key: 'token' };
  assert.deepEqual(envOf(byComponent(docs, 'Deployment', 'api-gateway').spec.template.spec.containers[0]).ADMIN_TOKEN.valueFrom.secretKeyRef, ref);
  assert.deepEqual(envOf(byComponent(docs, 'Deployment', 'callback-service').spec.template.spec.containers[0]).GATEWAY_ADMIN_TOKEN.valueFrom.secretKeyRef, ref);
  assert.equal(objects(docs, 'Secret').length, 0, 'a token given by reference is not copied into a Secret');
  const shared = render(...set('admin.enabled=true', 'admin.existingSecretKey=admin-token'));
  assert.deepEqual(envOf(byComponent(shared, 'Deployment', 'api-gateway').spec.template.spec.containers[0]).ADMIN_TOKEN.valueFrom.secretKeyRef, { name: 'sluice-credentials', key: 'admin-token' });
});

test('admin: GATEWAY_ADMIN_URL follows the gateway Service port and the release names', () => {
  const docs = render(...set('admin.enabled=true', 'services.api-gateway.service.port=80', 'fullnameOverride=sms'));
  assert.equal(byComponent(docs, 'ConfigMap', 'callback-service').data.GATEWAY_ADMIN_URL, 'http://sms-api-gateway:80');
  assert.ok(objects(docs, 'Service').some((x) => x.metadata.name === 'sms-api-gateway' && x.spec.ports[0].port === 80));
});

test('admin: with api-gateway disabled, callback-service gets no GATEWAY_ADMIN_URL nor token, and no token is required', () => {
  const docs = render(...set('admin.enabled=true', 'services.api-gateway.enabled=false', 'credentials.existingSecret=', 'database.url=postgres://u:p@db:5432/s', 'redis.url=redis://r:6379', 'smpp.systemId=s', 'smpp.password=p'));
  assert.deepEqual(Object.keys(settingsOf(docs, 'callback-service')).filter((k) => ADMIN_ENV.includes(k)), []);
});

test('admin: a token while admin.enabled is false, or no token source at all, is refused with a sentence', () => {
  assert.match(renderError(...set(`admin.token=${TOKEN}`)), /admin\.token or admin\.existingSecret is set but admin\.enabled is false/);
  assert.match(renderError(...set('admin.existingSecret=sluice-admin')), /admin\.enabled is false/);
  assert.match(renderError(...set('admin.enabled=true', 'credentials.existingSecret=', 'database.url=postgres://u:p@db:5432/s', 'redis.url=redis://r:6379', 'smpp.systemId=s', 'smpp.password=p')), /admin: no credential; set admin\.token, admin\.existingSecret or credentials\.existingSecret/);
});

test('admin + networkPolicy: callback-service may reach the gateway (ingress when gatewayFrom narrows it, egress when restricted)', () => {
  const from = 'networkPolicy.gatewayFrom[0].namespaceSelector.matchLabels.name=ingress';
  const docs = render(...set('admin.enabled=true', 'networkPolicy.enabled=true', 'networkPolicy.egress.enabled=true', from));
  const callbackPods = byComponent(docs, 'Deployment', 'callback-service').spec.selector.matchLabels;
  const gatewayPods = byComponent(docs, 'Deployment', 'api-gateway').spec.selector.matchLabels;
  const ingress = byComponent(docs, 'NetworkPolicy', 'api-gateway').spec.ingress;
  assert.ok(ingress.some((r) => r.ports[0].port === 'http' && r.from && r.from.some((p) => p.podSelector && JSON.stringify(p.podSelector.matchLabels) === JSON.stringify(callbackPods))), 'gateway ingress from callback-service');
  const egress = byComponent(docs, 'NetworkPolicy', 'callback-service').spec.egress;
  assert.ok(egress.some((r) => r.ports[0].port === 8080 && r.to && r.to.some((p) => p.podSelector && JSON.stringify(p.podSelector.matchLabels) === JSON.stringify(gatewayPods))), 'callback-service egress to the gateway');
  const off = render(...set('networkPolicy.enabled=true', 'networkPolicy.egress.enabled=true', from));
  assert.equal(byComponent(off, 'NetworkPolicy', 'api-gateway').spec.ingress.length, 1, 'no extra gateway rule without the admin API');
  assert.ok(!byComponent(off, 'NetworkPolicy', 'callback-service').spec.egress.some((r) => r.to && r.to.some((p) => p.podSelector)), 'no egress to the gateway without the admin API');
});

// ---------------------------------------------------------------------------------------------
// Release-wide settings read by some apps only: the self-healing bounds and the guard bands of pacing.

/** Only the app's own *.config.ts (without libs/config), to see which shared schemas it merges. */
const ownConfigSource = (name) => {
  const dir = path.join(ROOT, 'apps', name, 'src');
  return fs.readdirSync(dir).filter((f) => f.endsWith('.config.ts')).map((f) => fs.readFileSync(path.join(dir, f), 'utf8')).join('\n');
};
const appDefault = (source, key) => {
  const m = source.match(new RegExp(`\\b${key}:[^\\n]*\\.default\\(([\\w_]+)\\)`));
  assert.ok(m, `no default of ${key}`);
  return m[1].replace(/_/g, '');
};

test('config: CONSUMER_MAX_DOWN_MS and LOOP_MAX_DOWN_MS reach exactly the apps that read them, with the apps\' defaults', () => {
  const schemas = readSource('libs', 'config', 'src', 'env-schemas.ts');
  const docs = render(...set('services.carrier-simulator.enabled=true'));
  for (const name of SERVICES) {
    const own = ownConfigSource(name);
    const data = byComponent(docs, 'ConfigMap', name).data;
    for (const [key, schema] of [['CONSUMER_MAX_DOWN_MS', 'consumerSupervisionEnv'], ['LOOP_MAX_DOWN_MS', 'loopSupervisionEnv']]) {
      if (new RegExp(`\\.merge\\(${schema}\\)`).test(own)) assert.equal(data[key], appDefault(schemas, key), `${name}: ${key}`);
      else assert.ok(!(key in data), `${name} does not read ${key}`);
    }
  }
  assert.equal(byComponent(docs, 'ConfigMap', 'callback-service').data.CONSUMER_MAX_DOWN_MS, '120000');
});

test('config.consumerMaxDownMs / loopMaxDownMs: reach their apps and roll only them', () => {
  const before = checksums(render());
  const docs = render(...set('config.consumerMaxDownMs=300000', 'config.loopMaxDownMs=0'));
  const after = checksums(docs);
  for (const name of ['rate-governor', 'callback-service']) assert.equal(byComponent(docs, 'ConfigMap', name).data.CONSUMER_MAX_DOWN_MS, '300000', name);
  for (const name of ON_BY_DEFAULT) {
    assert.equal(byComponent(docs, 'ConfigMap', name).data.LOOP_MAX_DOWN_MS, '0', name);
    assert.notEqual(after[name], before[name], name);
  }
  const consumersOnly = checksums(render(...set('config.consumerMaxDownMs=300000')));
  assert.deepEqual(ON_BY_DEFAULT.filter((n) => consumersOnly[n] !== before[n]).sort(), ['callback-service', 'rate-governor']);
});

// The two guard bands of pacing (libs/config quotaGuardEnv): the booking one for rate-governor,
// the admission one for carrier-dispatch.
const GUARD_BANDS = [
  ['quotaGuardMs', 'QUOTA_GUARD_MS', 'rate-governor'],
  ['quotaAdmissionGuardMs', 'QUOTA_ADMISSION_GUARD_MS', 'carrier-dispatch'],
];

/** Whether the app's sources (specs aside) use config.<key>. */
const appUses = (name, key) => {
  const walk = (dir) => fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
  return walk(path.join(ROOT, 'apps', name, 'src'))
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.spec.ts'))
    .some((f) => new RegExp(`\\.${key}\\b`).test(fs.readFileSync(f, 'utf8')));
};

test('config.quotaGuardMs / quotaAdmissionGuardMs: each guard band reaches only the app that uses it, with the default of libs/config', () => {
  const schemas = readSource('libs', 'config', 'src', 'env-schemas.ts');
  assert.match(ownConfigSource('rate-governor'), /\.merge\(quotaGuardEnv\)/, 'rate-governor reads quotaGuardEnv');
  assert.match(ownConfigSource('carrier-dispatch'), /\.merge\(quotaGuardEnv\.pick\(\{ QUOTA_ADMISSION_GUARD_MS: true \}\)\)/, 'carrier-dispatch reads only the admission guard band');
  const docs = render(...set('services.carrier-simulator.enabled=true'));
  for (const [value, key, app] of GUARD_BANDS) {
    assert.ok(new RegExp(`\\b${key}: nonNegativeMs\\(60_000\\)`).test(schemas), `${key} is 0 to 60000 in libs/config, as in values.schema.json`);
    for (const name of SERVICES) {
      const data = byComponent(docs, 'ConfigMap', name).data;
      assert.equal(appUses(name, key), name === app, `${name} ${name === app ? 'uses' : 'does not use'} ${key}`);
      if (name === app) assert.equal(data[key], appDefault(schemas, key), `${name}: ${key} (config.${value})`);
      else assert.ok(!(key in data), `${name} does not get ${key}`);
    }
  }
  assert.equal(byComponent(docs, 'ConfigMap', 'rate-governor').data.QUOTA_GUARD_MS, '10');
  assert.equal(byComponent(docs, 'ConfigMap', 'carrier-dispatch').data.QUOTA_ADMISSION_GUARD_MS, '0');
});

test('config.quotaGuardMs / quotaAdmissionGuardMs: a change reaches and rolls only its app; a service env overrides it with no check across services', () => {
  const before = checksums(render());
  for (const [value, key, app] of GUARD_BANDS) {
    const docs = render(...set(`config.${value}=250`));
    assert.equal(byComponent(docs, 'ConfigMap', app).data[key], '250', `${app}: ${key}`);
    const after = checksums(docs);
    assert.deepEqual(ON_BY_DEFAULT.filter((n) => after[n] !== before[n]), [app], `config.${value} rolls only ${app}`);
    const own = render(...set(`services.${app}.env.${key}=0`));
    assert.equal(byComponent(own, 'ConfigMap', app).data[key], '0', `services.${app}.env.${key}`);
    for (const bound of [0, 60000]) assert.equal(byComponent(render(...set(`config.${value}=${bound}`)), 'ConfigMap', app).data[key], String(bound));
  }
  // The two bands are independent: any pair renders, in either order, and one app switched off is fine.
  render(...set('config.quotaGuardMs=500', 'config.quotaAdmissionGuardMs=10'));
  render(...set('services.rate-governor.env.QUOTA_GUARD_MS=80', 'services.carrier-dispatch.enabled=false'));
});

test('the chart no longer speaks of the dispatcher\'s lateness limit or reslots', () => {
  const walk = (dir) => fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
  for (const file of walk(CHART)) {
    const text = fs.readFileSync(file, 'utf8');
    for (const gone of ['DISPATCH_MAX_LATENESS_MS', 'DISPATCH_MAX_RESLOTS']) assert.ok(!text.includes(gone), `${path.relative(CHART, file)} mentions ${gone}`);
  }
  assert.ok(!/DISPATCH_MAX_LATENESS_MS|DISPATCH_MAX_RESLOTS/.test(ownConfigSource('carrier-dispatch')), 'carrier-dispatch has neither setting');
});

// ---------------------------------------------------------------------------------------------
// Schema: bad values stop the install with the path of the value.

for (const [args, pattern] of [
  [set('defaults.replicaCount=-1'), /replicaCount/],
  [set('services.api-gateway.replicas=3'), /replicas/],
  [set('smpp.password=far-too-long'), /smpp\/password/],
  [set('config.logLevel=loud'), /logLevel/],
  [set('kafka.brokers=not a broker'), /kafka\/brokers/],
  [set('database.url=mysql://x'), /database\/url/],
  [set('services.unknown-service.enabled=true'), /unknown-service/],
  [set('defaults.readinessProbe=null'), /readinessProbe/],
  [set('prometheusRule.callbackFailureRatio.ratio=2'), /callbackFailureRatio\/ratio/],
  [set('prometheusRule.callbackFailureRatio.ratio=0'), /callbackFailureRatio\/ratio/],
  [set('prometheusRule.consumerStalled.for=2minutes'), /consumerStalled\/for/],
  [set('grafanaDashboard.folder=x'), /folder/],
  [set('admin.token=too-short'), /admin\/token/],
  [set('admin.enabled=yes'), /admin\/enabled/],
  [set('config.consumerMaxDownMs=500'), /consumerMaxDownMs/],
  [set('config.loopMaxDownMs=-1'), /loopMaxDownMs/],
  [set('config.loopMaxDownMs=3600001'), /loopMaxDownMs/],
  [set('config.quotaGuardMs=60001'), /quotaGuardMs/],
  [set('config.quotaGuardMs=-1'), /quotaGuardMs/],
  [set('config.quotaAdmissionGuardMs=60001'), /quotaAdmissionGuardMs/],
  [set('config.quotaAdmissionGuardMs=-1'), /quotaAdmissionGuardMs/],
  [set('config.quotaAdmissionGuardMs=1.5'), /quotaAdmissionGuardMs/],
]) {
  test(`values.schema.json rejects ${args[1]}`, () => {
    assert.match(renderError(...args), pattern);
  });
}

// ---------------------------------------------------------------------------------------------
// Options: NetworkPolicy, Ingress, ServiceMonitor, ServiceAccount, image, names.

test('networkPolicy: one per service; gateway open to its peers, others closed; egress DNS + infrastructure; callbacks never to private ranges', () => {
  const docs = render(...set('networkPolicy.enabled=true', 'networkPolicy.egress.enabled=true'));
  const policies = objects(docs, 'NetworkPolicy');
  assert.deepEqual(policies.map(component).sort(), [...ON_BY_DEFAULT].sort());
  const gateway = byComponent(docs, 'NetworkPolicy', 'api-gateway');
  assert.ok(gateway.spec.ingress.some((r) => r.ports[0].port === 'http' && !r.from), 'gateway reachable from anywhere when gatewayFrom is empty');
  assert.ok(!byComponent(docs, 'NetworkPolicy', 'rate-governor').spec.ingress, 'governor takes no ingress');
  for (const p of policies) {
    assert.deepEqual(p.spec.policyTypes, ['Ingress', 'Egress']);
    assert.ok(p.spec.egress.some((r) => r.ports.some((port) => port.port === 53)), `${p.metadata.name}: DNS`);
  }
  const callback = byComponent(docs, 'NetworkPolicy', 'callback-service');
  const publicRule = callback.spec.egress.find((r) => r.to && r.to[0].ipBlock);
  assert.ok(publicRule.to[0].ipBlock.except.includes('10.0.0.0/8') && publicRule.to[0].ipBlock.except.includes('169.254.0.0/16'));
  const dispatch = byComponent(docs, 'NetworkPolicy', 'carrier-dispatch');
  assert.ok(dispatch.spec.egress.some((r) => r.ports.some((p) => p.port === 2775)), 'dispatch reaches the SMSC');
});

test('ingress: routes /v1 to the gateway Service by port name, with TLS and class', () => {
  const docs = render(...set('ingress.enabled=true', 'ingress.className=nginx', 'ingress.tls[0].secretName=tls', 'ingress.tls[0].hosts[0]=sms.example.com'));
  const [ing] = objects(docs, 'Ingress');
  assert.equal(ing.spec.ingressClassName, 'nginx');
  const p = ing.spec.rules[0].http.paths[0];
  assert.equal(p.path, '/v1');
  assert.deepEqual(p.backend.service, { name: fullName('api-gateway'), port: { name: 'http' } });
  assert.equal(ing.spec.tls[0].secretName, 'tls');
  assert.equal(objects(render(...set('ingress.enabled=true', 'services.api-gateway.enabled=false')), 'Ingress').length, 0);
});

test('serviceMonitor: one per service, scraping /metrics on the http port of its Service', () => {
  const docs = render(...set('defaults.serviceMonitor.enabled=true', 'defaults.serviceMonitor.labels.release=prom', 'services.carrier-dispatch.serviceMonitor.enabled=false'));
  const monitors = objects(docs, 'ServiceMonitor');
  assert.deepEqual(monitors.map(component).sort(), ['api-gateway', 'callback-service', 'rate-governor']);
  for (const m of monitors) {
    assert.deepEqual(m.spec.endpoints[0].port, 'http');
    assert.deepEqual(m.spec.endpoints[0].path, '/metrics');
    assert.equal(m.metadata.labels.release, 'prom');
  }
});

// ---------------------------------------------------------------------------------------------
// Alerts (PrometheusRule) and the Grafana dashboard: off by default, and every series they
// read is one the apps export.

const ALERTS = ['SluiceConsumerStalled', 'SluiceLoopStalled', 'SluiceOldestQueuedMessage', 'SluiceCallbackFailureRatio', 'SluiceSmppBindsDown', 'SluicePoisonRecords'];
const DASHBOARD_FILE = path.join(CHART, 'files', 'grafana-dashboard.json');
const rulesOf = (docs) => objects(docs, 'PrometheusRule').flatMap((r) => r.spec.groups.flatMap((g) => g.rules));
const alertNamed = (docs, name) => rulesOf(docs).find((r) => r.alert === name);

/** Every sluice_* series registered through MetricsRegistry in apps/ and libs/ (histograms add _bucket, _sum, _count). */
function exportedMetrics() {
  const names = new Set();
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      if (entry.name === 'node_modules' || entry.name.startsWith('dist')) continue;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (/\.ts$/.test(entry.name) && !/\.(spec|int-spec|e2e-spec)\.ts$/.test(entry.name)) {
        for (const m of fs.readFileSync(full, 'utf8').matchAll(/\.(counter|gauge|histogram)(?:<[^>]*>)?\(\s*'([a-z0-9_]+)'/g)) {
          names.add(`sluice_${m[2]}`);
          if (m[1] === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(`sluice_${m[2]}${suffix}`);
        }
      }
    }
  };
  walk(path.join(ROOT, 'apps'));
  walk(path.join(ROOT, 'libs'));
  return names;
}
/** prom-client's process and Node.js metrics, which every app registers with the sluice_ prefix. */
const DEFAULT_METRIC = /^sluice_(process|nodejs)_/;
const seriesIn = (text) => [...new Set([...text.matchAll(/\bsluice_[a-z0-9_]+/g)].map((m) => m[0]))];

test('default values: no PrometheusRule and no dashboard ConfigMap', () => {
  const docs = render();
  assert.equal(objects(docs, 'PrometheusRule').length, 0);
  assert.ok(!objects(docs, 'ConfigMap').some((c) => c.metadata.name.endsWith('-dashboard')));
});

test('prometheusRule: the alerts, scoped to the release namespace, with the labels and thresholds of values', () => {
  // ratio=0.1 reaches the chart as a string (--set keeps fractions as text): the schema takes both.
  const docs = render(
    ...set('prometheusRule.enabled=true', 'prometheusRule.labels.release=prom', 'prometheusRule.ruleLabels.team=sms', 'prometheusRule.oldestQueuedMessage.ageSeconds=600', 'prometheusRule.callbackFailureRatio.ratio=0.1', 'prometheusRule.smppBindsDown.for=5m'),
  );
  const [rule] = objects(docs, 'PrometheusRule');
  assert.equal(rule.metadata.namespace, NAMESPACE);
  assert.equal(rule.metadata.labels.release, 'prom');
  assert.deepEqual(rulesOf(docs).map((r) => r.alert), ALERTS);
  for (const r of rulesOf(docs)) {
    assert.equal(r.labels.team, 'sms', r.alert);
    assert.ok(['critical', 'warning'].includes(r.labels.severity), r.alert);
    assert.ok(r.annotations.summary && r.annotations.description, r.alert);
  }
  assert.equal(alertNamed(docs, 'SluiceConsumerStalled').expr, 'sluice_consumer_up{namespace="sms"} == 0');
  assert.equal(alertNamed(docs, 'SluiceConsumerStalled').for, '2m');
  assert.match(alertNamed(docs, 'SluiceConsumerStalled').annotations.summary, /\{\{ \$labels\.group \}\} of \{\{ \$labels\.topic \}\}/);
  assert.equal(alertNamed(docs, 'SluiceLoopStalled').expr, 'sluice_loop_up{namespace="sms"} == 0');
  assert.equal(alertNamed(docs, 'SluiceOldestQueuedMessage').expr, 'max by (namespace) (sluice_oldest_queued_message_age_seconds{namespace="sms"}) > 600');
  const callbacks = alertNamed(docs, 'SluiceCallbackFailureRatio').expr;
  assert.match(callbacks, /rate\(sluice_callback_attempts_total\{namespace="sms",outcome=~"http_error\|timeout\|network_error"\}\[10m\]\)/);
  assert.match(callbacks, /\/ sum by \(namespace\) \(rate\(sluice_callback_attempts_total\{namespace="sms",outcome=~"success\|http_error\|timeout\|network_error"\}\[10m\]\)\)\s+> 0\.1$/);
  assert.equal(alertNamed(docs, 'SluiceSmppBindsDown').expr, 'sluice_dispatch_binds_up{namespace="sms"} == 0');
  assert.equal(alertNamed(docs, 'SluiceSmppBindsDown').for, '5m');
  assert.equal(alertNamed(docs, 'SluicePoisonRecords').expr, 'sum by (namespace, topic) (increase(sluice_consumer_poison_records_total{namespace="sms"}[10m])) > 0');
});

test('prometheusRule: each alert can be switched off, the namespace scope too, and extra rules get a group of their own', () => {
  const docs = render(
    ...set('prometheusRule.enabled=true', 'prometheusRule.smppBindsDown.enabled=false', 'prometheusRule.loopStalled.enabled=false', 'prometheusRule.poisonRecords.enabled=false', 'prometheusRule.scopeToNamespace=false', 'prometheusRule.namespace=monitoring'),
    '--set-json', 'prometheusRule.additionalRules=[{"alert":"SluiceGatewayRefusing","expr":"sum(rate(sluice_gateway_accepted_messages_total{outcome!=\\"accepted\\"}[5m])) > 1","for":"5m"}]',
  );
  const [rule] = objects(docs, 'PrometheusRule');
  assert.equal(rule.metadata.namespace, 'monitoring');
  assert.deepEqual(rule.spec.groups.map((g) => g.name), ['sluice', 'sluice-additional']);
  assert.deepEqual(rulesOf(docs).map((r) => r.alert), ['SluiceConsumerStalled', 'SluiceOldestQueuedMessage', 'SluiceCallbackFailureRatio', 'SluiceGatewayRefusing']);
  assert.equal(alertNamed(docs, 'SluiceConsumerStalled').expr, 'sluice_consumer_up{} == 0');
  assert.match(alertNamed(docs, 'SluiceCallbackFailureRatio').expr, /sluice_callback_attempts_total\{outcome=~/);
});

test('grafanaDashboard: a ConfigMap with the sidecar label holding files/grafana-dashboard.json', () => {
  const docs = render(...set('grafanaDashboard.enabled=true', 'grafanaDashboard.annotations.grafana_folder=Messaging'));
  const [map] = objects(docs, 'ConfigMap').filter((c) => c.metadata.name.endsWith('-dashboard'));
  assert.ok(map, 'no dashboard ConfigMap');
  assert.equal(map.metadata.labels.grafana_dashboard, '1');
  assert.equal(map.metadata.annotations.grafana_folder, 'Messaging');
  assert.deepEqual(JSON.parse(map.data['sluice.json']), JSON.parse(fs.readFileSync(DASHBOARD_FILE, 'utf8')));
  const other = render(...set('grafanaDashboard.enabled=true', 'grafanaDashboard.label=dashboards.example.com/grafana', 'grafanaDashboard.labelValue=sluice', 'grafanaDashboard.namespace=monitoring'));
  const [moved] = objects(other, 'ConfigMap').filter((c) => c.metadata.name.endsWith('-dashboard'));
  assert.equal(moved.metadata.namespace, 'monitoring');
  assert.equal(moved.metadata.labels['dashboards.example.com/grafana'], 'sluice');
  assert.equal(moved.metadata.labels.grafana_dashboard, undefined);
});

test('grafanaDashboard: throughput per stage, backlog per account, quota utilisation and latency per stage, every query on $datasource and $namespace', () => {
  const dashboard = JSON.parse(fs.readFileSync(DASHBOARD_FILE, 'utf8'));
  const rows = dashboard.panels.filter((p) => p.type === 'row').map((p) => p.title);
  for (const title of ['Throughput per stage', 'Backlog', 'Quota utilisation', 'Latency per stage']) assert.ok(rows.includes(title), `no row ${title}`);
  assert.ok(dashboard.panels.some((p) => (p.targets || []).some((t) => /by \(account\) \(sluice_governor_backlog_messages/.test(t.expr))), 'no backlog per account');
  const ids = dashboard.panels.map((p) => p.id);
  assert.equal(new Set(ids).size, ids.length, 'panel ids repeat');
  assert.deepEqual(dashboard.templating.list.map((v) => v.name), ['datasource', 'namespace']);
  for (const p of dashboard.panels.filter((x) => x.type !== 'row')) {
    assert.ok(p.gridPos.x + p.gridPos.w <= 24, `${p.title}: wider than the grid`);
    assert.equal(p.datasource.uid, '${datasource}', p.title);
    assert.ok(p.targets.length > 0, `${p.title}: no query`);
    for (const t of p.targets) {
      assert.equal(t.datasource.uid, '${datasource}', p.title);
      for (const series of seriesIn(t.expr)) assert.match(t.expr, new RegExp(`${series}(_bucket)?\\{namespace=~"\\$namespace"`), `${p.title}: ${series} is not filtered by $namespace`);
    }
  }
});

test('every sluice_* series the alerts and the dashboard read is one the apps export', () => {
  const exported = exportedMetrics();
  assert.ok(exported.has('sluice_governor_backlog_messages') && exported.has('sluice_gateway_accept_seconds_bucket'), 'the metric scan found nothing');
  const docs = render(...set('prometheusRule.enabled=true', 'grafanaDashboard.enabled=true'));
  const used = [
    ...rulesOf(docs).flatMap((r) => seriesIn(String(r.expr))),
    ...seriesIn(objects(docs, 'ConfigMap').find((c) => c.metadata.name.endsWith('-dashboard')).data['sluice.json']),
  ];
  assert.ok(used.length > 10);
  assert.deepEqual([...new Set(used.filter((m) => !exported.has(m) && !DEFAULT_METRIC.test(m)))], []);
});

test('serviceAccount: created without token automount, used by the services; can be an existing one', () => {
  const docs = render();
  const [sa] = objects(docs, 'ServiceAccount');
  assert.equal(sa.automountServiceAccountToken, false);
  for (const d of objects(docs, 'Deployment')) assert.equal(d.spec.template.spec.serviceAccountName, sa.metadata.name);
  const other = render(...set('serviceAccount.create=false', 'serviceAccount.name=sms-runner'));
  assert.equal(objects(other, 'ServiceAccount').length, 0);
  for (const d of objects(other, 'Deployment')) assert.equal(d.spec.template.spec.serviceAccountName, 'sms-runner');
});

test('image: registry, per-service tag override and digest', () => {
  const docs = render(...set('defaults.image.registry=reg.example.com', 'defaults.image.tag=1.2.3', 'services.carrier-dispatch.image.tag=1.2.4', `services.api-gateway.image.digest=sha256:${'a'.repeat(64)}`));
  const image = (name) => byComponent(docs, 'Deployment', name).spec.template.spec.containers[0].image;
  assert.equal(image('rate-governor'), 'reg.example.com/sluice/sluice:1.2.3');
  assert.equal(image('carrier-dispatch'), 'reg.example.com/sluice/sluice:1.2.4');
  assert.equal(image('api-gateway'), `reg.example.com/sluice/sluice@sha256:${'a'.repeat(64)}`);
  assert.equal(byComponent(docs, 'Job', 'migrate').spec.template.spec.containers[0].image, 'reg.example.com/sluice/sluice:1.2.3');
});

test('names stay within 63 characters with a long release name, and keep the service name', () => {
  const release = 'a-release-name-of-fifty-three-characters-helm-maximum';
  assert.equal(release.length, 53);
  const helm = spawnSync(HELM, ['template', release, CHART, '-n', NAMESPACE, ...KUBE], { encoding: 'utf8' });
  assert.equal(helm.status, 0, helm.stderr);
  const validate = spawnSync(VALIDATE, ['--json'], { input: helm.stdout, encoding: 'utf8' });
  assert.equal(validate.status, 0, validate.stderr);
  for (const d of JSON.parse(validate.stdout)) {
    assert.ok(d.name.length <= 63, `${d.kind} ${d.name}`);
    if (d.kind === 'Deployment') assert.ok(d.name.endsWith(`-${component(d.object)}`), d.name);
  }
});

test('hooks can be switched off; the Jobs then render nothing', () => {
  const docs = render(...set('hooks.migrate.enabled=false', 'hooks.topics.enabled=false', 'credentials.existingSecret=', 'database.url=postgres://u:p@db:5432/s', 'redis.url=redis://r:6379', 'smpp.systemId=s', 'smpp.password=p'));
  assert.equal(objects(docs, 'Job').length, 0);
  assert.ok(!objects(docs, 'Secret').some((s) => s.metadata.name.endsWith('-hooks')));
});

// ---------------------------------------------------------------------------------------------
// The wait scripts of the hooks, run for real with node and the repository's pg / kafkajs.

const waitScript = (name) => fs.readFileSync(path.join(CHART, 'files', `wait-for-${name}.js`), 'utf8');
const haveModules = ['pg', 'kafkajs'].every((m) => fs.existsSync(path.join(ROOT, 'node_modules', m)));

function runWait(name, env) {
  return spawnSync(process.execPath, ['-e', waitScript(name)], { cwd: ROOT, env: { PATH: process.env.PATH, WAIT_TIMEOUT_SECONDS: '1', ...env }, encoding: 'utf8', timeout: 30_000 });
}

if (haveModules) {
  test('wait-for-postgres fails with a sentence, and without the password, when Postgres does not answer', () => {
    const run = runWait('postgres', { DATABASE_URL: 'postgres://u:s3cret@127.0.0.1:1/db' });
    assert.equal(run.status, 1, run.stdout + run.stderr);
    assert.match(run.stderr, /postgres did not answer within 1 s/);
    assert.doesNotMatch(run.stdout + run.stderr, /s3cret/);
  });
  test('wait-for-kafka fails with a sentence when no broker answers', () => {
    const run = runWait('kafka', { KAFKA_BROKERS: '127.0.0.1:1' });
    assert.equal(run.status, 1, run.stdout + run.stderr);
    assert.match(run.stderr, /kafka did not answer within 1 s/);
  });
  // With the test infrastructure up (scripts/test.sh exports its URLs), the success path too.
  if (process.env.DATABASE_URL) {
    test('wait-for-postgres succeeds against the running Postgres', () => {
      const run = runWait('postgres', { DATABASE_URL: process.env.DATABASE_URL, WAIT_TIMEOUT_SECONDS: '20' });
      assert.equal(run.status, 0, run.stdout + run.stderr);
    });
  }
  if (process.env.KAFKA_BROKERS) {
    test('wait-for-kafka succeeds against the running Kafka', () => {
      const run = runWait('kafka', { KAFKA_BROKERS: process.env.KAFKA_BROKERS, WAIT_TIMEOUT_SECONDS: '20' });
      assert.equal(run.status, 0, run.stdout + run.stderr);
    });
  }
} else {
  console.log('  skip  wait-for-* scripts: node_modules/pg or kafkajs missing (run npm ci)');
}

// ---------------------------------------------------------------------------------------------
// NOTES.txt renders too (a failing NOTES fails `helm install`, and `helm template` skips it):
// a copy of the chart turns it into a ConfigMap that helm template does render.

function renderNotes(...args) {
  const copy = fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'sluice-notes-'));
  try {
    fs.cpSync(CHART, copy, { recursive: true });
    const notes = fs.readFileSync(path.join(copy, 'templates', 'NOTES.txt'), 'utf8');
    fs.rmSync(path.join(copy, 'templates', 'NOTES.txt'));
    fs.writeFileSync(path.join(copy, 'templates', '_notes-check.tpl'), `{{- define "notes-check" -}}\n${notes}\n{{- end -}}\n`);
    fs.writeFileSync(path.join(copy, 'templates', 'notes-check.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: notes-check\ndata:\n  notes: {{ include "notes-check" . | toJson }}\n');
    const helm = spawnSync(HELM, ['template', RELEASE, copy, '--namespace', NAMESPACE, ...KUBE, '--show-only', 'templates/notes-check.yaml', ...args], { encoding: 'utf8' });
    assert.equal(helm.status, 0, helm.stderr);
    const conv = spawnSync(VALIDATE, ['--yaml-to-json'], { input: helm.stdout.replace(/^---\n/, ''), encoding: 'utf8' });
    assert.equal(conv.status, 0, conv.stderr);
    return JSON.parse(conv.stdout).data.notes;
  } finally {
    fs.rmSync(copy, { recursive: true, force: true });
  }
}

test('NOTES.txt (default values): names the Secret to create and warns that no SMSC is set', () => {
  const notes = renderNotes();
  assert.match(notes, /database: Secret sluice-credentials, keys DATABASE_URL/);
  assert.match(notes, /WARNING: carrier-dispatch has no SMSC/);
  assert.match(notes, /port-forward svc\/sluice-api-gateway 8080:8080/);
});

for (const file of EXAMPLES) {
  test(`NOTES.txt (examples/${file}): renders, without a warning`, () => {
    const notes = renderNotes(...example(file));
    assert.match(notes, /api-gateway: Deployment sluice-api-gateway/);
    assert.doesNotMatch(notes, /WARNING/);
  });
}

// ---------------------------------------------------------------------------------------------
// values.yaml documents every value, and the chart README lists every parameter.

test('values.yaml: every value has a ## @param line (itself or a parent), and every @param names a value', () => {
  const text = fs.readFileSync(path.join(CHART, 'values.yaml'), 'utf8');
  const conv = spawnSync(VALIDATE, ['--yaml-to-json'], { input: text, encoding: 'utf8' });
  assert.equal(conv.status, 0, conv.stderr);
  const values = JSON.parse(conv.stdout);
  const documented = new Set([...text.matchAll(/^\s*## @param (\S+)/gm)].map((m) => m[1]));
  const exists = (p) => p.split('.').reduce((node, key) => (node && typeof node === 'object' && key in node ? node[key] : undefined), values) !== undefined;
  const dangling = [...documented].filter((p) => !exists(p));
  const undocumented = [];
  (function walk(node, prefix) {
    for (const [key, value] of Object.entries(node)) {
      const p = prefix ? `${prefix}.${key}` : key;
      if (documented.has(p)) continue;
      if (value && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length > 0) walk(value, p);
      else undocumented.push(p);
    }
  })(values, '');
  assert.deepEqual({ undocumented, dangling }, { undocumented: [], dangling: [] });
});

test('README.md: lists every @param of values.yaml', () => {
  const text = fs.readFileSync(path.join(CHART, 'values.yaml'), 'utf8');
  const readme = fs.readFileSync(path.join(CHART, 'README.md'), 'utf8');
  const missing = [...text.matchAll(/^\s*## @param (\S+)/gm)].map((m) => m[1]).filter((p) => !readme.includes(`\`${p}\``));
  assert.deepEqual(missing, []);
});

// ---------------------------------------------------------------------------------------------

console.log(`assert-manifests: ${passed} passed, ${failed} failed`);
if (process.env.RESULTS) fs.writeFileSync(process.env.RESULTS, `${passed} ${failed}\n`);
process.exit(failed > 0 ? 1 : 0);
