#!/usr/bin/env node
// Static checks of the deployment artefacts, run by scripts/check-deploy.sh:
//   deploy-checks.js dockerfile DOCKERFILE DOCKERIGNORE
//   deploy-checks.js compose COMPOSE_FILE ENV_EXAMPLE
//   deploy-checks.js compose-ports RESOLVED_COMPOSE_JSON
//   deploy-checks.js helm-services HELM_RENDER
//   deploy-checks.js routes NGINX_CONF HELM_RENDER_WITH_GATEWAY
// Each prints one line per failed expectation and exits 1 if there was any.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

let YAML;
try {
  YAML = require('yaml');
} catch {
  console.error('the `yaml` package is missing: run `npm install` (or `npm ci`) at the repository root');
  process.exit(2);
}

const ROLES = ['ingest', 'index', 'storage', 'routing', 'hl7', 'auth'];
// The roles that run a DIMSE listener, and the suffix of the chart's Service in front of each: the
// storage endpoint (ingest) and the query/retrieve endpoint (index).
const DIMSE_SERVICES = { ingest: 'dimse', index: 'dimse-qr' };
// The compose gateway's listener for each HTTP edge (see ROUTES below): DICOMweb and the worklist
// items, and apart from them the admin REST API.
const NGINX_LISTENERS = { public: 8080, admin: 8081 };
const failures = [];
const expect = (ok, message) => {
  if (!ok) failures.push(message);
  return ok;
};

// --- Dockerfile -------------------------------------------------------------------------------
function checkDockerfile(dockerfile, dockerignore) {
  const text = fs.readFileSync(dockerfile, 'utf8').replace(/\\\n/g, ' ');
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  const args = Object.fromEntries(
    lines.filter((l) => /^ARG\s+\w+=/.test(l)).map((l) => l.replace(/^ARG\s+/, '').split('=')),
  );
  const expand = (s) => s.replace(/\$\{?(\w+)\}?/g, (_, name) => args[name] ?? `$${name}`);
  const froms = lines.filter((l) => /^FROM\s/i.test(l)).map((l) => expand(l.split(/\s+/)[1]));
  expect(froms.length >= 2, `Dockerfile: expected a multi-stage build, found ${froms.length} FROM`);
  for (const from of froms) {
    expect(from === 'node:20-bookworm-slim', `Dockerfile: base image ${from}, expected node:20-bookworm-slim`);
  }
  const runs = lines.filter((l) => /^RUN\s/.test(l)).join('\n');
  expect(/\bnpm install\b/.test(runs) && lines.some((l) => /^COPY\s.*package-lock\.json/.test(l)), 'Dockerfile: no `npm install` from the lock file');
  expect(/\bnpm run build\b/.test(runs), 'Dockerfile: no `npm run build`');
  expect(/\bnpm prune --omit=dev\b/.test(runs), 'Dockerfile: no `npm prune --omit=dev`');
  const finalStage = lines.slice(lines.map((l) => /^FROM\s/i.test(l)).lastIndexOf(true));
  const users = finalStage.filter((l) => /^USER\s/.test(l)).map((l) => l.split(/\s+/)[1]);
  const user = users.at(-1);
  expect(user !== undefined, 'Dockerfile: the runtime stage sets no USER (it would run as root)');
  if (user !== undefined) {
    const name = user.split(':')[0];
    expect(name !== 'root' && name !== '0', `Dockerfile: runtime USER ${user} is root`);
    expect(/^\d+$/.test(name), `Dockerfile: USER ${user} is not numeric (Kubernetes runAsNonRoot cannot verify a name)`);
  }
  const exposed = finalStage.filter((l) => /^EXPOSE\s/.test(l)).flatMap((l) => l.split(/\s+/).slice(1));
  for (const port of ['8080', '11112']) expect(exposed.includes(port), `Dockerfile: port ${port} not EXPOSEd`);
  const entrypoint = finalStage.filter((l) => /^ENTRYPOINT\s/.test(l)).at(-1);
  let parsed;
  try {
    parsed = entrypoint && JSON.parse(entrypoint.replace(/^ENTRYPOINT\s+/, ''));
  } catch {
    parsed = undefined;
  }
  expect(
    JSON.stringify(parsed) === JSON.stringify(['node', 'dist/apps/tessera/src/main.js']),
    `Dockerfile: ENTRYPOINT is ${entrypoint}, expected ["node","dist/apps/tessera/src/main.js"] (exec form)`,
  );

  const ignored = fs.readFileSync(dockerignore, 'utf8').split('\n').map((l) => l.trim().replace(/^\/|\/$/g, ''));
  for (const entry of ['node_modules', 'dist', 'data', 'tmp', '.git']) {
    expect(ignored.includes(entry), `.dockerignore: ${entry} is not excluded`);
  }
}

// --- docker-compose.yml -----------------------------------------------------------------------
const envMap = (env) => {
  if (Array.isArray(env)) {
    return Object.fromEntries(env.map((e) => [String(e).split('=')[0], String(e).split('=').slice(1).join('=')]));
  }
  return env ?? {};
};
const dependsOn = (service) => {
  const deps = service.depends_on ?? {};
  if (Array.isArray(deps)) return Object.fromEntries(deps.map((d) => [d, { condition: 'service_started' }]));
  return deps;
};
const publishes = (service, target) =>
  (service.ports ?? []).some((p) =>
    typeof p === 'object' ? Number(p.target) === target : String(p).split(':').at(-1).split('/')[0] === String(target),
  );
const buildContext = (service) => (typeof service.build === 'string' ? service.build : service.build?.context);

function checkCompose(composeFile, envExample) {
  const text = fs.readFileSync(composeFile, 'utf8');
  const doc = YAML.parseDocument(text, { merge: true, uniqueKeys: true });
  if (!expect(doc.errors.length === 0, `compose: YAML errors: ${doc.errors.map((e) => e.message).join('; ')}`)) return;
  const compose = doc.toJS({ maxAliasCount: -1 });
  const services = compose.services ?? {};
  const expected = ['postgres', 'kafka', 's3', 'migrate', 'create-topics', ...ROLES, 'gateway'];
  for (const name of expected) expect(name in services, `compose: service ${name} is missing`);
  if (failures.length) return;

  const image = services.migrate.image;
  expect(Boolean(image), 'compose: migrate names no image');
  for (const job of ['migrate', 'create-topics']) {
    const s = services[job];
    expect(s.image === image, `compose: ${job} uses image ${s.image}, not the Tessera image ${image}`);
    expect(buildContext(s) === '.', `compose: ${job} is not built from the repository (build: .)`);
    expect(JSON.stringify(s.command) === JSON.stringify([job]), `compose: ${job} runs ${JSON.stringify(s.command)}, expected ["${job}"]`);
    expect(s.restart === 'no' || s.restart === undefined, `compose: one-shot ${job} has restart: ${s.restart}`);
  }
  expect(dependsOn(services.migrate).postgres?.condition === 'service_healthy', 'compose: migrate does not wait for postgres to be healthy');
  expect(dependsOn(services['create-topics']).kafka?.condition === 'service_healthy', 'compose: create-topics does not wait for kafka to be healthy');

  for (const role of ROLES) {
    const s = services[role];
    const env = envMap(s.environment);
    expect(s.image === image, `compose: ${role} uses image ${s.image}, not the Tessera image ${image}`);
    expect(buildContext(s) === '.', `compose: ${role} is not built from the repository (build: .)`);
    expect(s.command === undefined, `compose: ${role} overrides the command (${JSON.stringify(s.command)}); the role comes from TESSERA_ROLES`);
    expect(env.TESSERA_ROLES === role, `compose: ${role} has TESSERA_ROLES=${env.TESSERA_ROLES}`);
    expect(env.HTTP_HOST === '0.0.0.0', `compose: ${role} does not listen on 0.0.0.0 (HTTP_HOST=${env.HTTP_HOST})`);
    expect(String(env.TESSERA_ALLOW_INSECURE_REMOTE) === 'true', `compose: ${role} lacks TESSERA_ALLOW_INSECURE_REMOTE=true`);
    for (const key of ['DATABASE_URL', 'BUS_URL', 'BLOB_URL']) expect(Boolean(env[key]), `compose: ${role} has no ${key}`);
    expect(/^postgres:\/\//.test(env.DATABASE_URL ?? ''), `compose: ${role} DATABASE_URL is not postgres://`);
    expect(/^kafka:\/\//.test(env.BUS_URL ?? ''), `compose: ${role} BUS_URL is not kafka://`);
    expect(/^s3(\+http)?:\/\//.test(env.BLOB_URL ?? ''), `compose: ${role} BLOB_URL is not s3:// or s3+http://`);
    const deps = dependsOn(s);
    for (const job of ['migrate', 'create-topics']) {
      expect(deps[job]?.condition === 'service_completed_successfully', `compose: ${role} does not wait for ${job} to complete successfully`);
    }
    for (const backing of ['postgres', 'kafka', 's3']) {
      expect(deps[backing]?.condition === 'service_healthy', `compose: ${role} does not wait for ${backing} to be healthy`);
    }
  }
  for (const name of ['postgres', 'kafka', 's3']) {
    expect(Array.isArray(services[name].healthcheck?.test), `compose: ${name} has no healthcheck`);
  }
  expect(services.postgres.image === 'postgres:15', `compose: postgres image is ${services.postgres.image}`);
  expect(services.kafka.image === 'apache/kafka:3.9.1', `compose: kafka image is ${services.kafka.image}`);
  const kafkaRoles = String(envMap(services.kafka.environment).KAFKA_PROCESS_ROLES ?? '').split(',');
  expect(kafkaRoles.includes('broker') && kafkaRoles.includes('controller'), 'compose: kafka is not in KRaft combined mode');
  expect(services.gateway.image === 'nginx:1.27-alpine', `compose: gateway image is ${services.gateway.image}`);
  for (const [edge, port] of Object.entries(NGINX_LISTENERS)) expect(publishes(services.gateway, port), `compose: gateway does not publish ${port} (the ${edge} edge)`);
  // Each DIMSE listener (storage endpoint: ingest; query/retrieve endpoint: index) is published.
  for (const role of Object.keys(DIMSE_SERVICES)) expect(publishes(services[role], 11112), `compose: ${role} does not publish its DIMSE port 11112`);
  const mounts = (services.gateway.volumes ?? []).map((v) => (typeof v === 'string' ? v.split(':')[0] : v.source));
  const conf = mounts.find((m) => /tessera\.conf$/.test(m));
  expect(Boolean(conf), 'compose: gateway does not mount deploy/nginx/tessera.conf');
  if (conf) expect(fs.existsSync(path.resolve(path.dirname(composeFile), conf)), `compose: gateway mounts ${conf}, which does not exist`);

  // No committed secrets: every password or key is a required variable, never a literal or default.
  const secretKey = /(PASSWORD|SECRET|ACCESS_KEY)/;
  for (const [name, s] of Object.entries(services)) {
    for (const [key, value] of Object.entries(envMap(s.environment))) {
      if (!secretKey.test(key)) continue;
      expect(/^\$\{\w+:\?[^}]*\}$/.test(String(value)), `compose: ${name}.${key} is not a required \${VAR:?...} variable`);
    }
    const db = envMap(s.environment).DATABASE_URL;
    if (db) expect(/\$\{POSTGRES_PASSWORD:\?[^}]*\}/.test(db), `compose: ${name}.DATABASE_URL does not take the password from \${POSTGRES_PASSWORD:?...}`);
  }

  // Every variable the compose file reads is documented in the example env file; the required
  // ones are listed with an empty value (so that copying the example cannot start the stack).
  const example = fs.readFileSync(envExample, 'utf8');
  const documented = new Map();
  for (const line of example.split('\n')) {
    const m = /^(#?)([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (m) documented.set(m[2], { commented: m[1] === '#', value: m[3] });
  }
  for (const m of text.matchAll(/\$\{(\w+)(:?[-?])?([^}]*)\}/g)) {
    const [, name, op] = m;
    const doc = documented.get(name);
    if (!expect(doc !== undefined, `compose: \${${name}} is not documented in ${path.basename(envExample)}`)) continue;
    if (op === ':?') {
      expect(!doc.commented && doc.value === '', `${path.basename(envExample)}: required ${name} should be listed as "${name}=" (empty)`);
    }
  }
}

// What `docker compose config` resolves with the example's defaults: every published port is on
// loopback (nothing is authenticated yet) and no two share a host port.
function checkComposePorts(resolvedJson) {
  const project = JSON.parse(fs.readFileSync(resolvedJson, 'utf8'));
  const taken = new Map();
  for (const [name, service] of Object.entries(project.services ?? {})) {
    for (const p of service.ports ?? []) {
      const where = `${name} ${p.published}:${p.target}`;
      expect(p.host_ip === '127.0.0.1', `compose: ${where} is published on ${p.host_ip || 'every address'}, not 127.0.0.1, by default`);
      const key = `${p.host_ip}:${p.published}/${p.protocol ?? 'tcp'}`;
      expect(!taken.has(key), `compose: ${where} and ${taken.get(key)} both publish ${key}`);
      taken.set(key, where);
    }
  }
}

// --- Helm: every Service reaches a port of its role's pods; every DIMSE listener has a Service ---
function checkHelmServices(renderFile) {
  const docs = YAML.parseAllDocuments(fs.readFileSync(renderFile, 'utf8')).map((d) => d.toJS()).filter(Boolean);
  const name = path.basename(renderFile);
  const configMaps = new Map(docs.filter((d) => d.kind === 'ConfigMap').map((d) => [d.metadata.name, d.data ?? {}]));
  const deployments = docs.filter((d) => d.kind === 'Deployment');
  const services = docs.filter((d) => d.kind === 'Service');
  const container = (deployment) => deployment.spec.template.spec.containers[0];
  const roleOf = (deployment) => deployment.spec.template.metadata.labels['app.kubernetes.io/component'];
  // The environment the process sees: its ConfigMaps, then its own env (which wins).
  const environment = (deployment) => {
    const c = container(deployment);
    const env = {};
    for (const from of c.envFrom ?? []) Object.assign(env, configMaps.get(from.configMapRef?.name) ?? {});
    for (const e of c.env ?? []) env[e.name] = e.value ?? `<${e.valueFrom ? 'from a reference' : 'unset'}>`;
    return env;
  };

  for (const svc of services) {
    const selector = Object.entries(svc.spec.selector ?? {});
    const targets = deployments.filter((d) => selector.length > 0 && selector.every(([k, v]) => d.spec.template.metadata.labels?.[k] === v));
    if (!expect(targets.length === 1, `${name}: Service ${svc.metadata.name} selects the pods of ${targets.length} Deployments (${targets.map((d) => d.metadata.name)}), expected 1`)) continue;
    const ports = container(targets[0]).ports ?? [];
    for (const p of svc.spec.ports) {
      const target = p.targetPort ?? p.port;
      expect(
        ports.some((cp) => cp.name === target || cp.containerPort === target),
        `${name}: Service ${svc.metadata.name} port ${p.name ?? p.port} targets ${target}, which the pods of ${targets[0].metadata.name} do not expose`,
      );
    }
  }

  for (const deployment of deployments) {
    const role = roleOf(deployment);
    const ports = new Map((container(deployment).ports ?? []).map((cp) => [cp.name, cp.containerPort]));
    const env = environment(deployment);
    const suffix = DIMSE_SERVICES[role];
    if (!suffix) {
      expect(!ports.has('dimse') && !ports.has('dimse-tls'), `${name}: ${deployment.metadata.name} exposes a DIMSE port, but the ${role} role runs no DIMSE listener`);
      continue;
    }
    // The port the pods expose is the one the process listens on.
    expect(ports.get('dimse') === Number(env.DIMSE_PORT), `${name}: ${deployment.metadata.name} exposes DIMSE port ${ports.get('dimse')}, but DIMSE_PORT is ${env.DIMSE_PORT}`);
    if (ports.has('dimse-tls') || env.DIMSE_TLS_PORT !== undefined) {
      expect(ports.get('dimse-tls') === Number(env.DIMSE_TLS_PORT), `${name}: ${deployment.metadata.name} exposes DICOM TLS port ${ports.get('dimse-tls')}, but DIMSE_TLS_PORT is ${env.DIMSE_TLS_PORT}`);
      for (const key of ['DIMSE_TLS_CERT', 'DIMSE_TLS_KEY']) expect(env[key] !== undefined, `${name}: ${deployment.metadata.name} listens for DICOM TLS without ${key}`);
    }
    // Its DIMSE Service selects this role's pods and offers one of the DIMSE ports.
    const svcName = deployment.metadata.name.replace(new RegExp(`-${role}$`), `-${suffix}`);
    const svc = services.find((s) => s.metadata.name === svcName);
    if (!expect(svc !== undefined, `${name}: no Service ${svcName} in front of the ${role} role's DIMSE listener`)) continue;
    expect(svc.spec.selector?.['app.kubernetes.io/component'] === role, `${name}: Service ${svc.metadata.name} selects ${svc.spec.selector?.['app.kubernetes.io/component']} pods, expected ${role}`);
    expect(
      svc.spec.ports.some((p) => p.targetPort === 'dimse' || p.targetPort === 'dimse-tls'),
      `${name}: Service ${svc.metadata.name} offers neither the dimse nor the dimse-tls port`,
    );
  }
}

// --- HTTP routing: nginx and the HTTPRoutes agree ---------------------------------------------
// Two edges: `public` (DICOMweb and the worklist items, for viewers, modalities' software, the RIS)
// and `admin` (the admin REST API, which has no authentication yet and must not be reachable where
// the public edge is). Every request below must reach its role on its own edge and nothing on the
// other one.
const EDGES = ['public', 'admin'];
const edgeOf = (uri) => (uri.startsWith('/admin/') ? 'admin' : 'public');

// Every DICOMweb request form (PS3.18), those of the worklist items' and of the admin REST, and
// the role that must serve each.
const ROUTES = [
  ['POST', '/dicomweb/studies', 'ingest'],
  ['POST', '/dicomweb/studies/1.2.840.113619.2.55', 'ingest'],
  ['GET', '/dicomweb/studies', 'index'],
  ['GET', '/dicomweb/series', 'index'],
  ['GET', '/dicomweb/instances', 'index'],
  ['GET', '/dicomweb/studies/1.2.3/series', 'index'],
  ['GET', '/dicomweb/studies/1.2.3/instances', 'index'],
  ['GET', '/dicomweb/studies/1.2.3/series/4.5.6/instances', 'index'],
  ['GET', '/dicomweb/studies/1.2.3/metadata', 'index'],
  ['GET', '/dicomweb/studies/1.2.3/series/4.5.6/metadata', 'index'],
  ['GET', '/dicomweb/studies/1.2.3/series/4.5.6/instances/7.8.9/metadata', 'index'],
  ['GET', '/dicomweb/studies/1.2.3', 'storage'],
  ['GET', '/dicomweb/studies/1.2.3/series/4.5.6', 'storage'],
  ['GET', '/dicomweb/studies/1.2.3/series/4.5.6/instances/7.8.9', 'storage'],
  ['GET', '/dicomweb/studies/1.2.3/series/4.5.6/instances/7.8.9/frames/1,2,3', 'storage'],
  ['GET', '/dicomweb/studies/1.2.3/series/4.5.6/instances/7.8.9/frames/1/rendered', 'storage'],
  ['GET', '/dicomweb/studies/1.2.3/series/4.5.6/instances/7.8.9/rendered', 'storage'],
  ['GET', '/dicomweb/studies/1.2.3/series/4.5.6/instances/7.8.9/thumbnail', 'storage'],
  ['GET', '/dicomweb/studies/1.2.3/series/4.5.6/rendered', 'storage'],
  ['GET', '/dicomweb/studies/1.2.3/thumbnail', 'storage'],
  ['GET', '/dicomweb/studies/1.2.3/series/4.5.6/instances/7.8.9/bulkdata/7fe00010', 'storage'],
  ['GET', '/dicomweb/bulkdata/0f1e2d3c', 'storage'],
  ['OPTIONS', '/dicomweb', 'index'],
  ['OPTIONS', '/tenants/st-mary/dicomweb', 'index'],
  ['OPTIONS', '/dicomweb/studies', 'index'],
  ['OPTIONS', '/dicomweb/studies/1.2.3/series/4.5.6/instances/7.8.9/frames/1', 'index'],
  ['DELETE', '/dicomweb/studies/1.2.3', 'index'],
  ['DELETE', '/dicomweb/studies/1.2.3/series/4.5.6', 'index'],
  ['DELETE', '/dicomweb/studies/1.2.3/series/4.5.6/instances/7.8.9', 'index'],
  ['DELETE', '/dicomweb/studies/1.2.3/metadata', null],
  ['POST', '/worklist/items', 'index'],
  ['GET', '/worklist/items', 'index'],
  ['GET', '/worklist/items/1.2.3/SPS1', 'index'],
  ['PUT', '/worklist/items/1.2.3/SPS1', 'index'],
  ['DELETE', '/worklist/items/1.2.3/SPS1', 'index'],
  // A Scheduled Procedure Step ID may contain "/" (SH, PS3.5 6.2); in a path it is percent-encoded.
  ['GET', '/worklist/items/1.2.3/CT%2F7', 'index'],
  ['PUT', '/worklist/items', null],
  ['POST', '/worklist/items/1.2.3/SPS1', null],
  ['GET', '/worklist/items/1.2.3', null],
  ['GET', '/fhir/metadata', 'index'],
  ['GET', '/fhir/ImagingStudy', 'index'],
  ['GET', '/fhir/ImagingStudy/1.2.3', 'index'],
  ['GET', '/fhir/Patient', 'index'],
  ['GET', '/fhir/Patient/12', 'index'],
  ['GET', '/fhir/Endpoint/dicomweb', 'index'],
  ['POST', '/fhir/ServiceRequest', 'hl7'],
  ['GET', '/fhir/ServiceRequest/ACC-1', 'hl7'],
  ['PUT', '/fhir/ServiceRequest/ACC-1', 'hl7'],
  ['POST', '/fhir/Subscription', 'hl7'],
  ['GET', '/fhir/Subscription', 'hl7'],
  ['GET', '/tenants/north/fhir/Subscription/7f1c9b2e-0d6a-4c1e-9d0f-5b8e2f3a4c6d', 'hl7'],
  ['DELETE', '/fhir/Subscription/7f1c9b2e-0d6a-4c1e-9d0f-5b8e2f3a4c6d', 'hl7'],
  ['PUT', '/fhir/Subscription/1', null],
  ['PUT', '/fhir/Patient/12', null],
  ['GET', '/fhir/Observation', null],
  ['PUT', '/dicomweb/studies/1.2.3', null],
  ['GET', '/healthz', null],
  ['GET', '/', null],
  ['GET', '/admin/tenants/default/application-entities', 'auth'],
  ['GET', '/admin/tenants/default/application-entities/CT_ROOM2', 'auth'],
  ['PUT', '/admin/tenants/default/application-entities/CT_ROOM2', 'auth'],
  ['DELETE', '/admin/tenants/default/application-entities/CT_ROOM2', 'auth'],
  // An AE title may contain "/" (PS3.5 6.2); in a path it is percent-encoded.
  ['PUT', '/admin/tenants/st-mary/application-entities/CT%2F2', 'auth'],
  ['GET', '/admin/tenants/st-mary/association-rejections', 'auth'],
  ['GET', '/admin/association-rejections', 'auth'],
  ['GET', '/admin/tenants/default/storage-commitments/2.25.329800735698586629295641978511506172918', 'ingest'],
  ['POST', '/admin/tenants/default/patients/PAT-0001/erasure', 'index'],
  ['PUT', '/admin/tenants/default/patients/PAT-0001/legal-hold', 'index'],
  ['GET', '/admin/tenants/st-mary/patients/PAT%2F7/legal-hold', 'index'],
  ['DELETE', '/admin/tenants/default/patients/PAT-0001/legal-hold', 'index'],
  ['GET', '/admin/tenants/default/patients/PAT-0001/erasure', null],
  ['POST', '/admin/tenants/default/patients/PAT-0001', null],
  ['GET', '/admin/tenants/default/patient-merges', 'hl7'],
  ['POST', '/admin/tenants/st-mary/patient-merges/42/undo', 'hl7'],
  ['DELETE', '/admin/tenants/default/patient-merges/42', null],
  ['GET', '/admin/tenants/default/audit-records', 'auth'],
  ['GET', '/admin/tenants/st-mary/audit-records/verification', 'auth'],
  ['DELETE', '/admin/tenants/default/audit-records', null],
  ['POST', '/admin/tenants/default/study-grants', 'auth'],
  ['GET', '/admin/tenants/default/study-grants', 'auth'],
  ['DELETE', '/admin/tenants/default/study-grants/5b0b6c1e-4f1e-4c54-9c51-0b8a1c2d3e4f', 'auth'],
  ['POST', '/admin/tenants/default/research-exports', 'ingest'],
  ['GET', '/admin/tenants/default/research-exports', null],
  ['POST', '/admin/tenants/default/application-entities', null],
  ['DELETE', '/admin/association-rejections', null],
  ['PUT', '/admin/tenants/default/storage-commitments/2.25.1', null],
  ['GET', '/admin/tenants/default', null],
  ['GET', '/tenants/st-mary/admin/association-rejections', null],
];

// Another tenant of the deployment is addressed with a /tenants/{id} prefix; it routes the same way.
ROUTES.push(...ROUTES.filter(([, uri]) => uri.startsWith('/dicomweb/') || uri.startsWith('/worklist/') || uri.startsWith('/fhir/')).map(([method, uri, role]) => [method, `/tenants/st-mary${uri}`, role]));

// deploy/nginx/tessera.conf, modelled: its map, and for each listener the location nginx picks (an
// exact match, else the longest prefix unless a regex matches first, in the order written, as
// nginx's `location` documentation describes) and whether that location proxies to the map's role.
// nginx matches locations and the map against the decoded URI ($uri).
function nginxRouter(confFile) {
  const conf = withoutComments(fs.readFileSync(confFile, 'utf8'));
  const block = /map\s+"\$request_method \$uri"\s+\$tessera_role\s*\{([\s\S]*?)\n\s*\}/.exec(conf);
  if (!expect(block !== null, 'nginx: no `map "$request_method $uri" $tessera_role` block')) return null;
  const rules = [];
  for (const line of block[1].split('\n')) {
    const m = /^\s*"~([^"]+)"\s+(\w+)\s*;/.exec(line);
    if (m) rules.push([new RegExp(m[1]), m[2]]);
  }
  expect(rules.length > 0, 'nginx: the map has no regex rules');
  // The map's first matching regex wins; no match is the empty default.
  const mapRole = (method, uri) => rules.find(([re]) => re.test(`${method} ${uri}`))?.[1] ?? null;

  const servers = new Map();
  for (const server of blocks(conf, /\bserver\s*\{/g)) {
    const listen = /^\s*listen\s+(\d+)\s*;/m.exec(server);
    if (!expect(listen !== null, 'nginx: a server block has no `listen PORT;`')) continue;
    const locations = [];
    const re = /\blocation\s+(?:(=|\^~|~\*?)\s+)?("[^"]*"|\S+)\s*\{/g;
    for (const [match, body] of blocks(server, re, true)) {
      const [, modifier = '', raw] = match;
      const pattern = raw.replace(/^"|"$/g, '');
      const proxies = /proxy_pass\s+http:\/\/\$tessera_role:8080\s*;/.test(body);
      const refuses = /if\s*\(\$tessera_role\s*=\s*""\)\s*\{\s*return\s+\d+\s*;\s*\}/.test(body);
      expect(proxies || /^\s*return\s+\d+\s*;\s*$/.test(body), `nginx: location ${pattern} neither proxies to $tessera_role nor returns a status`);
      expect(!proxies || refuses, `nginx: location ${pattern} proxies without refusing requests the map gives no role`);
      locations.push({ modifier, pattern, proxies, regex: modifier.startsWith('~') ? new RegExp(pattern, modifier === '~*' ? 'i' : '') : null });
    }
    servers.set(Number(listen[1]), locations);
  }
  for (const [edge, port] of Object.entries(NGINX_LISTENERS)) expect(servers.has(port), `nginx: no server listens on ${port} (the ${edge} edge)`);

  return (edge, method, rawUri) => {
    const locations = servers.get(NGINX_LISTENERS[edge]);
    if (!locations) return null;
    const uri = decodeURIComponent(rawUri);
    const exact = locations.find((l) => l.modifier === '=' && l.pattern === uri);
    const prefix = locations
      .filter((l) => (l.modifier === '' || l.modifier === '^~') && uri.startsWith(l.pattern))
      .sort((a, b) => b.pattern.length - a.pattern.length)[0];
    const chosen = exact ?? (prefix?.modifier === '^~' ? prefix : (locations.find((l) => l.regex?.test(uri)) ?? prefix));
    return chosen?.proxies ? mapRole(method, uri) : null;
  };
}

// nginx configuration text without its comments: from an unquoted "#" to the end of the line.
function withoutComments(text) {
  return text
    .split('\n')
    .map((line) => {
      let quoted = false;
      for (let i = 0; i < line.length; i++) {
        if (line[i] === '"') quoted = !quoted;
        else if (line[i] === '#' && !quoted) return line.slice(0, i);
      }
      return line;
    })
    .join('\n');
}

// The bodies of the blocks whose opening (`header` up to and including "{") matches; with
// `withMatch`, [match, body] pairs. Braces inside double quotes (regexes) do not count.
function blocks(text, header, withMatch = false) {
  const found = [];
  for (const m of text.matchAll(header)) {
    let depth = 1;
    let quoted = false;
    let i = m.index + m[0].length;
    for (; i < text.length && depth > 0; i++) {
      const c = text[i];
      if (c === '"') quoted = !quoted;
      else if (!quoted && c === '{') depth++;
      else if (!quoted && c === '}') depth--;
    }
    const body = text.slice(m.index + m[0].length, i - 1);
    found.push(withMatch ? [m, body] : body);
  }
  return found;
}

// The rendered HTTPRoutes: <fullname> is the public edge, <fullname>-admin the admin one.
function httpRouteRouter(renderFile) {
  const docs = YAML.parseAllDocuments(fs.readFileSync(renderFile, 'utf8')).map((d) => d.toJS()).filter(Boolean);
  const routes = docs.filter((d) => d.kind === 'HTTPRoute');
  const byEdge = {
    public: routes.filter((r) => !r.metadata.name.endsWith('-admin')),
    admin: routes.filter((r) => r.metadata.name.endsWith('-admin')),
  };
  for (const edge of EDGES) {
    if (!expect(byEdge[edge].length === 1, `helm: ${path.basename(renderFile)} renders ${byEdge[edge].length} HTTPRoutes for the ${edge} edge, expected 1`)) return null;
  }
  const services = new Map(docs.filter((d) => d.kind === 'Service').map((d) => [d.metadata.name, d]));
  const backendRole = (ref) => {
    const svc = services.get(ref.name);
    expect(svc !== undefined, `HTTPRoute: backend ${ref.name} is not a Service of the chart`);
    expect(svc?.spec.ports.some((p) => p.port === ref.port), `HTTPRoute: backend ${ref.name} has no port ${ref.port}`);
    return svc?.metadata.labels['app.kubernetes.io/component'];
  };
  const rulesOf = (route) => route.spec.rules.map((rule) => ({ matches: rule.matches, roles: rule.backendRefs.map(backendRole) }));
  const rules = { public: rulesOf(byEdge.public[0]), admin: rulesOf(byEdge.admin[0]) };
  const pathMatches = (p, uri) => {
    if (!p) return true;
    if (p.type === 'Exact') return uri === p.value;
    if (p.type === 'PathPrefix') return uri === p.value || uri.startsWith(`${p.value.replace(/\/$/, '')}/`);
    if (p.type === 'RegularExpression') return new RegExp(p.value).test(uri);
    return false;
  };
  return (edge, method, uri) => {
    // Which rules match does not depend on precedence only if at most one role matches at all.
    const roles = new Set();
    for (const rule of rules[edge]) {
      if (rule.matches.some((m) => (!m.method || m.method === method) && pathMatches(m.path, uri))) {
        rule.roles.forEach((r) => roles.add(r));
      }
    }
    expect(roles.size <= 1, `HTTPRoute (${edge}): ${method} ${uri} matches several roles (${[...roles]}); the result would depend on the implementation's precedence`);
    return roles.size ? [...roles][0] : null;
  };
}

function checkRoutes(confFile, renderFile) {
  const implementations = [
    ['nginx', nginxRouter(confFile)],
    ['HTTPRoute', httpRouteRouter(renderFile)],
  ];
  for (const [name, route] of implementations) {
    if (!route) continue;
    for (const [method, uri, role] of ROUTES) {
      for (const edge of EDGES) {
        const want = edge === edgeOf(uri) ? role : null;
        const got = route(edge, method, uri);
        expect(got === want, `${name} (${edge} edge): ${method} ${uri} goes to ${got ?? 'no role'}, expected ${want ?? 'no role'}`);
      }
    }
  }
}

// --- main -------------------------------------------------------------------------------------
const [command, ...args] = process.argv.slice(2);
const commands = { dockerfile: checkDockerfile, compose: checkCompose, 'compose-ports': checkComposePorts, 'helm-services': checkHelmServices, routes: checkRoutes };
if (!commands[command] || args.length !== commands[command].length) {
  console.error('usage: deploy-checks.js dockerfile|compose|routes FILE FILE, or compose-ports|helm-services FILE');
  process.exit(2);
}
try {
  commands[command](...args);
} catch (err) {
  failures.push(`${command}: ${err.stack ?? err}`);
}
for (const f of failures) console.log(`  ${f}`);
process.exit(failures.length ? 1 : 0);
