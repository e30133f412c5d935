import { isHash } from './merge';

/**
 * Kamal's `servers:` and accessory host selectors, read as Kamal reads them. This is the one
 * place that turns `servers:` into roles: the validator's rules, the resolved view and everything
 * built on it call it.
 */

/** One entry of a server list: its address and its tags (`{ "1.2.3.4": [a, b] }`). */
export interface ServerEntry {
  /** The address (or ERB fragment). */
  readonly host: string;
  /** Its tags. */
  readonly tags: readonly string[];
  /** Whether the tags were given as a list rather than one string (Kamal matches them differently). */
  readonly tagList: boolean;
}

/** A role as `servers:` declares it. */
export interface ServerRole {
  /** The role's name (`web` for the list form). */
  readonly name: string;
  /** Where the role is: `servers/<name>`, or `servers` for the list form. */
  readonly path: ReadonlyArray<string>;
  /** The role hash; empty for a role given as a host list. */
  readonly config: Record<string, unknown>;
  /** Whether the role was given as a plain host list (Kamal reads tags only from those). */
  readonly listForm: boolean;
  /** Its server entries, in order, repeats kept. */
  readonly entries: readonly ServerEntry[];
  /** The distinct hosts, as Kamal keys them. */
  readonly hosts: string[];
}

/** Entries of a server list: strings, and the `{host: tags}` single-key hashes. */
export function serverEntries(list: unknown): ServerEntry[] {
  const out: ServerEntry[] = [];
  for (const entry of Array.isArray(list) ? list : []) {
    if (typeof entry === 'string') out.push({ host: entry, tags: [], tagList: false });
    else if (isHash(entry)) {
      const [host, tags] = Object.entries(entry)[0] ?? [];
      if (host === undefined) continue;
      const tagList = Array.isArray(tags);
      out.push({ host, tags: tagList ? tags.map(String) : typeof tags === 'string' ? [tags] : [], tagList });
    }
  }
  return out;
}

/** The distinct hosts of a server list. */
export function serverHosts(list: unknown): string[] {
  return [...new Set(serverEntries(list).map((e) => e.host))];
}

/**
 * The roles of `servers:` in Kamal's order (sorted by name): a list is the single role `web`, a
 * hash maps role names to host lists or role hashes.
 */
export function rolesOfServers(servers: unknown): ServerRole[] {
  const role = (name: string, path: string[], config: Record<string, unknown>, list: unknown, listForm: boolean): ServerRole => {
    const entries = serverEntries(list);
    return { name, path, config, listForm, entries, hosts: [...new Set(entries.map((e) => e.host))] };
  };
  if (Array.isArray(servers)) return [role('web', ['servers'], {}, servers, true)];
  if (!isHash(servers)) return [];
  return Object.keys(servers).sort().map((name) => {
    const r = servers[name];
    return isHash(r) ? role(name, ['servers', name], r, r.hosts, false) : role(name, ['servers', name], {}, r, true);
  });
}

/** Hosts tagged `tag` in role host lists (Kamal only looks at roles given as plain lists). */
function taggedHosts(roles: readonly ServerRole[], tag: unknown): string[] {
  const out: string[] = [];
  for (const role of roles) {
    if (!role.listForm || role.path.length === 1) continue;
    for (const entry of role.entries) {
      if (entry.tags.length === 0) continue;
      // Kamal uses `include?`: element of a tag list, substring of a single tag.
      const match = entry.tagList ? entry.tags.includes(String(tag)) : entry.tags[0].includes(String(tag));
      if (match) out.push(entry.host);
    }
  }
  return out;
}

/**
 * The hosts an accessory runs on: `host`, `hosts`, or the hosts of its `role(s)` / `tag(s)`,
 * given the config's roles.
 */
export function accessoryHosts(acc: Record<string, unknown>, roles: readonly ServerRole[]): string[] {
  const has = (k: string) => Object.prototype.hasOwnProperty.call(acc, k);
  const roleHosts = (name: unknown) => roles.find((r) => r.name === String(name))?.hosts ?? [];
  if (has('host')) return [String(acc.host)];
  if (has('hosts')) return serverHosts(acc.hosts);
  if (has('role')) return roleHosts(acc.role);
  if (has('roles')) return (Array.isArray(acc.roles) ? acc.roles : []).flatMap(roleHosts);
  if (has('tag')) return taggedHosts(roles, acc.tag);
  if (has('tags')) return (Array.isArray(acc.tags) ? acc.tags : []).flatMap((t) => taggedHosts(roles, t));
  return [];
}
