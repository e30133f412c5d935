import { Construct } from 'constructs';
import { Checks, compareStrings, DocumentProblem, MarkdownDocument, MarkdownFile } from '../../src';
import { GitHubL1, GitHubWorkflow } from '../github';
import { BasicAuth, DeploymentView, KamalSecrets, parseAddress, PublishedPort, RouteView } from '../kamal';
import { FluentBit, Grafana, GrafanaLogin, JournaldField, JournaldSource } from '../observability';
import { DeployWorkflow, KamalDeployScripts } from '../rails';
import { RegistryStack } from '../registry';
import { emittedString, endpointOf, EstateModel, githubSecretsOf, Ids, journaldTag, registryOf, runsOf, secretsPathOf } from './_estate-model';
import { code, codes, fenced, label, mermaidText, table } from './_markdown';
import { OPERATIONS_PAGE_MESSAGES, OperationsPageMessages, PageLanguage } from './messages';

/** Props of OperationsPage: where the page goes, its language and its frontmatter. */
export interface OperationsPageProps {
  /**
   * Where the page goes, relative to the app repository's root. The default is a content page of
   * an Astro Starlight docs site in `docs/` (Starlight serves `src/content/docs/<slug>.md` at
   * `/<slug>/`); set it for another site or another slug.
   * @default 'docs/src/content/docs/server-architecture.md'
   */
  readonly path?: string;
  /**
   * The docs site the page belongs to (a DocsDeployWorkflow): the page goes into its folder, at
   * `<directory>/src/content/docs/server-architecture.md`, and is published with it. Ignored when
   * `path` is given.
   * @default - the site in `docs/`
   */
  readonly site?: {
    /** The site's folder in the repository. */
    readonly directory: string;
  };
  /**
   * The language of the page's fixed text (headings, column names, sentences). Values from the
   * model are shown as they are.
   * @default 'en'
   */
  readonly language?: PageLanguage;
  /** The frontmatter `title`. @default - the catalogue's ('Server architecture', 'サーバー構成') */
  readonly title?: string;
  /** The frontmatter `description`. @default - the catalogue's */
  readonly description?: string;
}

/** Where a Starlight site keeps its content pages, and the page's file name there (its slug). */
const STARLIGHT_PAGE = 'src/content/docs/server-architecture.md';

/**
 * The estate's operations page, generated from the model: a Markdown page (Starlight frontmatter,
 * Mermaid diagrams) with the architecture, the endpoints and their access control, the containers
 * on each host, the secrets and the files that resolve them, the deploy flow and the log
 * collection. Every fact is read at synth from the resolved view of each config and from the
 * documents the other constructs emit, so the page can't say what the configs don't.
 */
export class OperationsPage extends Construct {
  /** The generated page. */
  public readonly file: MarkdownFile;
  /** The language of its fixed text. */
  public readonly language: PageLanguage;
  private readonly messages: OperationsPageMessages;

  constructor(scope: Construct, id: string, props: OperationsPageProps = {}) {
    super(scope, id);
    this.language = props.language ?? 'en';
    this.messages = OPERATIONS_PAGE_MESSAGES[this.language];
    if (!this.messages) throw new Error(`[${this.node.path}] no catalogue for language '${String(props.language)}'; use ${Object.keys(OPERATIONS_PAGE_MESSAGES).join(' or ')}`);
    const title = props.title ?? this.messages.title;
    const description = props.description ?? this.messages.description;
    if (!title.trim()) throw new Error(`[${this.node.path}] the page needs a title; Starlight requires one`);
    this.file = new MarkdownFile(this, 'File', {
      path: props.path ?? `${props.site?.directory ?? 'docs'}/${STARLIGHT_PAGE}`,
      frontmatter: { title, description },
      body: () => this.render(),
      validator: STARLIGHT_FRONTMATTER,
    });
  }

  private render(): string {
    const model = new EstateModel(this.node.root);
    const m = this.messages;
    const out: string[] = [];
    out.push(m.intro(model.hosts.length, model.configFiles()), '');
    out.push(`## ${m.architecture.heading}`, '', m.architecture.intro, '', ...fenced('mermaid', this.flowchart(model)), '');
    out.push(`## ${m.endpoints.heading}`, '', m.endpoints.intro, '', ...this.endpoints(model), '');
    out.push(`## ${m.containers.heading}`, '', m.containers.intro, '');
    for (const host of model.hosts) out.push(`### ${m.containers.host(code(model.hostTitle(host)))}`, '', ...this.containers(model, host), '');
    out.push(`## ${m.secrets.heading}`, '', m.secrets.intro, '', ...this.secrets(model), '');
    out.push(...this.deployFlow(model));
    out.push(...this.logs(model));
    out.push(...this.hazards());
    return out.join('\n');
  }

  // ---------------------------------------------------------------- hazards

  /** The warnings synth gives for the estate (the checks ran before any file renders). */
  private hazards(): string[] {
    const h = this.messages.hazards;
    const warnings = Checks.of(this).warnings();
    const body = warnings.length === 0 ? [h.none] : table(h.columns, warnings.map((w) => [w.message, code(w.id ?? 'warning'), w.acknowledged ?? '—']));
    return [`## ${h.heading}`, '', h.intro, '', ...body, ''];
  }

  // ---------------------------------------------------------------- architecture

  private flowchart(model: EstateModel): string[] {
    const a = this.messages.architecture;
    const lines = ['flowchart LR'];
    const ids = new Ids();
    const routes = model.routes();
    const publicHosts = new Set(routes.filter((r) => r.route.access?.isPublic).flatMap((r) => r.route.servers));
    const restrictedHosts = new Set(routes.filter((r) => !r.route.access?.isPublic).flatMap((r) => r.route.servers));
    if (publicHosts.size > 0) lines.push(`  ${ids.of('user:everyone')}([${label(a.everyone)}])`);
    if (restrictedHosts.size > 0) lines.push(`  ${ids.of('user:operators')}([${label(a.operators)}])`);

    // Nodes by host; edges after every node: users, routes, connections, images, logs, volumes.
    const userEdges: string[] = [];
    const volumeEdges: string[] = [];
    for (const host of model.hosts) {
      lines.push(`  subgraph ${ids.of(`host:${host}`)}[${label(model.hostTitle(host))}]`);
      if (routes.some((r) => r.route.servers.includes(host))) lines.push(`    ${ids.of(`proxy:${host}`)}[${label(a.proxy)}]`);
      for (const { container } of model.containersOn(host)) {
        const cid = ids.of(`c:${host}:${container.container}`);
        lines.push(`    ${cid}[${label(container.container)}]`);
        for (const v of container.volumes.filter((x) => x.named)) {
          const vid = `v:${host}:${v.source}`;
          if (!ids.has(vid)) lines.push(`    ${ids.of(vid)}[(${label(v.source)})]`);
          volumeEdges.push(`  ${cid} --- ${ids.of(vid)}`);
        }
      }
      if (model.journaldOn(host)) lines.push(`    ${ids.of(`journald:${host}`)}[(${label(a.journald)})]`);
      lines.push('  end');
      if (publicHosts.has(host)) userEdges.push(`  ${ids.of('user:everyone')} -->|HTTPS| ${ids.of(`proxy:${host}`)}`);
      if (restrictedHosts.has(host)) userEdges.push(`  ${ids.of('user:operators')} -->|HTTPS| ${ids.of(`proxy:${host}`)}`);
    }
    lines.push(...userEdges);
    for (const { route } of routes) {
      for (const host of route.servers) {
        const access = route.access === undefined ? a.undeclared : route.access.isPublic ? a.public : a.restricted(this.controlName(route));
        lines.push(`  ${ids.of(`proxy:${host}`)} -->|${label(`${endpointOf(route)} · ${access}`)}| ${ids.of(`c:${host}:${route.target}`)}`);
      }
    }
    for (const link of model.links()) {
      const from = ids.of(`c:${link.fromHost}:${link.from}`);
      const to = ids.of(`c:${link.toHost}:${link.to}`);
      lines.push(link.kind === 'realm' ? `  ${from} -.->|${label(a.tokenRealm)}| ${to}` : `  ${from} -->|${label(link.label)}| ${to}`);
    }
    for (const pull of model.imagePulls()) {
      lines.push(`  ${ids.of(`c:${pull.registryHost}:${pull.registry}`)} -.->|${label(a.images)}| ${ids.of(`c:${pull.host}:${pull.container}`)}`);
    }
    for (const host of model.hosts) {
      for (const { container } of model.containersOn(host)) {
        const tag = journaldTag(container);
        if (tag !== undefined) lines.push(`  ${ids.of(`c:${host}:${container.container}`)} -.->|${label(a.logs(tag))}| ${ids.of(`journald:${host}`)}`);
      }
      for (const fb of model.collectorsOn(host)) lines.push(`  ${ids.of(`journald:${host}`)} --> ${ids.of(`c:${host}:${fb.containerName}`)}`);
    }
    lines.push(...volumeEdges);
    return lines;
  }

  // ---------------------------------------------------------------- endpoints

  private endpoints(model: EstateModel): string[] {
    const e = this.messages.endpoints;
    const rows = model.routes().map(({ view, route }) => {
      const who = route.access === undefined ? e.undeclared : route.access.isPublic ? e.everyone : e.operators;
      const container = view.containers.find((c) => c.container === route.target);
      const health = container?.proxy?.healthcheck?.path;
      return [
        code(endpointOf(route)),
        code(route.target),
        code(view.where),
        who,
        route.access === undefined ? e.undeclared : route.access.isPublic ? e.none : `${this.controlName(route)}: ${this.enforcement(model, view, route)}`,
        health === undefined ? '' : code(String(health)),
      ];
    });
    return table(e.columns, rows);
  }

  private controlName(route: RouteView): string {
    const d = route.access?.control?.description ?? '';
    return this.messages.controls[d] ?? d;
  }

  /** How the route's control is enforced, read from the container's env and the emitted documents. */
  private enforcement(model: EstateModel, view: DeploymentView, route: RouteView): string {
    const e = this.messages.endpoints;
    const control = route.access?.control;
    const container = view.containers.find((c) => c.container === route.target);
    if (control instanceof BasicAuth && container) {
      const enabled = container.env.clear[control.enabledVar];
      const secrets = container.env.secrets.filter((s) => control.secrets.includes(s.name)).map((s) => s.name);
      return e.basicAuth(`${control.enabledVar}=${enabled ?? ''}`, secrets);
    }
    if (control instanceof GrafanaLogin) {
      const grafana = model.all((x): x is Grafana => x instanceof Grafana).find((g) => g.containerName === route.target);
      const secret = grafana && container?.env.secrets.find((s) => s.name === grafana.adminPasswordSecret);
      if (secret) return e.grafanaLogin(secret.secret);
    }
    for (const stack of model.all((x): x is RegistryStack => x instanceof RegistryStack)) {
      if (stack.registry.containerName === route.target) {
        const doc = stack.registry.configFile.toObject() as { auth?: { token?: { realm?: unknown } } };
        if (doc.auth?.token?.realm !== undefined) return e.registryToken(String(doc.auth.token.realm), stack.registry.configFile.path);
      }
      if (stack.authProxy.containerName === route.target) {
        const doc = stack.auth.configFile.toObject() as { users?: Record<string, unknown> };
        return e.tokenServer(stack.auth.containerName, Object.keys(doc.users ?? {}), stack.auth.configFile.path);
      }
    }
    return e.verifiedAtSynth(route.target);
  }

  // ---------------------------------------------------------------- containers

  private containers(model: EstateModel, host: string): string[] {
    const c = this.messages.containers;
    const rows: string[][] = [];
    const proxy = model.proxyOn(host);
    if (proxy) rows.push([code('kamal-proxy'), '', c.kamalProxy, proxy.ports.map((p) => this.port(p)).join('<br>'), '']);
    for (const { view, container } of model.containersOn(host)) {
      rows.push([
        code(container.container),
        code(view.where),
        container.kind === 'role' ? code(view.image ?? '') : code(container.image ?? ''),
        container.ports.map((p) => this.port(p)).join('<br>'),
        container.volumes.map((v) => code(emittedString(view, v.key) ?? `${v.source}:${v.target}`)).join('<br>'),
      ]);
    }
    return table(c.columns, rows);
  }

  private port(p: PublishedPort): string {
    const c = this.messages.containers;
    if (p.allPorts) return c.hostNetwork;
    const range = (lo?: number, hi?: number) => (lo === undefined ? undefined : hi !== undefined && hi !== lo ? `${lo}-${hi}` : String(lo));
    const host = range(p.hostPort, p.hostPortEnd);
    const text = `${p.bind ?? '0.0.0.0'}:${host ?? ''}->${p.containerPort ?? ''}/${p.protocol}`;
    const notes = [p.bind === undefined ? c.allInterfaces : undefined, host === undefined ? c.dockerPicks : undefined].filter(Boolean);
    return `${code(text)}${notes.length ? ` (${notes.join(this.messages.listSeparator)})` : ''}`;
  }

  // ---------------------------------------------------------------- secrets

  private secrets(model: EstateModel): string[] {
    const s = this.messages.secrets;
    const defined = model.secretFiles();
    type Row = { secret: string; wheres: string[]; keys: string[]; files: string[] };
    const rows = new Map<string, Row>();
    const row = (secret: string): Row => {
      let r = rows.get(secret);
      if (!r) rows.set(secret, (r = { secret, wheres: [], keys: [], files: [] }));
      return r;
    };
    for (const view of model.views) {
      const path = secretsPathOf(view);
      const files = KamalSecrets.filesRead(path, view.destination);
      for (const use of view.secrets) {
        const r = row(use.secret);
        if (!r.wheres.includes(view.where)) r.wheres.push(view.where);
        if (!r.keys.includes(use.key)) r.keys.push(use.key);
        // Kamal reads the files in order and a later one overrides: the last that defines it wins.
        const from = files.filter((f) => defined.get(f)?.includes(use.secret)).pop();
        const shown = from === undefined ? s.unresolved(files) : code(from);
        if (!r.files.includes(shown)) r.files.push(shown);
      }
    }
    for (const [file, names] of defined) {
      for (const name of names) {
        const r = row(name);
        if (r.wheres.length === 0 && !r.files.includes(code(file))) r.files.push(code(file));
      }
    }
    const sorted = [...rows.values()].sort((a, b) => compareStrings(a.secret, b.secret));
    return table(
      s.columns,
      sorted.map((r) => [code(r.secret), r.wheres.length ? codes(r.wheres, '<br>') : s.unread, codes(r.keys, '<br>'), r.files.join('<br>')]),
    );
  }

  // ---------------------------------------------------------------- deploy flow

  private deployFlow(model: EstateModel): string[] {
    const d = this.messages.deploy;
    const scripts = model.all((x): x is KamalDeployScripts => x instanceof KamalDeployScripts);
    const workflows = model.all(GitHubWorkflow.isGitHubWorkflow);
    if (scripts.length === 0 && workflows.length === 0) return [];
    const out = [`## ${d.heading}`, '', d.intro, ''];
    if (scripts.length > 0) {
      out.push(`### ${d.scriptsHeading}`, '');
      out.push(
        ...table(
          d.scriptsColumns,
          scripts.map((s) => [
            code(s.destination === undefined ? s.deploy.file : `${s.deploy.file} -d ${s.destination}`),
            `${code(`./${s.setupScript.path}`)} (${code(s.kamalCommand('setup'))})`,
            `${code(`./${s.deployScript.path}`)} (${code(s.kamalCommand('deploy'))})`,
            this.serverAddressCell(s),
          ]),
        ),
        '',
      );
    }
    if (workflows.length > 0) {
      out.push(`### ${d.workflowsHeading}`, '');
      out.push(
        ...table(
          d.workflowsColumns,
          workflows.map((w) => {
            const doc = w.workflow();
            return [code(w.path), doc.name === undefined ? '' : String(doc.name), this.triggers(doc), codes(runsOf(doc), '<br>'), codes(githubSecretsOf(doc), ', ')];
          }),
        ),
        '',
      );
    }
    const sequence = this.sequence(model, scripts);
    if (sequence.length > 0) out.push(`### ${d.sequenceHeading}`, '', ...fenced('mermaid', sequence), '');
    return out;
  }

  /** Where a script's server addresses come from: none for hosts written as addresses, else the credentials. */
  private serverAddressCell(scripts: KamalDeployScripts): string {
    const d = this.messages.deploy;
    const addresses = scripts.serverAddresses();
    if (addresses.length === 0) return d.noServerAddressLookup;
    if (addresses.length === 1) return d.serverAddress(addresses[0].credential, addresses[0].variable);
    return d.serverAddresses(addresses);
  }

  private triggers(doc: GitHubL1.Workflow): string {
    const d = this.messages.deploy;
    const on = doc.on as unknown;
    const events: Array<[string, unknown]> =
      typeof on === 'string' ? [[on, {}]] : Array.isArray(on) ? on.map((e) => [String(e), {}]) : on && typeof on === 'object' ? Object.entries(on) : [];
    return events
      .map(([event, cfg]) => {
        const c = (cfg ?? {}) as { branches?: unknown; paths?: unknown };
        const list = (v: unknown) => (Array.isArray(v) ? v.map(String) : []);
        if (event === 'push') return d.push(list(c.branches), list(c.paths));
        if (event === 'workflow_dispatch') return d.manual;
        return d.otherEvent(event);
      })
      .join('<br>');
  }

  private sequence(model: EstateModel, scripts: readonly KamalDeployScripts[]): string[] {
    const d = this.messages.deploy;
    if (scripts.length === 0) return [];
    const workflows = model.all((x): x is DeployWorkflow => x instanceof DeployWorkflow);
    const lines = ['sequenceDiagram'];
    const ids = new Ids('p');
    const msg = (from: string, to: string, text: string) => `  ${from}->>${to}: ${mermaidText(text)}`;
    const op = ids.of('operator');
    lines.push(`  actor ${op} as ${mermaidText(d.operator)}`);
    const gh = workflows.length > 0 ? ids.of('github') : undefined;
    if (gh) lines.push(`  participant ${gh} as ${mermaidText(d.githubActions)}`);
    const kamal = ids.of('kamal');
    lines.push(`  participant ${kamal} as ${mermaidText(d.kamal)}`);
    const targets = scripts.map((s) => ({ scripts: s, view: s.deploy.view(s.destination) }));
    const registries = [...new Set(targets.map((t) => registryOf(t.view)).filter((r): r is string => r !== undefined))];
    for (const r of registries) lines.push(`  participant ${ids.of(`registry:${r}`)} as ${mermaidText(r)}`);
    const hosts = [...new Set(targets.flatMap((t) => t.view.containers.flatMap((c) => c.hosts)))];
    for (const h of hosts) lines.push(`  participant ${ids.of(`host:${h}`)} as ${mermaidText(model.hostTitle(h))}`);

    const tail = (view: DeploymentView, setup: boolean) => {
      const registry = registryOf(view);
      if (registry !== undefined && view.image !== undefined) lines.push(msg(kamal, ids.of(`registry:${registry}`), d.buildAndPush(view.image)));
      const viewHosts = [...new Set(view.containers.flatMap((c) => c.hosts))];
      for (const h of viewHosts) {
        const hid = ids.of(`host:${h}`);
        // kamal deploy works on the hosts of the roles; setup also boots the accessories on theirs.
        const roles = view.roles.filter((r) => r.hosts.includes(h));
        const accessories = setup ? view.accessories.filter((a) => a.hosts.includes(h)).map((a) => a.container) : [];
        if (roles.length === 0 && accessories.length === 0) continue;
        // What Kamal does there: the app's containers (switched by kamal-proxy when a role is
        // behind it), or, on a host with accessories only, their boot.
        lines.push(msg(kamal, hid, d.overSsh({ app: roles.length > 0, proxied: roles.some((r) => r.proxy !== undefined) })));
        if (roles.length > 0 && registry !== undefined && view.image !== undefined) lines.push(msg(hid, ids.of(`registry:${registry}`), d.pull(view.image)));
        if (accessories.length > 0) lines.push(msg(hid, hid, d.bootAccessories(accessories)));
        if (roles.length > 0) lines.push(msg(hid, hid, d.startApp(roles.map((r) => r.container))));
        const health = roles.map((r) => r.proxy?.healthcheck?.path).find((p) => p !== undefined);
        if (health !== undefined) lines.push(msg(hid, hid, d.healthcheck(String(health))));
      }
    };
    lines.push(`  Note over ${op},${kamal}: ${mermaidText(d.firstDeploy)}`);
    for (const t of targets) {
      lines.push(msg(op, kamal, `./${t.scripts.setupScript.path} (${t.scripts.kamalCommand('setup')})`));
      tail(t.view, true);
    }
    lines.push(`  Note over ${op},${kamal}: ${mermaidText(d.laterDeploys)}`);
    for (const t of targets) {
      const wf = workflows.find((w) => w.scripts === t.scripts);
      if (wf && gh) {
        const doc = wf.file.workflow();
        lines.push(msg(op, gh, `${wf.file.path}: ${this.triggers(doc).replace(/<br>/g, ', ').replace(/`/g, '')}`));
        const steps = (doc.jobs?.deploy?.steps ?? []).filter((s) => s?.id !== 'deploy').map((s) => String(s?.name ?? s?.uses ?? s?.id ?? ''));
        if (steps.length > 0) lines.push(msg(gh, gh, steps.join(', ')));
        lines.push(msg(gh, kamal, `./${t.scripts.deployScript.path} (${t.scripts.kamalCommand('deploy')})`));
      } else {
        lines.push(msg(op, kamal, `./${t.scripts.deployScript.path} (${t.scripts.kamalCommand('deploy')})`));
      }
      tail(t.view, false);
    }
    return lines;
  }

  // ---------------------------------------------------------------- logs

  private logs(model: EstateModel): string[] {
    const l = this.messages.logs;
    const collectors = model.all((x): x is FluentBit => x instanceof FluentBit);
    if (collectors.length === 0) return [];
    const rows: string[][] = [];
    for (const fb of collectors) {
      const doc = fb.configFile.toObject() as FluentBitDoc;
      const outputs = (doc.pipeline?.outputs ?? []).filter((o) => o.name === 'loki');
      const destinations = outputs.map((o) => {
        const loki = model.containerAt(String(o.host), Number(o.port));
        return `${code(`http://${String(o.host)}:${String(o.port)}${String(o.uri ?? '')}`)}${loki ? ` (${code(loki)})` : ''}`;
      });
      for (const input of (doc.pipeline?.inputs ?? []).filter((i) => i.name === 'systemd')) {
        for (const match of Array.isArray(input.systemd_filter) ? input.systemd_filter.map(String) : []) {
          const source = JournaldSource.all(this).find((s) => s.systemdFilter === match);
          const writers = model.views.flatMap((v) => v.containers).filter((c) => `${JournaldField.SYSLOG_IDENTIFIER}=${journaldTag(c)}` === match).map((c) => c.container);
          rows.push([
            source?.description ?? '',
            code(match),
            codes([...new Set(writers)], '<br>'),
            `${code(fb.containerName)} (${fb.servers.map((h) => code(model.hostTitle(h))).join(this.messages.listSeparator)})`,
            destinations.join('<br>'),
          ]);
        }
      }
    }
    const out = [`## ${l.heading}`, '', l.intro, '', ...table(l.columns, rows), ''];
    for (const g of model.all((x): x is Grafana => x instanceof Grafana)) {
      for (const addr of g.emittedAddresses()) {
        const doc = g.datasourcesFile.toObject() as { datasources?: Array<{ url?: unknown }> };
        const url = (doc.datasources ?? []).map((ds) => String(ds.url ?? '')).find((u) => parseAddress(u)?.host === addr.host);
        if (url) out.push(l.grafanaReads(g.containerName, url, g.datasourcesFile.path), '');
      }
    }
    return out;
  }
}

/** The frontmatter Starlight requires: a non-empty `title`; `description` a string when given. */
const STARLIGHT_FRONTMATTER = {
  validate(doc: unknown): DocumentProblem[] {
    const fm = (doc as MarkdownDocument | undefined)?.frontmatter as Record<string, unknown> | undefined;
    const problems: DocumentProblem[] = [];
    if (typeof fm !== 'object' || fm === null) return [{ pointer: '', message: 'has no frontmatter; Starlight needs at least a title' }];
    if (typeof fm.title !== 'string' || fm.title.trim() === '') problems.push({ pointer: '/frontmatter/title', message: 'must be a non-empty string (Starlight requires a title)' });
    if (fm.description !== undefined && typeof fm.description !== 'string') problems.push({ pointer: '/frontmatter/description', message: 'must be a string' });
    return problems;
  },
};

interface FluentBitDoc {
  pipeline?: {
    inputs?: Array<{ name?: unknown; systemd_filter?: unknown }>;
    outputs?: Array<{ name?: unknown; host?: unknown; port?: unknown; uri?: unknown }>;
  };
}
