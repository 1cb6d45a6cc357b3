/**
 * The ClickHouse deployment files under deploy/clickhouse/, checked offline: they parse, every file
 * they mount exists, the cluster topology agrees across remote_servers, macros, Keeper configs,
 * compose services and Kubernetes objects, Tollgate is pointed at what exists, and the schema
 * files are exactly what the generator prints.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import { fullSchemaStatements } from '../../src/store/index.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const DEPLOY = path.join(REPO, 'deploy/clickhouse');
const CLUSTER_DIR = path.join(DEPLOY, 'cluster');
const K8S_DIR = path.join(DEPLOY, 'kubernetes');
const COMPOSE_FILES = ['single/docker-compose.yaml', 'cluster/docker-compose.yaml'].map((f) => path.join(DEPLOY, f));

const read = (file: string): string => readFileSync(file, 'utf8');
const rel = (file: string): string => path.relative(REPO, file);

// ---------------------------------------------------------------------------------------------
// A tiny XML reader: enough for ClickHouse config files (elements, double-quoted attributes, text,
// comments). It throws on anything else and on unbalanced tags, so it doubles as a syntax check.

interface XmlNode {
  name: string;
  attrs: Record<string, string>;
  children: XmlNode[];
  text: string;
}

function parseXml(source: string, where: string): XmlNode {
  const body = source.replace(/<!--[\s\S]*?-->/g, '').replace(/<\?[\s\S]*?\?>/g, '');
  const root: XmlNode = { name: '#document', attrs: {}, children: [], text: '' };
  const stack: XmlNode[] = [root];
  const token = /<(\/?)([A-Za-z_][\w.-]*)((?:\s+[\w:.-]+\s*=\s*"[^"]*")*)\s*(\/?)>|([^<]+)/g;
  let consumed = 0;
  for (let m = token.exec(body); m !== null; m = token.exec(body)) {
    if (m.index !== consumed) throw new Error(`${where}: cannot read XML at "${body.slice(consumed, consumed + 40)}"`);
    consumed = token.lastIndex;
    const [, closing, name = '', attrText = '', selfClosing, text] = m;
    const top = stack[stack.length - 1]!;
    if (text !== undefined) {
      top.text += text;
    } else if (closing) {
      if (top.name !== name) throw new Error(`${where}: </${name}> closes <${top.name}>`);
      stack.pop();
    } else {
      const attrs = Object.fromEntries([...attrText.matchAll(/([\w:.-]+)\s*=\s*"([^"]*)"/g)].map((a) => [a[1]!, a[2]!]));
      const node: XmlNode = { name, attrs, children: [], text: '' };
      top.children.push(node);
      if (!selfClosing) stack.push(node);
    }
  }
  if (consumed !== body.length) throw new Error(`${where}: cannot read XML at "${body.slice(consumed, consumed + 40)}"`);
  if (stack.length !== 1) throw new Error(`${where}: <${stack[stack.length - 1]!.name}> is never closed`);
  if (root.children.length !== 1 || root.children[0]!.name !== 'clickhouse') throw new Error(`${where}: expected one <clickhouse> root element`);
  return root.children[0]!;
}

const readXml = (file: string): XmlNode => parseXml(read(file), rel(file));
const kids = (node: XmlNode, name: string): XmlNode[] => node.children.filter((c) => c.name === name);

/** The single element at a slash-separated path below `node`; fails the test when absent or repeated. */
function at(node: XmlNode, elementPath: string): XmlNode {
  let current = node;
  for (const name of elementPath.split('/')) {
    const found = kids(current, name);
    if (found.length !== 1) throw new Error(`expected one <${name}> under <${current.name}>, found ${found.length}`);
    current = found[0]!;
  }
  return current;
}
const textAt = (node: XmlNode, elementPath: string): string => at(node, elementPath).text.trim();

interface ClusterLayout {
  names: string[];
  secretFromEnv: string | undefined;
  shards: Array<{ internalReplication: string; replicas: Array<{ host: string; port: string }> }>;
}

function readRemoteServers(xml: XmlNode): ClusterLayout {
  const servers = at(xml, 'remote_servers');
  const cluster = servers.children[0]!;
  return {
    names: servers.children.map((c) => c.name),
    secretFromEnv: kids(cluster, 'secret')[0]?.attrs['from_env'],
    shards: kids(cluster, 'shard').map((shard) => ({
      internalReplication: textAt(shard, 'internal_replication'),
      replicas: kids(shard, 'replica').map((r) => ({ host: textAt(r, 'host'), port: textAt(r, 'port') })),
    })),
  };
}

function readRaftServers(xml: XmlNode): Array<{ id: string; hostname: string; port: string }> {
  return kids(at(xml, 'keeper_server/raft_configuration'), 'server').map((s) => ({
    id: textAt(s, 'id'),
    hostname: textAt(s, 'hostname'),
    port: textAt(s, 'port'),
  }));
}

const keeperNodes = (xml: XmlNode): Array<{ host: string; port: string }> =>
  kids(at(xml, 'zookeeper'), 'node').map((n) => ({ host: textAt(n, 'host'), port: textAt(n, 'port') }));

/** Every from_env attribute in a config file: the variables the server must have. */
function fromEnvNames(node: XmlNode): string[] {
  const own = node.attrs['from_env'] === undefined ? [] : [node.attrs['from_env']];
  return [...own, ...node.children.flatMap(fromEnvNames)];
}

// ---------------------------------------------------------------------------------------------
// Compose files.

type ComposeVolume = string | { type?: string; source?: string; target?: string };
interface ComposeService {
  image?: string;
  hostname?: string;
  environment?: Record<string, string | number | boolean | null> | string[];
  volumes?: ComposeVolume[];
  ports?: Array<string | number | { host_ip?: string; published?: string | number; target?: number }>;
}
interface ComposeFile {
  services: Record<string, ComposeService>;
}

// Merge keys (<<: *anchor) are part of the compose format; the yaml package resolves them on request.
const readCompose = (file: string): ComposeFile => parseYaml(read(file), { merge: true }) as ComposeFile;

function envOf(service: ComposeService): Record<string, string> {
  const env = service.environment;
  if (env === undefined) return {};
  if (Array.isArray(env)) {
    return Object.fromEntries(env.map((e) => {
      const i = e.indexOf('=');
      return i < 0 ? [e, ''] : [e.slice(0, i), e.slice(i + 1)];
    }));
  }
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v === null ? '' : String(v)]));
}

/** Bind mounts as host path (resolved against the compose file) and container path. */
function bindMounts(composeFile: string, service: ComposeService): Array<{ source: string; target: string }> {
  const mounts: Array<{ source: string; target: string }> = [];
  for (const v of service.volumes ?? []) {
    const [source, target] = typeof v === 'string' ? v.split(':') : [v.source, v.target];
    if (source === undefined || target === undefined) throw new Error(`${rel(composeFile)}: volume without source or target`);
    // Named volumes are plain names; bind mounts are paths.
    if (source.startsWith('.') || source.startsWith('/')) mounts.push({ source: path.resolve(path.dirname(composeFile), source), target });
  }
  return mounts;
}

const isServer = (s: ComposeService): boolean => s.image?.startsWith('clickhouse/clickhouse-server:') === true;
const isKeeper = (s: ComposeService): boolean => s.image?.startsWith('clickhouse/clickhouse-keeper:') === true;

const clusterCompose = readCompose(path.join(CLUSTER_DIR, 'docker-compose.yaml'));
const remoteServers = readRemoteServers(readXml(path.join(CLUSTER_DIR, 'config.d/remote-servers.xml')));
const keeperFiles = readdirSync(path.join(CLUSTER_DIR, 'keeper')).filter((f) => f.endsWith('.xml')).sort();

// ---------------------------------------------------------------------------------------------
// Kubernetes manifests.

interface K8sContainer {
  name: string;
  image: string;
  env?: Array<{ name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }>;
  volumeMounts?: Array<{ name: string; mountPath: string; subPath?: string }>;
}
interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  data?: Record<string, string>;
  stringData?: Record<string, string>;
  spec?: {
    replicas?: number;
    serviceName?: string;
    template?: {
      spec: {
        containers: K8sContainer[];
        volumes?: Array<{ name: string; configMap?: { name: string }; secret?: { secretName: string } }>;
      };
    };
  };
}

const k8sFiles = readdirSync(K8S_DIR).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml').sort();
const k8sObjects: K8sObject[] = k8sFiles.flatMap((f) =>
  parseAllDocuments(read(path.join(K8S_DIR, f))).map((d) => d.toJS() as K8sObject).filter((o) => o !== null));
const k8s = (kind: string, name: string): K8sObject => {
  const found = k8sObjects.filter((o) => o.kind === kind && o.metadata.name === name);
  if (found.length !== 1) throw new Error(`expected one ${kind} ${name}, found ${found.length}`);
  return found[0]!;
};
const configMapXml = (configMap: string, key: string): XmlNode => {
  const text = k8s('ConfigMap', configMap).data?.[key];
  if (text === undefined) throw new Error(`ConfigMap ${configMap} has no ${key}`);
  return parseXml(text, `ConfigMap ${configMap} ${key}`);
};
const containerEnv = (c: K8sContainer, name: string): string | undefined => c.env?.find((e) => e.name === name)?.value;

// ---------------------------------------------------------------------------------------------

describe('the deployment YAML files', () => {
  const yamlFiles = [...COMPOSE_FILES, ...readdirSync(K8S_DIR).filter((f) => f.endsWith('.yaml')).map((f) => path.join(K8S_DIR, f))];

  it('parse without errors, including every document of the multi-document manifests', () => {
    expect(yamlFiles.length).toBeGreaterThanOrEqual(8);
    for (const file of yamlFiles) {
      const docs = parseAllDocuments(read(file));
      expect(docs.length, rel(file)).toBeGreaterThan(0);
      for (const doc of docs) {
        expect(doc.errors.map((e) => e.message), rel(file)).toEqual([]);
        const value = doc.toJS() as Record<string, unknown> | null;
        expect(value, `${rel(file)}: empty document`).not.toBeNull();
        if (file.startsWith(K8S_DIR)) {
          expect(typeof value?.['apiVersion'], `${rel(file)}: apiVersion`).toBe('string');
          expect(typeof value?.['kind'], `${rel(file)}: kind`).toBe('string');
        }
      }
    }
  });

  it('list in kustomization.yaml exactly the manifests of the kubernetes directory', () => {
    const kustomization = parseYaml(read(path.join(K8S_DIR, 'kustomization.yaml'))) as { resources: string[] };
    expect([...kustomization.resources].sort()).toEqual(k8sFiles);
  });
});

describe('the compose files', () => {
  it('mount only files and directories that exist in the repository', () => {
    const missing: string[] = [];
    let checked = 0;
    for (const file of COMPOSE_FILES) {
      for (const [name, service] of Object.entries(readCompose(file).services)) {
        for (const m of bindMounts(file, service)) {
          checked += 1;
          if (!existsSync(m.source)) missing.push(`${rel(file)} ${name}: ${m.source}`);
        }
      }
    }
    expect(missing).toEqual([]);
    expect(checked).toBeGreaterThanOrEqual(2 + 4 * 4 + 3);
  });

  it('publish ports on the loopback address only', () => {
    for (const file of COMPOSE_FILES) {
      for (const [name, service] of Object.entries(readCompose(file).services)) {
        for (const p of service.ports ?? []) {
          const hostIp = typeof p === 'object' ? p.host_ip : String(p).split(':')[0];
          expect(hostIp, `${rel(file)} ${name}: ${JSON.stringify(p)}`).toBe('127.0.0.1');
        }
      }
    }
  });

  it('pin every ClickHouse server and Keeper image to one and the same 25.x tag', () => {
    const tags = new Set<string>();
    for (const file of COMPOSE_FILES) {
      for (const service of Object.values(readCompose(file).services)) {
        if (isServer(service) || isKeeper(service)) tags.add(service.image!.split(':')[1]!);
      }
    }
    for (const o of k8sObjects) {
      for (const c of o.spec?.template?.spec.containers ?? []) if (c.image.startsWith('clickhouse/')) tags.add(c.image.split(':')[1]!);
    }
    expect([...tags]).toHaveLength(1);
    expect([...tags][0]).toMatch(/^25\.\d+/);
  });

  it('point Tollgate at a ClickHouse server defined in the same file, as user tollgate, database otel', () => {
    for (const file of COMPOSE_FILES) {
      const { services } = readCompose(file);
      const env = envOf(services['tollgate'] ?? {});
      const url = new URL(env['CLICKHOUSE_URL'] ?? 'missing:');
      const target = services[url.hostname];
      expect(target, `${rel(file)}: CLICKHOUSE_URL names service "${url.hostname}"`).toBeDefined();
      expect(isServer(target!), `${rel(file)}: ${url.hostname} runs clickhouse-server`).toBe(true);
      expect(url.protocol).toBe('http:');
      expect(url.port).toBe('8123');
      expect(env['CLICKHOUSE_USER']).toBe('tollgate');
      expect(env['CLICKHOUSE_DATABASE']).toBe('otel');
      // The database must exist before Tollgate connects with it selected.
      expect(envOf(target!)['CLICKHOUSE_DB']).toBe('otel');
    }
  });

  it('set TOLLGATE_CLICKHOUSE_CLUSTER to the cluster of remote-servers.xml in the cluster file, and not at all for one server', () => {
    expect(envOf(clusterCompose.services['tollgate'] ?? {})['TOLLGATE_CLICKHOUSE_CLUSTER']).toBe(remoteServers.names[0]);
    const single = readCompose(path.join(DEPLOY, 'single/docker-compose.yaml'));
    expect(envOf(single.services['tollgate'] ?? {})['TOLLGATE_CLICKHOUSE_CLUSTER']).toBeUndefined();
  });

  it('give each ClickHouse server every variable its mounted config files read with from_env', () => {
    for (const file of COMPOSE_FILES) {
      const servers = Object.entries(readCompose(file).services).filter(([, s]) => isServer(s));
      expect(servers.length).toBeGreaterThan(0);
      for (const [name, service] of servers) {
        const needed = bindMounts(file, service).filter((m) => m.source.endsWith('.xml')).flatMap((m) => fromEnvNames(readXml(m.source)));
        expect(needed, `${rel(file)} ${name}`).toContain('TOLLGATE_CH_PASSWORD');
        for (const variable of needed) expect(Object.keys(envOf(service)), `${rel(file)} ${name}`).toContain(variable);
      }
    }
  });
});

describe('the compose cluster', () => {
  const servers = Object.entries(clusterCompose.services).filter(([, s]) => isServer(s));
  const keepers = Object.entries(clusterCompose.services).filter(([, s]) => isKeeper(s));

  it('is named tollgate in remote-servers.xml, with 2 shards of 2 replicas whose hosts are the compose services', () => {
    expect(remoteServers.names).toEqual(['tollgate']);
    expect(remoteServers.shards.map((s) => s.replicas.length)).toEqual([2, 2]);
    expect(remoteServers.shards.map((s) => s.internalReplication)).toEqual(['true', 'true']);
    const hosts = remoteServers.shards.flatMap((s) => s.replicas.map((r) => r.host));
    expect(new Set(hosts).size).toBe(4);
    expect([...hosts].sort()).toEqual(servers.map(([name]) => name).sort());
    for (const [name, service] of servers) expect(service.hostname, `${name} hostname`).toBe(name);
    expect(remoteServers.shards.flatMap((s) => s.replicas.map((r) => r.port))).toEqual(['9000', '9000', '9000', '9000']);
  });

  it('gives each server a macros file naming the shard and replica remote-servers.xml puts it in', () => {
    const macroFiles = readdirSync(path.join(CLUSTER_DIR, 'macros')).filter((f) => f.endsWith('.xml')).sort();
    const used: string[] = [];
    remoteServers.shards.forEach((shard, i) => {
      for (const { host } of shard.replicas) {
        const mount = bindMounts(path.join(CLUSTER_DIR, 'docker-compose.yaml'), clusterCompose.services[host] ?? {})
          .find((m) => m.target === '/etc/clickhouse-server/config.d/macros.xml');
        expect(mount, `${host} mounts a macros.xml`).toBeDefined();
        expect(path.basename(mount!.source)).toBe(`${host}.xml`);
        const macros = at(readXml(mount!.source), 'macros');
        expect(textAt(macros, 'shard'), host).toBe(String(i + 1).padStart(2, '0'));
        expect(textAt(macros, 'replica'), host).toBe(host);
        used.push(path.basename(mount!.source));
      }
    });
    expect(used.sort()).toEqual(macroFiles);
  });

  it('lists the same three raft servers in every keeper config, each file with its own server id', () => {
    expect(keeperFiles).toEqual(['keeper-1.xml', 'keeper-2.xml', 'keeper-3.xml']);
    const configs = keeperFiles.map((f) => readXml(path.join(CLUSTER_DIR, 'keeper', f)));
    const raft = readRaftServers(configs[0]!);
    expect(raft.map((s) => s.id)).toEqual(['1', '2', '3']);
    expect(raft.map((s) => s.hostname).sort()).toEqual(keepers.map(([name]) => name).sort());
    configs.forEach((config, i) => {
      expect(readRaftServers(config), keeperFiles[i]).toEqual(raft);
      expect(textAt(config, 'keeper_server/server_id'), keeperFiles[i]).toBe(String(i + 1));
    });
    for (const [name, service] of keepers) {
      const id = raft.find((s) => s.hostname === name)!.id;
      const mount = bindMounts(path.join(CLUSTER_DIR, 'docker-compose.yaml'), service)
        .find((m) => m.target === '/etc/clickhouse-keeper/keeper_config.xml');
      expect(mount && path.basename(mount.source), `${name} mounts the config with its own server id`).toBe(`keeper-${id}.xml`);
      expect(service.hostname).toBe(name);
    }
  });

  it('points every server at the three keepers on their client port', () => {
    const client = readXml(path.join(CLUSTER_DIR, 'config.d/keeper-client.xml'));
    const tcpPort = textAt(readXml(path.join(CLUSTER_DIR, 'keeper', keeperFiles[0]!)), 'keeper_server/tcp_port');
    expect(keeperNodes(client)).toEqual(keepers.map(([name]) => ({ host: name, port: tcpPort })));
    for (const [name, service] of servers) {
      const targets = bindMounts(path.join(CLUSTER_DIR, 'docker-compose.yaml'), service).map((m) => m.target);
      expect(targets, name).toContain('/etc/clickhouse-server/config.d/keeper-client.xml');
      expect(targets, name).toContain('/etc/clickhouse-server/config.d/remote-servers.xml');
      expect(targets, name).toContain('/etc/clickhouse-server/users.d/tollgate.xml');
    }
  });
});

describe('the Kubernetes manifests', () => {
  const clickhouseSets = k8sObjects.filter((o) => o.kind === 'StatefulSet' && o.metadata.labels?.['app.kubernetes.io/name'] === 'clickhouse');
  const k8sCluster = readRemoteServers(configMapXml('clickhouse-config', 'remote-servers.xml'));

  it('name in remote-servers.xml the pods of one 2-replica StatefulSet per shard, by their headless Service', () => {
    expect(k8sCluster.names).toEqual(['tollgate']);
    expect(k8sCluster.shards.map((s) => s.internalReplication)).toEqual(['true', 'true']);
    expect(clickhouseSets).toHaveLength(k8sCluster.shards.length);
    k8sCluster.shards.forEach((shard, i) => {
      const shardId = String(i + 1).padStart(2, '0');
      const set = clickhouseSets.find((s) => containerEnv(s.spec!.template!.spec.containers[0]!, 'CH_SHARD') === shardId);
      expect(set, `a StatefulSet with CH_SHARD=${shardId}`).toBeDefined();
      const { name } = set!.metadata;
      const service = k8s('Service', set!.spec!.serviceName!);
      expect((service.spec as { clusterIP?: string }).clusterIP).toBe('None');
      expect(shard.replicas.map((r) => r.host)).toEqual(
        Array.from({ length: set!.spec!.replicas! }, (_, ordinal) => `${name}-${ordinal}.${set!.spec!.serviceName}`));
    });
  });

  it('derive each pod\'s macros from its shard and pod name through the environment', () => {
    const macros = at(configMapXml('clickhouse-config', 'macros.xml'), 'macros');
    expect(at(macros, 'shard').attrs['from_env']).toBe('CH_SHARD');
    expect(at(macros, 'replica').attrs['from_env']).toBe('CH_REPLICA');
    for (const set of clickhouseSets) {
      const container = set.spec!.template!.spec.containers[0]!;
      expect(containerEnv(container, 'CH_REPLICA')).toBe('$(POD_NAME)');
      const podName = container.env?.find((e) => e.name === 'POD_NAME') as { valueFrom?: { fieldRef?: { fieldPath: string } } } | undefined;
      expect(podName?.valueFrom?.fieldRef?.fieldPath).toBe('metadata.name');
      expect(container.volumeMounts?.map((m) => m.mountPath)).toContain('/etc/clickhouse-server/config.d/macros.xml');
      expect(containerEnv(container, 'CLICKHOUSE_DB')).toBe('otel');
    }
  });

  it('list the keeper StatefulSet\'s three pods as raft servers and as the servers\' keeper nodes', () => {
    const keeper = k8s('StatefulSet', 'clickhouse-keeper');
    expect(keeper.spec?.replicas).toBe(3);
    const pods = Array.from({ length: 3 }, (_, ordinal) => `clickhouse-keeper-${ordinal}.${keeper.spec!.serviceName}`);
    const config = configMapXml('clickhouse-keeper-config', 'keeper_config.xml');
    expect(readRaftServers(config).map((s) => [s.id, s.hostname])).toEqual(pods.map((host, ordinal) => [String(ordinal + 1), host]));
    const tcpPort = textAt(config, 'keeper_server/tcp_port');
    expect(keeperNodes(configMapXml('clickhouse-config', 'keeper-client.xml'))).toEqual(pods.map((host) => ({ host, port: tcpPort })));
  });

  it('mount and reference only keys their ConfigMaps and Secrets define', () => {
    let checked = 0;
    for (const o of k8sObjects) {
      const pod = o.spec?.template?.spec;
      if (pod === undefined) continue;
      for (const c of pod.containers) {
        for (const m of c.volumeMounts ?? []) {
          const volume = pod.volumes?.find((v) => v.name === m.name);
          if (volume?.configMap !== undefined && m.subPath !== undefined) {
            checked += 1;
            expect(Object.keys(k8s('ConfigMap', volume.configMap.name).data ?? {}), `${o.metadata.name} ${m.mountPath}`).toContain(m.subPath);
          }
          if (volume?.secret !== undefined) k8s('Secret', volume.secret.secretName);
        }
        for (const e of c.env ?? []) {
          const ref = e.valueFrom?.secretKeyRef;
          if (ref === undefined) continue;
          checked += 1;
          expect(Object.keys(k8s('Secret', ref.name).stringData ?? {}), `${o.metadata.name} ${e.name}`).toContain(ref.key);
        }
      }
    }
    expect(checked).toBeGreaterThanOrEqual(10);
  });

  it('point Tollgate at the ClickHouse Service with the cluster named in remote-servers.xml', () => {
    const container = k8s('Deployment', 'tollgate').spec!.template!.spec.containers[0]!;
    const url = new URL(containerEnv(container, 'CLICKHOUSE_URL') ?? 'missing:');
    const service = k8s('Service', url.hostname) as K8sObject & { spec: { selector: Record<string, string>; ports: Array<{ port: number }> } };
    expect(service.spec.selector['app.kubernetes.io/name']).toBe('clickhouse');
    expect(service.spec.ports.map((p) => String(p.port))).toContain(url.port);
    expect(containerEnv(container, 'TOLLGATE_CLICKHOUSE_CLUSTER')).toBe(k8sCluster.names[0]);
    expect(containerEnv(container, 'CLICKHOUSE_DATABASE')).toBe('otel');
    const tollgateService = k8s('Service', 'tollgate') as K8sObject & { spec: { ports: Array<{ port: number }> } };
    expect(tollgateService.spec.ports.map((p) => p.port).sort()).toEqual([4317, 4318, 8080]);
  });
});

describe('the schema files', () => {
  /** What `tollgate schema` prints: each statement as `out(sql + ';\n')`, and out() ends every line with a newline. */
  const printed = (statements: string[]): string => statements.map((sql) => `${sql};\n\n`).join('');

  it('schema-cluster.sql is exactly what `tollgate schema --cluster tollgate --database otel` prints', () => {
    const expected = printed(fullSchemaStatements('otel', { kind: 'cluster', cluster: 'tollgate' }));
    expect(read(path.join(DEPLOY, 'schema-cluster.sql')), 'regenerate: node bin/tollgate.mjs schema --cluster tollgate --database otel > deploy/clickhouse/schema-cluster.sql').toBe(expected);
  });

  it('schema-single.sql is exactly what `tollgate schema` prints', () => {
    const expected = printed(fullSchemaStatements('default', { kind: 'single' }));
    expect(read(path.join(DEPLOY, 'schema-single.sql')), 'regenerate: node bin/tollgate.mjs schema > deploy/clickhouse/schema-single.sql').toBe(expected);
  });
});
